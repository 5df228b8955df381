"""The diary in the admin: counts and dates only. Admins follow the learners' privacy rule too, so
the text of an entry appears here only when its author shares it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from lms.diary.models import DiaryEntry

PRIVATE = "(private: not shared by its author)"


@admin.register(DiaryEntry)
class DiaryEntryAdmin(admin.ModelAdmin):
    list_display = ["user", "created", "module", "shared_with_managers", "rating_count"]
    list_filter = ["shared_with_managers"]
    search_fields = ["user__username"]
    readonly_fields = ("user", "created", "module", "shared_with_managers", "shared_text", "rating_list")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DiaryEntry]:
        return (super().get_queryset(request).select_related("user", "module")
                .annotate(n_ratings=Count("ratings")).prefetch_related("ratings__skill"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DiaryEntry | None = None) -> bool:
        return False

    @admin.display(description="Confidence ratings", ordering="n_ratings")
    def rating_count(self, entry: DiaryEntry) -> int:
        return entry.n_ratings  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="What they wrote")
    def shared_text(self, entry: DiaryEntry) -> str:
        if not entry.shared_with_managers:
            return PRIVATE
        helped = ", ".join(entry.method_labels())
        return entry.studied + (f"\n\nWhat helped: {helped}" if helped else "")

    @admin.display(description="Ratings")
    def rating_list(self, entry: DiaryEntry) -> str:
        if not entry.shared_with_managers:
            return PRIVATE
        return ", ".join(str(r) for r in entry.ratings.all()) or "–"
