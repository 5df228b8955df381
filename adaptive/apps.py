from django.apps import AppConfig


class AdaptiveConfig(AppConfig):
    """The Django layer around the learner-model core: registry, learner states, decisions, tasks."""

    name = "adaptive"
    label = "adaptive"
    verbose_name = "Adaptive learning"

    def ready(self) -> None:
        # Content asks for suggested skills through the tagger registered here: it must not import adaptive,
        # which depends on it. Imported here, not at the top: models may be imported only once apps are ready.
        from adaptive import tagging
        from lms.content.skill_tagger import SkillTagger, skill_tagger_register

        skill_tagger_register(SkillTagger(
            suggest=tagging.suggestions_for,
            record=tagging.skill_suggestions_record,
            approve=tagging.skill_suggestions_approve,
            reject=tagging.skill_suggestions_reject,
            min_confidence=tagging.MIN_CONFIDENCE,
        ))
