"""A learner's requests about their own data, and the audit log of who did what to accounts.

Both outlive the account they are about: when a deletion is executed, the user's rows here keep
the user's former id and lose their name (``lms.privacy.services.deletion_request_execute``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One event worth answering "who did that, and when?" for: a sign-in (or a refused one), a
    role or team change, an export of someone's data, a deletion request and its execution.
    Written by ``lms.privacy`` only (signals and its services), read-only in the admin."""

    class Event(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in refused")
        ROLE_ADDED = "role_added", _("Role given")
        ROLE_REMOVED = "role_removed", _("Role taken away")
        TEAM_JOINED = "team_joined", _("Joined a team")
        TEAM_LEFT = "team_left", _("Left a team")
        TEAM_MANAGER_ADDED = "team_manager_added", _("Made a team's manager")
        TEAM_MANAGER_REMOVED = "team_manager_removed", _("No longer a team's manager")
        DATA_EXPORTED = "data_exported", _("Downloaded their data")
        DELETION_REQUESTED = "deletion_requested", _("Asked for their account to be deleted")
        DELETION_WITHDRAWN = "deletion_withdrawn", _("Withdrew a deletion request")
        DELETION_EXECUTED = "deletion_executed", _("Account deleted")

    SIGN_IN, SIGN_IN_FAILED = Event.SIGN_IN, Event.SIGN_IN_FAILED
    ROLE_ADDED, ROLE_REMOVED = Event.ROLE_ADDED, Event.ROLE_REMOVED
    TEAM_JOINED, TEAM_LEFT = Event.TEAM_JOINED, Event.TEAM_LEFT
    TEAM_MANAGER_ADDED, TEAM_MANAGER_REMOVED = Event.TEAM_MANAGER_ADDED, Event.TEAM_MANAGER_REMOVED
    DATA_EXPORTED = Event.DATA_EXPORTED
    DELETION_REQUESTED, DELETION_WITHDRAWN, DELETION_EXECUTED = (
        Event.DELETION_REQUESTED, Event.DELETION_WITHDRAWN, Event.DELETION_EXECUTED)

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=30, choices=Event.choices, db_index=True)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The account the event is about.")
    subject_ref = models.PositiveIntegerField(null=True, blank=True, db_index=True,
                                              help_text="The account's id, kept after it is deleted.")
    subject_name = models.CharField(max_length=150, blank=True,
                                    help_text="The username then (for a refused sign-in: the name typed).")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Who did it; empty for a task or an identity provider.")
    actor_ref = models.PositiveIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="The role, the team, what was deleted…")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.subject_name or self.subject_ref}"


class DeletionRequest(models.Model):
    """A user's request that their account be deleted. An admin executes it from the admin; the
    row stays, without the user's name, as the record that it was done."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        WITHDRAWN = "withdrawn", _("Withdrawn by the user")
        EXECUTED = "executed", _("Executed")

    REQUESTED, WITHDRAWN, EXECUTED = Status.REQUESTED, Status.WITHDRAWN, Status.EXECUTED

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="deletion_requests")
    user_ref = models.PositiveIntegerField(help_text="The account's id, kept after it is deleted.")
    username = models.CharField(max_length=150, blank=True, help_text="Emptied when the request is executed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was executed or withdrawn.")
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    anonymous_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+",
                                       help_text="The placeholder account the kept answers now belong to.")
    summary = models.JSONField(default=dict, blank=True, help_text="How many rows were kept anonymised or deleted.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [("execute_deletionrequest", "Can execute a deletion request")]
        constraints = [models.UniqueConstraint(fields=["user"], condition=Q(status="requested"),
                                               name="one_open_deletion_request_per_user")]

    def __str__(self) -> str:
        return f"deletion of {self.username or f'user #{self.user_ref}'} ({self.status})"
