"""Skill suggestions in the admin: the read-only panel on the question form, and the review page
where an admin approves or rejects pending suggestions (nothing is applied without that)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from lms.content.models import Question, SkillSuggestion
from lms.content.selectors import skill_suggestions_stored
from lms.content.skill_tagger import skill_tagger
from lms.http import signed_in_user


def suggested_skills_panel(question: Question) -> str:
    """The stored suggestions for ``question``, with their confidence; pending ones link to the review
    page. Worked out in the background (``lms.content.tasks.suggest_skills``): this only reads."""
    if not question.pk:
        return "Save the question to see the skills suggested from its text."
    stored = skill_suggestions_stored(question)
    pending = question.skill_suggestions.filter(status=SkillSuggestion.PENDING).count()
    review = ""
    if pending:
        url = reverse("admin:content_skillsuggestion_changelist")
        review = format_html(' <a href="{}?question__id__exact={}&amp;status__exact=pending">Review {} pending '
                             'suggestion{}</a>', url, question.pk, pending, "" if pending == 1 else "s")
    if stored.state == "none":
        return format_html("None worked out yet: they are when the question's text is saved in the editor or "
                           "imported untagged (or run manage.py suggest_skills).{}", review)
    if stored.state == "working":
        return format_html("Being worked out for the question's current text: reload in a moment.{}", review)
    if not stored.suggestions:
        return format_html("No suggestion: tag a few questions of two or more skills first.{}", review)
    items = format_html_join("", "<li>{} <span>({}%)</span></li>",
                             ((s.skill.slug, round(100 * s.confidence)) for s in stored.suggestions))
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
