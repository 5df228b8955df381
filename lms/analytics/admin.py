from django.contrib import admin

from lms.analytics.models import CoachNote, ModelHealthCheck, RollupCursor


@admin.register(CoachNote)
class CoachNoteAdmin(admin.ModelAdmin):
    list_display = ["learner", "author", "created"]
    search_fields = ["learner__username", "text"]
    raw_id_fields = ["learner", "author"]


@admin.register(RollupCursor)
class RollupCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "last_response_id", "last_enrollment_id", "finished_at", "running_since"]
    readonly_fields = ["name", "last_response_id", "last_state_update", "last_enrollment_id", "finished_at"]


@admin.register(ModelHealthCheck)
class ModelHealthCheckAdmin(admin.ModelAdmin):
    list_display = ["model_version", "computed_at", "responses", "live_auc", "heldout_auc", "degraded"]
    list_filter = ["degraded"]
