from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from adaptive.core.learners import State
from adaptive.reasons import learner_text
from lms.content.models import Course, Module, Question


class ModelVersion(models.Model):
    """One trained learner model: its artifact, metrics and place in the registry.

    A candidate becomes champion only by the registry's rule (``adaptive.services``): it must beat
    the champion on the same held-out learners and produce finite outputs.
    """

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        CHAMPION = "champion", _("Champion")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected")

    CANDIDATE, CHAMPION, RETIRED, REJECTED = Status.CANDIDATE, Status.CHAMPION, Status.RETIRED, Status.REJECTED

    name = models.CharField(max_length=40, help_text="Learner model in the core registry, e.g. gru_pfa.")
    artifact = models.CharField(max_length=500, help_text="Checkpoint file, relative to PATHWISE_MODEL_DIR.")
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    metrics = models.JSONField(default=dict, help_text="Held-out metrics (AUC, log-loss, k-shot, calibration).")
    champion_metrics = models.JSONField(null=True, blank=True,
                                        help_text="The champion's metrics on the same held-out learners.")
    promotion_note = models.CharField(max_length=300, blank=True, help_text="Why it was promoted or not.")
    training_data = models.JSONField(default=dict, help_text="What it was trained on: source, counts.")
    device = models.CharField(max_length=40, blank=True)
    train_seconds = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    load_error = models.CharField(max_length=500, blank=True, help_text="Last error loading the artifact, if any.")

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="champion"), name="one_champion"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"


class LearnerState(models.Model):
    """The learner model's picture of one learner, with the model version it belongs to.

    ``last_response_id`` makes updates idempotent: a response at or below it was already applied.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_state")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.BinaryField(default=b"")
    last_response_id = models.BigIntegerField(default=0)
    responses_seen = models.PositiveIntegerField(default=0)
    mastery = models.JSONField(default=dict, help_text="Skill slug → predicted success, after the last response.")
    peak_mastery = models.JSONField(default=dict, help_text="Skill slug → highest mastery so far, for spaced review.")
    updated = models.DateTimeField(auto_now=True)
    #: Not a column: ``state`` decoded, kept on the row by the service that has just advanced it, so
    #: the decisions that follow need not decode it again.
    decoded_state: State | None = None

    def __str__(self) -> str:
        return f"state of {self.user}"


class Decision(models.Model):
    """An adaptive decision with its evidence: what was chosen, from what, by which model, and why."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Next question")
        MODULE = "module", _("Next module")

    class Source(models.TextChoices):
        WORKER = "worker", _("Worker")
        WEB = "web", _("Web process (fallback)")

    QUESTION, MODULE = Kind.QUESTION, Kind.MODULE
    WORKER, WEB = Source.WORKER, Source.WEB

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="decisions")
    response = models.ForeignKey("learning.Response", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="decisions", help_text="The answer that led to it; empty at a start.")
    quiz_attempt = models.ForeignKey("learning.QuizAttempt", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="decisions")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stop = models.CharField(max_length=20, blank=True, help_text="Why a quiz ends: mastered or pool_exhausted.")
    decision_kind = models.CharField(max_length=20, blank=True,
                                     help_text="learn, review, assigned, move_on, next_in_order…")
    reason = models.CharField(max_length=300, help_text="Why, in detail (the numbers the decision was made from).")
    reason_code = models.CharField(max_length=40, blank=True,
                                   help_text="Why, for the learner: a code rendered in the reader's language "
                                             "(adaptive.reasons) with reason_params.")
    reason_params = models.JSONField(default=dict, blank=True)
    candidates = models.JSONField(default=list)
    mastery = models.JSONField(default=dict, blank=True,
                               help_text="Module decisions: skill slug → predicted success they were made from.")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WORKER)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One decision of each kind per answer: the worker and the web fallback may race; the first wins.
            models.UniqueConstraint(fields=["response", "kind"], name="one_decision_per_response_and_kind"),
        ]
        indexes = [models.Index(fields=["user", "course", "kind", "-created"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}: {self.reason}"

    @property
    def learner_reason(self) -> str:
        """Why, in plain words for the learner; the detailed ``reason`` when there is no code."""
        return learner_text(self.reason_code, self.reason_params) or self.reason


class Assignment(models.Model):
    """A manager's instruction: this module, for this learner or team, optionally by a date."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="assignments")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="assignments")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="assignments")
    due = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "created"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(learner__isnull=False, team__isnull=True)
                           | models.Q(learner__isnull=True, team__isnull=False)),
                name="assignment_for_a_learner_or_a_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} for {self.learner or self.team}"


class TrainingRun(models.Model):
    """One retraining job, started by beat or by an admin; the worker reports its progress here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    QUEUED, RUNNING, SUCCEEDED, FAILED = Status.QUEUED, Status.RUNNING, Status.SUCCEEDED, Status.FAILED

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    model_name = models.CharField(max_length=40)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    progress = models.FloatField(default=0.0, help_text="0 to 1.")
    message = models.CharField(max_length=500, blank=True)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="training_runs")
    device = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"training {self.model_name} #{self.pk}: {self.status}"
