from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "lms.content"
    label = "content"
    verbose_name = "Courses and item bank"
