"""Rollups the dashboards read, kept fresh by background tasks (``lms.analytics.tasks``), and the
coach's notes. The response log, the enrolments and the learner states stay the source of truth:
every rollup row can be recomputed from them, and recomputing it gives the same row."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lms.content.models import Course, Question
from lms.learning.models import Enrollment


class RollupCursor(models.Model):
    """How far a rollup has read, so that the next run only looks at what changed.

    ``running_since`` is claimed with a conditional UPDATE: a second worker that starts the same
    rollup while one is running finds nothing to claim and returns.
    """

    name = models.CharField(max_length=40, unique=True)
    last_response_id = models.BigIntegerField(default=0)
    last_state_update = models.DateTimeField(null=True, blank=True)
    last_enrollment_id = models.BigIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} up to response {self.last_response_id}"


class LearnerDay(models.Model):
    """One learner's answers in one course on one (UTC) day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    responses = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course", "day"], name="one_learner_day")]
        indexes = [models.Index(fields=["day", "course"]), models.Index(fields=["course", "day"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id} on {self.day}"


class EnrollmentStats(models.Model):
    """An enrolment's figures for the dashboards: activity, predicted mastery, mastery reached,
    and the at-risk flags. Copies of the enrolment's user, course, path and dates are kept here so
    that the dashboards filter and sort one table."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollment_stats")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=10)
    enrolled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    responses = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    first_activity = models.DateTimeField(null=True, blank=True)
    last_activity = models.DateTimeField(null=True, blank=True)
    active_days = models.PositiveIntegerField(default=0)
    mastery = models.JSONField(default=dict, help_text="Course skill slug → predicted success.")
    mastery_avg = models.FloatField(null=True, blank=True, help_text="Mean predicted success over the course's skills.")
    mastered_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When all course skills were first seen at or above the threshold.")
    responses_to_mastery = models.PositiveIntegerField(null=True, blank=True)
    risk_low = models.BooleanField(default=False)
    risk_falling = models.BooleanField(default=False)
    falling_skill = models.CharField(max_length=80, blank=True)
    falling_from = models.FloatField(null=True, blank=True)
    falling_to = models.FloatField(null=True, blank=True)
    risk_looping = models.BooleanField(default=False)
    looping_module = models.CharField(max_length=200, blank=True,
                                      help_text="The module taken again and again without mastering it.")
    looping_attempts = models.PositiveIntegerField(default=0, help_text="How often its quiz was finished.")
    inactive_after = models.DateTimeField(help_text="Flagged as inactive when no answer arrives by then.")
    usual_gap_days = models.FloatField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["course", "user"]),
            models.Index(fields=["user"]),
            models.Index(fields=["course", "path"]),
            models.Index(fields=["course", "enrolled_at"]),
        ]

    def __str__(self) -> str:
        return f"stats of enrolment {self.enrollment_id}"


class QuestionStats(models.Model):
    """Item statistics of one question within one course, from first attempts."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    first_attempts = models.PositiveIntegerField(default=0)
    first_correct = models.PositiveIntegerField(default=0)
    facility = models.FloatField(null=True, blank=True, help_text="Share of first attempts that were correct.")
    discrimination = models.FloatField(null=True, blank=True,
                                       help_text="Point-biserial correlation with the learner's total score.")
    model_difficulty = models.FloatField(null=True, blank=True,
                                         help_text="1 − the champion's predicted success for a new learner.")
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "question"], name="one_question_stats_per_course")]

    def __str__(self) -> str:
        return f"stats of {self.question_id} in {self.course_id}"


class SkillCurve(models.Model):
    """Error rate by practice opportunity for one skill in one course, with the flatness test."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    skill = models.CharField(max_length=80)
    points = models.JSONField(default=list, help_text='[{"opportunity", "attempts", "errors"}]')
    slope = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True, help_text="One-sided: is the slope below 0?")
    flat = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "skill"], name="one_curve_per_course_skill")]

    def __str__(self) -> str:
        return f"curve of {self.skill} in {self.course_id}"


class ModelHealthCheck(models.Model):
    """How well the champion predicted recent live answers (each from the state before it)."""

    model_version = models.ForeignKey("adaptive.ModelVersion", on_delete=models.CASCADE, related_name="health_checks")
    computed_at = models.DateTimeField()
    window_days = models.PositiveIntegerField()
    responses = models.PositiveIntegerField()
    learners = models.PositiveIntegerField()
    live_auc = models.FloatField(null=True, blank=True)
    heldout_auc = models.FloatField(null=True, blank=True)
    calibration = models.JSONField(default=list)
    degraded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"check of {self.model_version_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class CoachNote(models.Model):
    """A manager's or admin's note about a learner, seen by the learner's managers and admins."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=4000)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"note on {self.learner_id}"
