"""The champion learner model, loaded once per process and swapped when a promotion happens.

Workers call :func:`champion` for every response. It costs one cache read when nothing changed;
after a promotion (which bumps the cache key) the next call loads the new artifact, so workers pick
it up without a restart. An artifact that is missing, altered or unreadable is logged and the
previous champion that loads is used instead.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from adaptive.core.learners import LearnerModel, load
from adaptive.models import ModelVersion

logger = logging.getLogger(__name__)
CHAMPION_KEY = "adaptive:champion-version"


@dataclass(frozen=True)
class LoadedModel:
    version: ModelVersion
    model: LearnerModel


_lock = threading.Lock()
_loaded: dict[int, LoadedModel] = {}


def artifact_path(version: ModelVersion) -> Path:
    return Path(settings.PATHWISE_MODEL_DIR) / version.artifact


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_version(version: ModelVersion) -> LearnerModel:
    """Load a version's artifact, checking it is the file that was registered."""
    path = artifact_path(version)
    if not path.exists():
        raise FileNotFoundError(f"artifact {path} is missing")
    if file_sha256(path) != version.sha256:
        raise ValueError(f"artifact {path} does not match its recorded checksum")
    return load(path)


def _candidates_in_order() -> list[ModelVersion]:
    """The champion first, then earlier champions, most recently promoted first."""
    champion = list(ModelVersion.objects.filter(status=ModelVersion.CHAMPION))
    earlier = list(
        ModelVersion.objects.filter(status=ModelVersion.RETIRED, promoted_at__isnull=False).order_by("-promoted_at")
    )
    return champion + earlier


def champion() -> LoadedModel | None:
    """The model to use now, or None when no version can be loaded (no model trained yet)."""
    marker = cache.get(CHAMPION_KEY)
    if marker is not None and marker in _loaded:
        return _loaded[marker]
    with _lock:
        for version in _candidates_in_order():
            if version.pk in _loaded:
                loaded = _loaded[version.pk]
            else:
                try:
                    loaded = LoadedModel(version, load_version(version))
                except Exception as exc:  # noqa: BLE001 - any broken artifact means: try the previous one
                    logger.error("cannot load learner model %s (%s); falling back to the previous champion",
                                 version, exc)
                    ModelVersion.objects.filter(pk=version.pk).update(load_error=str(exc)[:500])
                    continue
                _loaded.clear()
                _loaded[version.pk] = loaded
            cache.set(CHAMPION_KEY, version.pk, timeout=None)
            return loaded
    return None


def forget() -> None:
    """Drop the loaded model and the shared marker (after a promotion or in tests)."""
    with _lock:
        _loaded.clear()
    cache.delete(CHAMPION_KEY)
