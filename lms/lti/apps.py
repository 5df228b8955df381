from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lms.lti"
    label = "lti"
    verbose_name = "LTI 1.3 (learning platforms)"

    def ready(self) -> None:
        # Grades go back to the platform when a learner's progress in a launched course changes.
        from lms.lti import receivers  # noqa: F401
