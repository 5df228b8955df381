"""The Redis cache backend against a real redis-server that is stopped and started again: while it is
away every call answers like an empty cache, quickly, and it is used again once it is back."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from django.core.cache.backends.redis import RedisCache

from lms import cache as cache_module
from lms.cache import OutageTolerantRedisCache
from tests.lms.redis_server import RedisServer, free_port


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def backend(url: str) -> OutageTolerantRedisCache:
    return OutageTolerantRedisCache(url, {"KEY_PREFIX": "t"})


def test_it_stores_and_reads_like_djangos_backend(redis_server) -> None:
    cache = backend(redis_server.url())
    cache.set("a", {"x": 1})
    assert cache.get("a") == {"x": 1}
    assert cache.add("a", 2) is False and cache.add("b", 2) is True
    assert cache.incr("b", 3) == 5
    assert cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": 5}
    assert cache.delete("a") is True and cache.get("a", "gone") == "gone"
    # The same keys and values as Django's own backend, so switching needs no flush.
    assert RedisCache(redis_server.url(), {"KEY_PREFIX": "t"}).get("b") == 5


def test_it_answers_like_an_empty_cache_while_redis_is_away_then_uses_it_again(redis_server, caplog,
                                                                                monkeypatch) -> None:
    monkeypatch.setattr(cache_module, "PAUSE_AFTER_FAILURE_S", 0.2)
    cache = backend(redis_server.url())
    cache.set("kept", "before")
    redis_server.stop()

    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="lms.cache"):
        for _ in range(50):
            assert cache.get("kept") is None
            assert cache.get("kept", "default") == "default"
            cache.set("k", 1)
            assert cache.add("k", 1) is True  # work the cache would coalesce is done, not skipped
            assert cache.get_many(["k", "kept"]) == {}
            assert cache.has_key("k") is False
            assert cache.delete("k") is False
            assert cache.get_or_set("g", "computed") == "computed"
            with pytest.raises(ValueError, match="Key 't:1:k' not found"):  # the client sees the full key
                cache.incr("k")
            cache.set_many({"a": 1})
            cache.delete_many(["a"])
    assert time.perf_counter() - started < 3.0, "a stopped Redis must not slow each call"
    away = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(away) == 1, "one warning per outage, not one per call"

    redis_server.start()  # empty, as Redis comes back without persistence
    time.sleep(0.3)
    with caplog.at_level(logging.WARNING, logger="lms.cache"):
        cache.set("after", "back")
        assert cache.get("after") == "back"
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_it_skips_redis_for_a_moment_after_a_failure(redis_server) -> None:
    cache = backend(redis_server.url())
    cache.set("k", "v")
    redis_server.stop()
    assert cache.get("k") is None
    redis_server.start()
    cache.set("k", "v")  # within the pause: not sent
    assert cache.get("k") is None
    time.sleep(cache_module.PAUSE_AFTER_FAILURE_S + 0.1)
    cache.set("k", "v")
    assert cache.get("k") == "v"


def test_it_sets_short_socket_timeouts_unless_the_options_say_otherwise() -> None:
    port = free_port()
    default = backend(f"redis://127.0.0.1:{port}/0")
    options = default._cache._pool_options
    assert options["socket_connect_timeout"] == cache_module.CONNECT_TIMEOUT_S
    assert options["socket_timeout"] == cache_module.READ_TIMEOUT_S
    own = OutageTolerantRedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_timeout": 5}})
    assert own._cache._pool_options["socket_timeout"] == 5


def test_it_still_raises_what_is_not_about_redis(redis_server) -> None:
    cache = backend(redis_server.url())
    with pytest.raises(AttributeError, match="pickle"):
        cache.set("k", lambda: None)  # cannot be pickled: a bug to see, not an outage to hide
