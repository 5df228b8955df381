from __future__ import annotations

from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "lms.xapi"
    label = "xapi"
    verbose_name = "xAPI statements"

    def ready(self) -> None:
        from lms.xapi import receivers

        receivers.connect()
