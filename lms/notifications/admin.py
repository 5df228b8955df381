from django.contrib import admin

from lms.notifications.models import CalendarFeed, Email, EmailSettings


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """The record of notification emails, to answer "did they get it?". Read-only: rows are written
    by the tasks, and editing one could send an email twice."""

    list_display = ["created", "kind", "recipient", "status", "attempts", "due", "period", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__username", "recipient__email"]
    date_hierarchy = "created"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(EmailSettings)
class EmailSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "assignments", "team_digest", "updated"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Admins may turn a learner's calendar address off (delete it); the token itself is not shown."""

    list_display = ["user", "created"]
    search_fields = ["user__username"]
    fields = ["user", "created"]
    readonly_fields = ["user", "created"]

    def has_add_permission(self, request: object) -> bool:
        return False
