"""Deletion requests (executed from here) and the audit log (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms.privacy.models import AuditEvent, DeletionRequest
from lms.privacy.services import DeletionRefused, deletion_request_execute


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "who", "status", "requested_at", "closed_at", "executed_by"]
    list_filter = ["status"]
    search_fields = ["username", "user_ref"]
    actions = ["execute"]
    readonly_fields = ["user", "user_ref", "username", "status", "requested_at", "closed_at", "executed_by",
                       "anonymous_user", "summary"]

    @admin.display(description=gettext_lazy("account"))
    def who(self, obj: DeletionRequest) -> str:
        return obj.username or f"deleted user #{obj.user_ref}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users ask from their account page

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the row is the record that a request was made and done

    def has_execute_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("privacy.execute_deletionrequest")

    @admin.action(description=gettext_lazy("Execute the selected deletion requests (delete the accounts)"),
                  permissions=["execute"])
    def execute(self, request: HttpRequest, queryset: QuerySet[DeletionRequest]) -> None:
        done, skipped = 0, 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                executed = deletion_request_execute(request_id=pk, executed_by=request.user)
            except DeletionRefused as refused:
                messages.error(request, _("Request #%(number)s: %(why)s") % {"number": pk, "why": refused})
                continue
            except PermissionDenied:
                messages.error(request, _("Only admins may execute deletion requests."))
                return
            done, skipped = done + executed, skipped + (not executed)
        if done:
            messages.success(request, ngettext(
                "Deleted %(count)d account; its answers are kept under an anonymous placeholder.",
                "Deleted %(count)d accounts; their answers are kept under anonymous placeholders.", done) % {"count": done})
        if skipped:
            messages.info(request, ngettext(
                "%(count)d request was not open (executed already or withdrawn), so nothing changed for it.",
                "%(count)d requests were not open (executed already or withdrawn), so nothing changed for them.",
                skipped) % {"count": skipped})


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that admins could edit would prove nothing."""

    list_display = ["created", "event", "subject_name", "actor_name", "ip_address", "detail"]
    list_filter = ["event"]
    search_fields = ["subject_name", "actor_name", "ip_address", "=subject_ref"]
    date_hierarchy = "created"
    readonly_fields = ("created", "event", "subject", "subject_ref", "subject_name", "actor", "actor_ref",
                       "actor_name", "ip_address", "detail")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
