from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "lms.sso"
    label = "sso"
    verbose_name = "Single sign-on"
