from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "lms.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        from lms.privacy import signals

        signals.connect()
