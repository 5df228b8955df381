"""The skill tagger, as content sees it: suggested skills for questions, and the admin's decisions on them.

The tagger belongs to the learner model side (``adaptive.tagging``), and ``adaptive`` depends on
content, so content never imports it: ``AdaptiveConfig.ready`` registers it here, and content asks
through ``skill_tagger()``. Suggestions are recorded for an admin to approve; nothing here applies one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from lms.content.models import Question, SkillSuggestion


class SuggestedSkill(Protocol):
    @property
    def skill(self) -> str: ...

    @property
    def confidence(self) -> float: ...


class Suggest(Protocol):
    def __call__(self, questions: Sequence[Question]) -> Mapping[int, Sequence[SuggestedSkill]]: ...


class Record(Protocol):
    def __call__(self, *, questions: Iterable[Question], source: str) -> Mapping[str, Sequence[SuggestedSkill]]: ...


class Decide(Protocol):
    def __call__(self, *, suggestions: QuerySet[SkillSuggestion], user: User | None = None) -> int: ...


@dataclass(frozen=True)
class SkillTagger:
    """What content needs from the tagger.

    ``suggest``: the suggested skills per question id, best first, without those a question has.
    ``record``: record pending suggestions for the questions; returns them by question key.
    ``approve`` and ``reject``: decide pending suggestions; each returns how many it decided.
    ``min_confidence``: below it a suggestion is noise, and is neither recorded nor shown.
    """

    suggest: Suggest
    record: Record
    approve: Decide
    reject: Decide
    min_confidence: float


_registered: SkillTagger | None = None


def skill_tagger_register(tagger: SkillTagger) -> None:
    """Make ``tagger`` the one content asks (called once per process, when the apps are ready)."""
    global _registered
    _registered = tagger


def skill_tagger() -> SkillTagger:
    if _registered is None:
        raise ImproperlyConfigured("No skill tagger is registered: the 'adaptive' app registers it when it is "
                                   "ready, so it must be in INSTALLED_APPS.")
    return _registered


def format_suggestions(suggestions: Mapping[str, Sequence[SuggestedSkill]]) -> list[str]:
    """Report lines: ``key: skill (83%), other (9%)``."""
    return [f"{key}: " + (", ".join(f"{s.skill} ({s.confidence:.0%})" for s in found) or "no suggestion")
            for key, found in suggestions.items()]
