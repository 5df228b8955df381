"""Skill suggestions in the admin: the read-only panel on the question form, and the review page
where an admin approves or rejects pending suggestions (nothing is applied without that)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from lms.content.models import Question, SkillSuggestion
from lms.content.skill_tagger import skill_tagger
from lms.http import signed_in_user


def suggested_skills_panel(question: Question) -> str:
    """What the tagger suggests for ``question``, with its confidence; pending suggestions link to
    the review page."""
    if not question.pk:
        return "Save the question to see the skills suggested from its text."
    try:
        found = skill_tagger().suggest([question])[question.pk]
    except Exception:  # noqa: BLE001 - a broken encoder setting must not break the question form
        return "Suggestions are unavailable (see the server log)."
    pending = question.skill_suggestions.filter(status=SkillSuggestion.PENDING).count()
    review = ""
    if pending:
        url = reverse("admin:content_skillsuggestion_changelist")
        review = format_html(' <a href="{}?question__id__exact={}&amp;status__exact=pending">Review {} pending '
                             'suggestion{}</a>', url, question.pk, pending, "" if pending == 1 else "s")
    if not found:
        return format_html("No suggestion: tag a few questions of two or more skills first.{}", review)
    items = format_html_join("", "<li>{} <span>({}%)</span></li>",
                             ((s.skill, round(100 * s.confidence)) for s in found))
    return format_html('<ul class="suggested-skills" style="margin:0;padding-left:1.2rem">{}</ul>'
                       "<p class=\"help\">From the text of the question and of the questions already tagged. "
                       "Not applied: add a skill above to tag it.{}</p>", items, review)


@admin.register(SkillSuggestion)
class SkillSuggestionAdmin(admin.ModelAdmin):
    list_display = ["question", "skill", "confidence_percent", "rank", "status", "source", "created", "decided_by"]
    list_filter = ["status", "source", "skill"]
    search_fields = ["question__key", "question__stem", "skill__slug"]
    list_select_related = ["question", "skill"]
    actions = ["approve", "reject"]
    readonly_fields = ("question", "skill", "confidence", "rank", "source", "status", "created", "decided_at",
                       "decided_by", "question_stem")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Confidence", ordering="confidence")
    def confidence_percent(self, suggestion: SkillSuggestion) -> str:
        return f"{suggestion.confidence:.0%}"

    @admin.display(description="Stem")
    def question_stem(self, suggestion: SkillSuggestion) -> str:
        return suggestion.question.stem

    @admin.action(description="Approve: add the skill to the question")
    def approve(self, request: HttpRequest, queryset: QuerySet[SkillSuggestion]) -> None:
        applied = skill_tagger().approve(suggestions=queryset, user=signed_in_user(request))
        self.message_user(request, f"{applied} suggestion{'s' if applied != 1 else ''} applied.", messages.SUCCESS)

    @admin.action(description="Reject: do not suggest it again")
    def reject(self, request: HttpRequest, queryset: QuerySet[SkillSuggestion]) -> None:
        rejected = skill_tagger().reject(suggestions=queryset, user=signed_in_user(request))
        self.message_user(request, f"{rejected} suggestion{'s' if rejected != 1 else ''} rejected.", messages.SUCCESS)
