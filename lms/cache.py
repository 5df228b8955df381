"""The shared cache as something the site can lose: Django's Redis backend, with a Redis that is
away (stopped, restarting, unreachable, full) answering like an empty cache instead of raising.

Nothing in Pathwise keeps the only copy of anything in the cache: sessions, answers, learner states
and decisions live in the database, and the cache only saves work or carries a hint between
processes (the worker's "decided" mark, the champion model's id, throttle counts). So while Redis is
away a read is a miss, a write is dropped, and ``add`` reports the key as free (work the cache
coalesces is done each time rather than skipped); the request carries on without it.

Two things keep a dead Redis from slowing every request: short socket timeouts (a blackholed host
costs at most the connect timeout, not the operating system's minutes), and after a failure this
process skips Redis altogether for ``PAUSE_AFTER_FAILURE_S``. One warning is logged when Redis goes
away and one line when it answers again, not one per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeAlias, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: The keys and expiries Django's Redis client accepts (as redis-py types them).
_Key: TypeAlias = str | bytes | memoryview
_Expiry: TypeAlias = int | timedelta

#: Socket timeouts (seconds) unless the cache's OPTIONS set their own.
CONNECT_TIMEOUT_S = 0.5
READ_TIMEOUT_S = 1.0
#: After a failed call, calls in this process answer as if Redis were empty for this long, then try it again.
PAUSE_AFTER_FAILURE_S = 2.0


class _OutageTolerantClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT_S)
        options.setdefault("socket_timeout", READ_TIMEOUT_S)
        super().__init__(servers, **options)
        self._servers_text = ",".join(servers)
        self._away_until = 0.0
        self._away = False

    def _call(self, operation: Callable[[], T], when_away: T) -> T:
        if self._away and time.monotonic() < self._away_until:
            return when_away
        try:
            result = operation()
        except RedisError as exc:
            if not self._away:
                logger.warning("the cache (Redis at %s) is unavailable: %s; carrying on without it",
                               self._servers_text, exc)
            self._away, self._away_until = True, time.monotonic() + PAUSE_AFTER_FAILURE_S
            return when_away
        if self._away:
            logger.warning("the cache (Redis at %s) answers again", self._servers_text)
            self._away = False
        return result

    def get(self, key: _Key, default: Any) -> Any:
        return self._call(lambda: super(_OutageTolerantClient, self).get(key, default), default)

    def get_many(self, keys: Iterable[_Key]) -> dict[_Key, Any]:
        return self._call(lambda: super(_OutageTolerantClient, self).get_many(keys), {})

    def has_key(self, key: _Key) -> bool:
        return self._call(lambda: super(_OutageTolerantClient, self).has_key(key), False)

    def set(self, key: _Key, value: Any, timeout: _Expiry | None) -> None:
        self._call(lambda: super(_OutageTolerantClient, self).set(key, value, timeout), None)

    def set_many(self, data: Mapping[_Key, Any], timeout: _Expiry | None) -> None:
        # RedisCache passes None for "never expires", which Django's client handles (no EXPIRE);
        # django-stubs leaves None out of this parameter.
        self._call(lambda: super(_OutageTolerantClient, self).set_many(data, timeout), None)  # type: ignore[arg-type]

    def add(self, key: _Key, value: Any, timeout: _Expiry | None) -> bool:
        return self._call(lambda: super(_OutageTolerantClient, self).add(key, value, timeout), True)

    def touch(self, key: _Key, timeout: _Expiry | None) -> bool:
        # None means "never expires" (Django's client calls PERSIST); django-stubs leaves None out.
        return self._call(lambda: super(_OutageTolerantClient, self).touch(key, timeout), False)  # type: ignore[arg-type]

    def delete(self, key: _Key) -> bool:
        return self._call(lambda: super(_OutageTolerantClient, self).delete(key), False)

    def delete_many(self, keys: Iterable[_Key]) -> None:
        self._call(lambda: super(_OutageTolerantClient, self).delete_many(keys), None)

    def incr(self, key: _Key, delta: int) -> int:
        result: int | None = self._call(lambda: int(super(_OutageTolerantClient, self).incr(key, delta)), None)
        if result is None:  # Redis is away: answer as for a key that is not there, as incr() does
            raise ValueError(f"Key '{key!s}' not found.")  # as Django's client words it
        return result

    def clear(self) -> bool:
        return self._call(lambda: super(_OutageTolerantClient, self).clear(), False)


class OutageTolerantRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that treats Redis being away as an empty cache."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OutageTolerantClient
