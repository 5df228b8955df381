"""The learning diary: a learner's own reflections and how confident they feel per skill.

Entries are private to their author. A manager (or an admin) learns only that a diary is kept,
unless the author shares one entry; ``lms.diary.selectors`` is the one place that decides this.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.content.models import Module, Skill

METHODS = [
    ("re-reading", _("Re-reading")),
    ("practice-questions", _("Practice questions")),
    ("explaining", _("Explaining it to someone")),
    ("notes", _("Notes or a summary")),
    ("worked-examples", _("Worked examples")),
    ("spaced-review", _("Spaced review")),
]
METHOD_LABELS = dict(METHODS)


class DiaryEntry(models.Model):
    """One reflection: what the learner studied, which methods helped and, per skill, how
    confident they feel (``ConfidenceRating``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries")
    submission_id = models.UUIDField(default=uuid.uuid4, editable=False,
                                     help_text="Chosen when the form is shown; a second post is the same entry.")
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               help_text="The module the reflection follows, if any.")
    quiz_attempt = models.ForeignKey("learning.QuizAttempt", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    studied = models.TextField(max_length=2000, help_text="What the learner studied, in their words.")
    methods = models.JSONField(default=list, blank=True, help_text="Codes from METHODS that helped.")
    other_method = models.CharField(max_length=300, blank=True, help_text="Another method, in their words.")
    shared_with_managers = models.BooleanField(
        default=False, help_text="The learner lets the managers of their teams (and admins) read this entry.",
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "diary entries"
        constraints = [models.UniqueConstraint(fields=["user", "submission_id"], name="one_entry_per_submission")]

    def __str__(self) -> str:
        return f"diary entry #{self.pk} of {self.user}"

    def method_labels(self) -> list[str]:
        labels = [str(METHOD_LABELS.get(code, code)) for code in self.methods]
        if self.other_method:
            labels.append(self.other_method)
        return labels

    def set_shared(self, shared: bool) -> bool:
        """Share or unshare the entry; returns whether anything changed. One field, one UPDATE,
        so a repeated toggle is harmless."""
        if self.shared_with_managers == shared:
            return False
        self.shared_with_managers = shared
        self.save(update_fields=["shared_with_managers"])
        return True


class ConfidenceRating(models.Model):
    """How confident the learner felt about one skill when writing one entry (1 to 5).

    Kept per (entry, skill) with the learner model's estimate at that moment, so the learner model
    can later use self-assessment as a feature (see docs/diary.md).
    """

    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="ratings")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="confidence_ratings")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    mastery_at_rating = models.FloatField(null=True, blank=True,
                                          help_text="LearnerState.mastery for the skill when rated, if estimated.")

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "skill"], name="one_rating_per_skill_per_entry"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.rating}/5"


class DiaryPromptDismissal(models.Model):
    """The learner said "not today" to the daily invitation. One row per learner and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_dismissal_per_day")]

    def __str__(self) -> str:
        return f"{self.user} dismissed the diary prompt on {self.day}"
