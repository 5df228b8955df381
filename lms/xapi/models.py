from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    """One xAPI statement in the outbox, recorded with the event it reports and kept once sent.

    Its primary key is the statement's id, fixed when it is recorded, so sending it again (after a
    lost reply or a worker that died) is recognised by the LRS as the same statement.
    """

    class Verb(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        COMPLETED = "completed", _("Completed")
        MASTERED = "mastered", _("Mastered")

    ANSWERED, COMPLETED, MASTERED = Verb.ANSWERED, Verb.COMPLETED, Verb.MASTERED

    id = models.UUIDField(primary_key=True, editable=False)
    verb = models.CharField(max_length=12, choices=Verb.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField(help_text="The statement as sent.")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the LRS accepted it.")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed sends so far.")
    next_try_at = models.DateTimeField(default=timezone.now, help_text="Not sent before this time.")
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["next_try_at", "recorded_at"], condition=models.Q(sent_at__isnull=True),
                         name="xapi_statement_due"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.id}"

    @property
    def state(self) -> str:
        if self.sent_at is not None:
            return "sent"
        return "failing" if self.last_error else "pending"
