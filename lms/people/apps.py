from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "lms.people"
    label = "people"
    verbose_name = "People in bulk"
