"""The champion learner model, loaded once per process and swapped when a promotion happens.

Workers call :func:`serving` for every response. It costs one cache read when nothing changed;
after a promotion (which bumps the cache key) the next call loads the new artifact, so workers pick
it up without a restart. An artifact that is missing, altered or unreadable, or a model that fails
the invariants on the published courses (``adaptive.core.invariants``), is logged, its reason is
written on its row, and the previous champion that loads and passes is used instead; when none does,
the interpretable fallback (``skill_elo`` with its defaults, which holds the invariants by
construction) serves. Learners are never left without a model, and never given an untested one.

A process with ``PATHWISE_SERVE_WITH_TORCH`` off (the web server) never imports torch: it reads a
champion that runs without it (``skill_elo``) from its checkpoint with NumPy alone, and while the
champion is a model built on torch it serves the interpretable fallback, leaving the champion to the
workers; that version is not refused, only not loaded here.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from adaptive.core.invariants import InvariantReport, check_invariants
from adaptive.core.learners import LearnerModel, NeedsTorch, SkillEloModel, load
from adaptive.models import ModelVersion
from adaptive.selectors import course_specs, item_catalogue, skill_prerequisites
from adaptive.storage import model_storage

logger = logging.getLogger(__name__)
CHAMPION_KEY = "adaptive:champion-version"
#: How long the shared champion mark stands before each process reads the registry again: a promotion
#: whose cache delete was lost (Redis away at that moment) still reaches every process within this.
CHAMPION_MARK_SECONDS = 60


@dataclass(frozen=True)
class LoadedModel:
    """A model that serves learners: a registered version, or the fallback (``version`` None)."""

    version: ModelVersion | None
    model: LearnerModel

    @property
    def version_id(self) -> int | None:
        return self.version.pk if self.version is not None else None

    @property
    def is_fallback(self) -> bool:
        return self.version is None


class ModelRefused(Exception):
    """A model version may not serve learners; the message says why."""


_lock = threading.Lock()
_loaded: dict[int, LoadedModel] = {}
_refused: set[int] = set()  # versions refused in this process
_needs_torch: set[int] = set()  # champions this process does not load, as it does without torch
_fallback: LoadedModel | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_version(version: ModelVersion) -> LearnerModel:
    """Load a version's artifact from the model storage (a local folder or a bucket every node
    reads), checking it is the file that was registered."""
    storage = model_storage()
    if not storage.exists(version.artifact):
        raise FileNotFoundError(f"artifact {version.artifact} is missing from the model storage")
    with storage.open(version.artifact, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise ValueError(f"artifact {version.artifact} does not match its recorded checksum")
    return load(io.BytesIO(data), torch_allowed=settings.PATHWISE_SERVE_WITH_TORCH)


def invariants_report(model: LearnerModel) -> InvariantReport:
    """The invariants of ``model`` on every published course (their questions as authored)."""
    return check_invariants(model, course_specs())


def load_checked(version: ModelVersion) -> LearnerModel:
    """Load a version's artifact and check the invariants; :class:`ModelRefused` says why not."""
    try:
        model = load_version(version)
    except NeedsTorch:
        raise  # a sound model this process does not load, not a refused one
    except Exception as exc:
        raise ModelRefused(f"its artifact cannot be loaded ({exc})") from exc
    describe(model)
    report = invariants_report(model)
    if not report.passed:
        raise ModelRefused(f"it {report.summary()}")
    return model


def describe(model: LearnerModel) -> LearnerModel:
    """Give a model that reads them the author's descriptions of every question and skill
    (difficulty, skills, type, prerequisites), so never-answered skills get their own prior."""
    if isinstance(model, SkillEloModel):
        model.set_catalogue(item_catalogue(), skill_prerequisites())
    return model


def fallback() -> LoadedModel:
    """The interpretable fallback: ``skill_elo`` with its defaults, no trained weights."""
    global _fallback
    if _fallback is None:
        _fallback = LoadedModel(None, describe(SkillEloModel()))
    return _fallback


def _candidates_in_order() -> list[ModelVersion]:
    """The champion first, then earlier champions, most recently promoted first."""
    champion = list(ModelVersion.objects.filter(status=ModelVersion.CHAMPION))
    earlier = list(
        ModelVersion.objects.filter(status=ModelVersion.RETIRED, promoted_at__isnull=False).order_by("-promoted_at")
    )
    return champion + earlier


def champion() -> LoadedModel | None:
    """The registered model to use now: the champion, or the latest earlier champion that loads and
    passes the invariants; None when no registered version does (then :func:`serving` falls back)."""
    marker = cache.get(CHAMPION_KEY)
    if marker is not None and marker in _loaded:
        return _loaded[marker]
    if marker is not None and marker in _needs_torch:
        return None
    with _lock:
        for version in _candidates_in_order():
            if version.pk in _refused:
                continue
            if version.pk in _needs_torch:
                return None
            if version.pk in _loaded:
                loaded = _loaded[version.pk]
            else:
                try:
                    loaded = LoadedModel(version, load_checked(version))
                except NeedsTorch:
                    # Not an earlier champion either: the workers serve this one, and the web's
                    # decisions use the interpretable fallback until a model without torch is champion.
                    logger.info("learner model %s needs torch, which this process does not import: serving "
                                "the interpretable fallback here", version)
                    _needs_torch.add(version.pk)
                    return None
                except ModelRefused as exc:
                    logger.error("learner model %s may not serve: %s; trying the previous champion", version, exc)
                    _refused.add(version.pk)
                    ModelVersion.objects.filter(pk=version.pk).update(load_error=f"Refused: {exc}"[:500])
                    continue
                _loaded.clear()
                _loaded[version.pk] = loaded
            cache.set(CHAMPION_KEY, version.pk, timeout=CHAMPION_MARK_SECONDS)
            return loaded
    return None


def serving() -> LoadedModel:
    """The model learners get now: :func:`champion`, else the interpretable fallback."""
    return champion() or fallback()


def outputs_finite(values: Iterable[float], *, what: str, version: ModelVersion | None) -> bool:
    """Whether every value a served model gave for ``what`` is a finite number; when one is not, an
    error names the model and what it was predicting.

    The invariants check a model on the published courses when it is loaded, but a learner state
    nobody checked can still bring out NaN or infinity. Callers never store such values (PostgreSQL
    takes 'NaN' in a float column and refuses it in a JSON one) nor decide from them.
    """
    bad = sum(1 for value in values if not math.isfinite(float(value)))
    if bad:
        logger.error("learner model %s gave %d value(s) for %s that are not a finite number; they are not used",
                     version if version is not None else "fallback", bad, what)
    return not bad


def forget() -> None:
    """Drop the loaded model and the shared marker (after a promotion or in tests)."""
    global _fallback
    with _lock:
        _loaded.clear()
        _refused.clear()
        _needs_torch.clear()
        _fallback = None  # described again from the current content when next needed
    cache.delete(CHAMPION_KEY)
