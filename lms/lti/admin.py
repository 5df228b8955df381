"""Registering platforms, seeing the tool's keys (public halves only), linked accounts, grade
columns and platform courses; an action fills a platform course's team from its roster now."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from lms.lti.models import GradeLink, Platform, PlatformAccount, PlatformContext, ToolKey
from lms.lti.tasks import sync_roster
from lms.queueing import publish


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "client_id", "is_active", "created"]
    list_filter = ["is_active"]
    search_fields = ["name", "issuer", "client_id"]
    fields = ["name", "issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url", "keyset_url",
              "audience", "frame_origins", "is_active"]


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    """The private half is never shown: only the key id, the public key and whether it is published.
    New keys come from ``manage.py lti_tool_key``."""

    list_display = ["kid", "is_active", "created"]
    fields = ["kid", "public_pem", "is_active", "created"]
    readonly_fields = ["kid", "public_pem", "created"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "subject", "created", "last_launch"]
    list_filter = ["platform"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["platform", "issuer", "subject", "user", "created", "last_launch"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(GradeLink)
class GradeLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "module", "platform", "last_score", "last_sent", "last_error"]
    list_filter = ["platform"]
    readonly_fields = ["platform", "user", "subject", "course", "module", "lineitem_url", "scopes", "last_score",
                       "last_sent", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PlatformContext)
class PlatformContextAdmin(admin.ModelAdmin):
    list_display = ["title", "context_id", "platform", "team", "roster_synced", "roster_error"]
    list_filter = ["platform"]
    readonly_fields = ["platform", "context_id", "title", "memberships_url", "team", "instructors", "roster_synced",
                       "roster_error"]
    actions = ["fill_teams"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Fill the team from the platform's roster now"))
    def fill_teams(self, request: HttpRequest, queryset: QuerySet[PlatformContext]) -> None:
        queued = sum(publish(sync_roster, pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, ngettext("%(count)d roster update queued; the team fills in the background.",
                                            "%(count)d roster updates queued; the teams fill in the background.",
                                            queued) % {"count": queued},
                          messages.SUCCESS if queued else messages.WARNING)
