from django.apps import AppConfig


class AdaptiveConfig(AppConfig):
    """The Django layer around the learner-model core: registry, learner states, decisions, tasks."""

    name = "adaptive"
    label = "adaptive"
    verbose_name = "Adaptive learning"
