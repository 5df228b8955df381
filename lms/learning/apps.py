from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "lms.learning"
    label = "learning"
    verbose_name = "Learning activity"

    def ready(self) -> None:
        # The learner model reads the learner's records through these: adaptive sits below learning and
        # must not import it. Imported here, not at the top: models may be imported only once apps are ready.
        from adaptive.records import LearningRecords, learning_records_register
        from lms.learning import selectors

        learning_records_register(LearningRecords(
            responses_since=selectors.responses_since,
            module_standing=selectors.module_standing,
            follows_course_order=selectors.follows_course_order,
            enrolled_course_ids=selectors.enrolled_course_ids,
            response_rows=selectors.response_rows,
        ))
