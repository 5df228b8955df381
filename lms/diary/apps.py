from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "lms.diary"
    label = "diary"
    verbose_name = "Learning diary"
