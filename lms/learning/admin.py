from django.contrib import admin
from django.http import HttpRequest

from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "modules_completed", "modules_total", "questions_answered", "last_activity", "completed_at"]
    list_filter = ["course"]
    search_fields = ["user__username", "course__title"]
    readonly_fields = ["modules_completed", "modules_total", "questions_answered", "correct_answers",
                       "last_activity", "progress_refreshed_at"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """The response log is evidence: it can be read and exported, not edited."""

    list_display = ["created", "user", "question", "module", "is_correct", "score", "attempt_number", "time_taken_ms"]
    list_filter = ["is_correct", "course"]
    search_fields = ["user__username", "question__key"]
    date_hierarchy = "created"

    def has_change_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "number", "started_at", "finished_at"]
    list_filter = ["module__course"]
    search_fields = ["user__username"]
    readonly_fields = ["question_ids"]


@admin.register(ModuleCompletion)
class ModuleCompletionAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "completed_at", "best_score"]
    list_filter = ["module__course"]
