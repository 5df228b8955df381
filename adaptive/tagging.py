"""Skill suggestions for bank questions: the Django side of ``adaptive.core.tagging``.

Builds the tagger's bank from ``Question`` rows, keeps one fitted tagger per process for as long
as the bank's text and tags are unchanged, and records suggestions as pending ``SkillSuggestion``
rows that an admin approves or rejects; nothing here adds a skill to a question without that.

Settings (optional, in ``lms/settings.py``):

- ``PATHWISE_TAGGING_ENCODER``: dotted path of a ``TextEncoder`` class
  (default ``adaptive.core.tagging.LsaEncoder``: TF-IDF + LSA fitted on the bank, no download);
- ``PATHWISE_TAGGING_ENCODER_OPTIONS``: keyword arguments for it, e.g. ``{"model": "/srv/models/minilm"}``;
- ``PATHWISE_TAGGING_META``: ``"never"`` (default in the web process), ``"auto"`` or ``"always"``:
  whether to meta-train the embedding (see ``build_tagger``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from adaptive.core.tagging import PrototypeTagger, Suggestion, TaggedText, TextEncoder, build_tagger, question_text
from lms.content.models import Choice, Question, Skill, SkillSuggestion

logger = logging.getLogger(__name__)

DEFAULT_ENCODER = "adaptive.core.tagging.LsaEncoder"
TOP_N = 3
# Suggestions below this confidence are not worth an admin's time.
MIN_CONFIDENCE = 0.05

_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "tagger": None}


def encoder_factory() -> TextEncoder:
    """A new, unfitted encoder as configured."""
    cls = import_string(getattr(settings, "PATHWISE_TAGGING_ENCODER", DEFAULT_ENCODER))
    encoder: TextEncoder = cls(**getattr(settings, "PATHWISE_TAGGING_ENCODER_OPTIONS", {}))
    return encoder


def text_of(question: Question) -> str:
    """Stem, choices and explanation: what the tagger reads."""
    return question_text(question.stem, [c.text for c in question.choices.all()], question.explanation)


def _bank_questions() -> QuerySet[Question]:
    return Question.objects.prefetch_related("choices", "skills").order_by("pk")


def bank_fingerprint() -> str:
    """Changes whenever a question's text or tags change: the cache key of the fitted tagger."""
    links = Question.skills.through.objects.order_by("question_id", "skill_id").values_list("question_id", "skill_id")
    stats = Question.objects.aggregate(n=Max("pk"), updated=Max("updated"))
    choices = Choice.objects.aggregate(n=Max("pk"), count=Count("pk"))
    digest = hashlib.sha256(f"{Question.objects.count()}|{stats['n']}|{stats['updated']}|{choices}|".encode())
    digest.update(repr(list(links)).encode())
    digest.update(getattr(settings, "PATHWISE_TAGGING_ENCODER", DEFAULT_ENCODER).encode())
    return digest.hexdigest()


def bank() -> list[TaggedText]:
    return [TaggedText(text_of(q), tuple(sorted(s.slug for s in q.skills.all()))) for q in _bank_questions()]


def fitted_tagger(*, meta: str | None = None) -> PrototypeTagger | None:
    """The tagger for the bank as it is now (None when fewer than two skills tag any question).

    Fitted on first use and kept in this process until the bank changes.
    """
    meta = meta or str(getattr(settings, "PATHWISE_TAGGING_META", "never"))
    key = f"{bank_fingerprint()}|{meta}"
    with _lock:
        if _cache["key"] == key:
            return _cache["tagger"]
        items = bank()
        if len({s for item in items for s in item.skills}) < 2:
            tagger = None
        else:
            tagger = build_tagger(items, encoder_factory=encoder_factory, meta=meta)
            logger.info("skill tagger fitted: %s", tagger.summary())
        _cache.update(key=key, tagger=tagger)
        return tagger


def suggestions_for(questions: Sequence[Question], *, top_n: int = TOP_N, meta: str | None = None
                    ) -> dict[int, list[Suggestion]]:
    """Suggested skills per question id, best first, leaving out skills a question already has."""
    tagger = fitted_tagger(meta=meta)
    if tagger is None or not questions:
        return {q.pk: [] for q in questions}
    ranked = tagger.suggest([text_of(q) for q in questions], top_n=top_n + 5)
    result = {}
    for question, suggestions in zip(questions, ranked, strict=True):
        own = {s.slug for s in question.skills.all()}
        result[question.pk] = [s for s in suggestions if s.skill not in own][:top_n]
    return result


@transaction.atomic
def skill_suggestions_record(*, questions: Iterable[Question], source: str, top_n: int = TOP_N,
                             min_confidence: float = MIN_CONFIDENCE, meta: str | None = None
                             ) -> dict[str, list[Suggestion]]:
    """Record pending suggestions for ``questions``; returns them by question key.

    A suggestion an admin rejected is not suggested again; an existing pending one gets the new
    confidence. Running it twice changes nothing else.
    """
    questions = list(questions)
    by_id = suggestions_for(questions, top_n=top_n, meta=meta)
    skills = {s.slug: s for s in Skill.objects.all()}
    decided = set(SkillSuggestion.objects.filter(question__in=[q.pk for q in questions])
                  .exclude(status=SkillSuggestion.PENDING).values_list("question_id", "skill__slug"))
    recorded: dict[str, list[Suggestion]] = {}
    for question in questions:
        kept = [s for s in by_id[question.pk]
                if s.confidence >= min_confidence and (question.pk, s.skill) not in decided]
        for rank, suggestion in enumerate(kept, start=1):
            SkillSuggestion.objects.update_or_create(
                question=question, skill=skills[suggestion.skill], status=SkillSuggestion.PENDING,
                defaults={"confidence": suggestion.confidence, "rank": rank, "source": source},
            )
        recorded[question.key] = kept
    return recorded


def untagged_questions(keys: Iterable[str] | None = None) -> QuerySet[Question]:
    questions = _bank_questions().filter(skills__isnull=True)
    return questions.filter(key__in=list(keys)) if keys is not None else questions


@transaction.atomic
def skill_suggestions_approve(*, suggestions: QuerySet[SkillSuggestion], user: User | None = None) -> int:
    """Add each pending suggestion's skill to its question. Returns how many were applied; a
    suggestion decided already is left alone, so approving twice changes nothing."""
    applied = 0
    for suggestion in suggestions.select_for_update().filter(status=SkillSuggestion.PENDING).select_related(
            "question", "skill"):
        suggestion.question.skills.add(suggestion.skill)
        _decide(suggestion, SkillSuggestion.APPROVED, user)
        applied += 1
    return applied


@transaction.atomic
def skill_suggestions_reject(*, suggestions: QuerySet[SkillSuggestion], user: User | None = None) -> int:
    """Mark pending suggestions rejected, so they are not suggested again."""
    rejected = 0
    for suggestion in suggestions.select_for_update().filter(status=SkillSuggestion.PENDING):
        _decide(suggestion, SkillSuggestion.REJECTED, user)
        rejected += 1
    return rejected


def _decide(suggestion: SkillSuggestion, status: str, user: User | None) -> None:
    suggestion.status = status
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = user.get_username() if user is not None else ""
    suggestion.save(update_fields=["status", "decided_at", "decided_by"])
