from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lms.queueing import publish
from lms.xapi.models import Statement
from lms.xapi.selectors import outbox_counts
from lms.xapi.services import statements_resend
from lms.xapi.tasks import send_xapi_statements


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "Pending"), ("failing", "Failing"), ("sent", "Sent")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Statement]) -> QuerySet[Statement]:
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, last_error="")
        if self.value() == "failing":
            return queryset.filter(Q(sent_at__isnull=True) & ~Q(last_error=""))
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """The xAPI outbox: what was sent to the learning-record store, what waits and why. Read-only:
    rows are written with the events they report, and sent by the tasks."""

    list_display = ["recorded_at", "verb", "user", "state", "attempts", "next_try_at", "sent_at", "last_error"]
    list_filter = [StateFilter, "verb"]
    search_fields = ["=id", "user__username"]
    date_hierarchy = "recorded_at"
    actions = ["send_again"]
    readonly_fields = ("id", "verb", "user", "state", "recorded_at", "sent_at", "attempts", "next_try_at",
                       "last_error", "payload")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        counts = outbox_counts()
        extra_context = {**(extra_context or {}),
                         "subtitle": f"{counts['pending']} pending, {counts['failing']} failing, {counts['sent']} sent"}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send the selected statements again now", permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Statement]) -> None:
        count = statements_resend(include_sent=True, ids=queryset.values_list("pk", flat=True))
        queued = publish(send_xapi_statements)
        if queued:
            messages.success(request, f"{count} statement(s) will be sent again in a moment.")
        else:
            messages.warning(request, f"{count} statement(s) marked to send again; the task queue is unavailable, "
                                      "so they go with the next scheduled send.")
