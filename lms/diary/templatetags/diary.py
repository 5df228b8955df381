"""Invitations to write in the diary, shown on pages the diary does not own (the quiz summary and
the dashboard) without their views having to know about the diary."""

from __future__ import annotations

from typing import Any

from django import template

from lms.diary import selectors
from lms.learning.models import QuizAttempt

register = template.Library()


@register.inclusion_tag("diary/invitation_after_module.html", takes_context=True)
def diary_after_module(context: dict[str, Any], attempt: QuizAttempt) -> dict[str, Any]:
    user = context["request"].user
    return {"attempt": attempt, "entry": selectors.entry_for_attempt(user, attempt)}


@register.inclusion_tag("diary/invitation_daily.html", takes_context=True)
def diary_daily_prompt(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    return {"due": selectors.daily_invitation_due(user), "csrf_token": context.get("csrf_token")}
