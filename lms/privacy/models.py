"""A learner's requests about their own data, and the audit log of who did what to accounts.

Both outlive the account they are about: when a deletion is executed, the user's rows here keep
the user's former id and lose their name (``lms.privacy.services.deletion_request_execute``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AuditEvent(models.Model):
    """One event worth answering "who did that, and when?" for: a sign-in (or a refused one), a
    role or team change, an export of someone's data, a deletion request and its execution.
    Written by ``lms.privacy`` only (signals and its services), read-only in the admin."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ROLE_ADDED = "role_added"
    ROLE_REMOVED = "role_removed"
    TEAM_JOINED = "team_joined"
    TEAM_LEFT = "team_left"
    TEAM_MANAGER_ADDED = "team_manager_added"
    TEAM_MANAGER_REMOVED = "team_manager_removed"
    DATA_EXPORTED = "data_exported"
    DELETION_REQUESTED = "deletion_requested"
    DELETION_WITHDRAWN = "deletion_withdrawn"
    DELETION_EXECUTED = "deletion_executed"
    EVENTS = [
        (SIGN_IN, "Signed in"), (SIGN_IN_FAILED, "Sign-in refused"),
        (ROLE_ADDED, "Role given"), (ROLE_REMOVED, "Role taken away"),
        (TEAM_JOINED, "Joined a team"), (TEAM_LEFT, "Left a team"),
        (TEAM_MANAGER_ADDED, "Made a team's manager"), (TEAM_MANAGER_REMOVED, "No longer a team's manager"),
        (DATA_EXPORTED, "Downloaded their data"), (DELETION_REQUESTED, "Asked for their account to be deleted"),
        (DELETION_WITHDRAWN, "Withdrew a deletion request"), (DELETION_EXECUTED, "Account deleted"),
    ]

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=30, choices=EVENTS, db_index=True)
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

    REQUESTED = "requested"
    WITHDRAWN = "withdrawn"
    EXECUTED = "executed"
    STATUSES = [(REQUESTED, "Requested"), (WITHDRAWN, "Withdrawn by the user"), (EXECUTED, "Executed")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="deletion_requests")
    user_ref = models.PositiveIntegerField(help_text="The account's id, kept after it is deleted.")
    username = models.CharField(max_length=150, blank=True, help_text="Emptied when the request is executed.")
    status = models.CharField(max_length=10, choices=STATUSES, default=REQUESTED)
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
