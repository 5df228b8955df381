from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.content.models import Course, Module, Question


class Enrollment(models.Model):
    """A learner taking a course. Progress fields are a summary kept fresh by a background task
    from the response log, which stays the source of truth."""

    class Path(models.TextChoices):
        ADAPTIVE = "adaptive", _("Adaptive")
        FIXED = "fixed", _("Fixed course order (control group)")

    ADAPTIVE, FIXED = Path.ADAPTIVE, Path.FIXED

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    path = models.CharField(max_length=10, choices=Path.choices, default=Path.ADAPTIVE,
                            help_text="Drawn at enrolment from the course's control share; never changes.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Summary, recomputed by lms.learning.tasks.refresh_enrollment_progress.
    modules_completed = models.PositiveIntegerField(default=0)
    modules_total = models.PositiveIntegerField(default=0)
    questions_answered = models.PositiveIntegerField(default=0)
    correct_answers = models.PositiveIntegerField(default=0)
    last_activity = models.DateTimeField(null=True, blank=True)
    progress_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_course")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @property
    def progress_percent(self) -> int:
        if not self.modules_total:
            return 0
        return round(100 * self.modules_completed / self.modules_total)

    @property
    def accuracy_percent(self) -> int | None:
        if not self.questions_answered:
            return None
        return round(100 * self.correct_answers / self.questions_answered)


class QuizAttempt(models.Model):
    """One pass through a module's quiz. The questions are fixed when the attempt starts so that
    a reload or a second tab shows the same quiz."""

    class Kind(models.TextChoices):
        MODULE = "module", _("Module quiz")
        PLACEMENT = "placement", _("Placement check")

    MODULE, PLACEMENT = Kind.MODULE, Kind.PLACEMENT

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MODULE)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts",
                               help_text="The module of a module quiz; empty for a placement check.")
    number = models.PositiveIntegerField(help_text="1 for the learner's first attempt at this module.")
    question_ids = models.JSONField(default=list, help_text="The pool the questions are chosen from.")
    max_questions = models.PositiveIntegerField(null=True, blank=True, help_text="A cap, e.g. 5 for placement.")
    current_question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                         help_text="The question shown now, chosen by the last decision.")
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(fields=["user", "course", "number"], condition=models.Q(kind="placement"),
                                    name="placement_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.module or 'placement'} / attempt {self.number}"

    @property
    def is_placement(self) -> bool:
        return self.kind == self.PLACEMENT


class Response(models.Model):
    """One answer: the event the learner model learns from. Written before anything else happens."""

    submission_id = models.UUIDField(
        help_text="Chosen when the question is shown; a second submission with the same id is the same answer.",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="responses")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="responses")
    quiz_attempt = models.ForeignKey(QuizAttempt, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="responses")
    answer = models.JSONField(help_text="The answer as given: choice ids, a boolean, a number or text.")
    is_correct = models.BooleanField()
    score = models.FloatField(help_text="0 to 1; partial credit for multiple choice.")
    time_taken_ms = models.PositiveIntegerField(null=True, blank=True)
    attempt_number = models.PositiveIntegerField(help_text="1 the first time this learner answers this question.")
    shown_at = models.DateTimeField(null=True, blank=True)
    # A default rather than auto_now_add, so imports and simulations can keep their own times.
    created = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the background summary took this response into account.")

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "submission_id"], name="one_response_per_submission"),
            # A quiz never asks a question twice (the policy allows no repeats, a placement check's pool
            # holds each question once), so a second answer in one attempt is two tabs or clients racing.
            models.UniqueConstraint(fields=["quiz_attempt", "question"], condition=models.Q(quiz_attempt__isnull=False),
                                    name="one_answer_per_question_per_attempt"),
        ]
        indexes = [
            models.Index(fields=["user", "question"]),
            models.Index(fields=["user", "created"]),
            models.Index(fields=["course", "created"]),
            models.Index(fields=["processed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}: {'correct' if self.is_correct else 'wrong'}"


class ModuleCompletion(models.Model):
    """The first time a learner finishes a module's quiz; later attempts update the best score."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()
    best_score = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "module"], name="one_completion_per_module")]

    def __str__(self) -> str:
        return f"{self.user} completed {self.module}"


class WeeklyGoal(models.Model):
    """How many days a week a learner means to practise; 0 is no goal. Without a row the goal is
    DEFAULT_DAYS. Progress toward it is read from the response log, never stored."""

    DEFAULT_DAYS = 3
    MAX_DAYS = 7

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_goal")
    days_per_week = models.PositiveSmallIntegerField(default=DEFAULT_DAYS,
                                                     help_text="Days with at least one answer; 0 is no goal.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(days_per_week__lte=7), name="goal_at_most_7_days")]

    def __str__(self) -> str:
        return f"{self.user}: {self.days_per_week} days a week"
