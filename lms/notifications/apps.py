from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lms.notifications"
    label = "notifications"
    verbose_name = "Email and calendars"
