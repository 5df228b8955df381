from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmailSettings(models.Model):
    """What a user wants by email. A user without a row gets everything their role is sent."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_settings")
    assignments = models.BooleanField(default=True, help_text="Assigned modules and due-date reminders.")
    team_digest = models.BooleanField(default=True, help_text="Managers: what is overdue in their teams.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "email settings"

    def __str__(self) -> str:
        return f"Email settings of {self.user}"


class Email(models.Model):
    """One notification email. The row is written before the email is sent, and its unique
    constraints make a second scheduler run, a retried task or a duplicated message find the row
    taken instead of sending again: one email per assignment, learner and stage (per due date, so a
    moved date is reminded again), and one digest per manager and period. A message is a manager's
    own words to one learner (``sender`` and ``body``), kept here as the record that it was sent."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Module assigned")
        DUE_SOON = "due_soon", _("Due in a few days")
        DUE_TOMORROW = "due_tomorrow", _("Due tomorrow or today")
        OVERDUE = "overdue", _("Overdue")
        DIGEST = "digest", _("Manager's digest of overdue work")
        MESSAGE = "message", _("Message from a manager")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    ASSIGNED, DUE_SOON, DUE_TOMORROW, OVERDUE = Kind.ASSIGNED, Kind.DUE_SOON, Kind.DUE_TOMORROW, Kind.OVERDUE
    DIGEST, MESSAGE = Kind.DIGEST, Kind.MESSAGE
    REMINDERS = (Kind.DUE_SOON, Kind.DUE_TOMORROW, Kind.OVERDUE)
    PENDING, SENDING, SENT, FAILED, SKIPPED = Status.PENDING, Status.SENDING, Status.SENT, Status.FAILED, Status.SKIPPED

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    assignment = models.ForeignKey("adaptive.Assignment", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    due = models.DateField(null=True, blank=True, help_text="Reminders: the due date reminded of.")
    period = models.DateField(null=True, blank=True, help_text="Digests: the first day of the period.")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text="Messages: the manager or admin who wrote it.")
    body = models.TextField(blank=True, max_length=4000, help_text="Messages: what the manager wrote.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "recipient"], condition=Q(kind="assigned"),
                                    name="one_assigned_email_per_learner"),
            models.UniqueConstraint(fields=["assignment", "recipient", "kind", "due"],
                                    condition=Q(kind__in=["due_soon", "due_tomorrow", "overdue"]),
                                    name="one_reminder_per_assignment_stage_and_due"),
            models.UniqueConstraint(fields=["recipient", "period"], condition=Q(kind="digest"),
                                    name="one_digest_per_manager_and_period"),
            models.CheckConstraint(
                condition=(Q(kind="digest", assignment__isnull=True, period__isnull=False)
                           | (Q(kind="message", assignment__isnull=True) & ~Q(body=""))
                           | (~Q(kind__in=["digest", "message"]) & Q(assignment__isnull=False))),
                name="email_is_a_digest_a_message_or_about_an_assignment"),
            models.CheckConstraint(
                condition=~Q(kind__in=["due_soon", "due_tomorrow", "overdue"]) | Q(due__isnull=False),
                name="reminder_has_a_due_date"),
        ]
        indexes = [models.Index(fields=["status", "created"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"


class CalendarFeed(models.Model):
    """A learner's private calendar address. The token is the only credential (calendar apps
    cannot sign in), so it is long and random, and a new one replaces it when the learner asks."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
