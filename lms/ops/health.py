"""Readiness checks: can this process serve a learner now?

Each check returns quickly, or raises; :func:`readiness` runs them all and says which failed. The
reasons are logged in full here and reported by name only, since the probe answers anyone.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection

from adaptive import registry
from lms.ops import broker

logger = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict[str, Any]:
    key, token = "ops:readiness", uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return what was just stored in it")
    return {}


def check_broker() -> dict[str, Any]:
    broker.connect().release()
    return {}


def check_learner_model() -> dict[str, Any]:
    """The model learners are served now: the champion (loaded once per process, then one cache
    read), an earlier champion, or the interpretable fallback when no registered version loads."""
    loaded = registry.serving()
    return {"version": loaded.version_id, "fallback": loaded.is_fallback}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "learner_model": check_learner_model,
}
# Learners carry on without these (answers are stored, the web decides, sessions live in the
# database, reconciliation catches up: docs/deployment.md, "What survives a fault"), so their
# failure is reported as "degraded" and the process stays ready. Were it unready, a Redis outage
# would take every web process out of the load balancer at once.
DEGRADABLE = frozenset({"cache", "broker"})


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failing(self) -> list[str]:
        """Failed checks without which learners cannot be served: the process is not ready."""
        return [name for name, result in self.checks.items() if not result["ok"] and name not in DEGRADABLE]

    @property
    def degraded(self) -> list[str]:
        """Failed checks learners can do without for a while."""
        return [name for name, result in self.checks.items() if not result["ok"] and name in DEGRADABLE]

    @property
    def ok(self) -> bool:
        return not self.failing

    def as_json(self) -> dict[str, Any]:
        status = "unavailable" if self.failing else "degraded" if self.degraded else "ok"
        return {"status": status, "failing": self.failing, "degraded": self.degraded, "checks": self.checks}


def readiness(checks: dict[str, Callable[[], dict[str, Any]]] | None = None) -> Readiness:
    result = Readiness()
    for name, check in (checks or CHECKS).items():
        started = time.perf_counter()
        try:
            detail = {"ok": True, **check()}
        except Exception as exc:  # noqa: BLE001 - any failure makes the process unready, with its reason
            logger.warning("readiness check %s failed", name, exc_info=True)
            detail = {"ok": False, "error": type(exc).__name__}
        detail["ms"] = round((time.perf_counter() - started) * 1000, 1)
        result.checks[name] = detail
    return result
