"""/healthz and /readyz under the production host and TLS settings, and readiness failing for real
when the broker or the cache cannot be reached (a closed port; nothing mocked)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from lms.celery import app
from lms.ops import health

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_HOST = "learn.example.org"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [PRODUCTION_HOST]
    settings.SECURE_SSL_REDIRECT = True


def probe(path: str, method: str = "get") -> object:
    """As a container healthcheck or kubelet asks: plain HTTP, by address."""
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1:8000")
    return getattr(client, method)(path)


@pytest.fixture
def broker_down(monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    # Celery reads the CELERY_BROKER_URL environment variable before its settings (and the test
    # settings put the file broker there), so both change.
    down = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", down)
    previous = app.conf["CELERY_BROKER_URL"], app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"]
    app.conf["CELERY_BROKER_URL"] = down
    app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = {"socket_connect_timeout": 1}
    yield
    app.conf["CELERY_BROKER_URL"], app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = previous


def test_it_refuses_the_probe_address_for_pages_so_the_exemption_is_what_lets_probes_in(production, db) -> None:
    assert probe("/accounts/login/").status_code == 400  # DisallowedHost
    secure_page = Client(HTTP_HOST=PRODUCTION_HOST).get("/accounts/login/")
    assert secure_page.status_code == 301 and secure_page.url.startswith("https://")


def test_it_answers_healthz_by_address_over_plain_http_without_the_database(production) -> None:
    # No database access is allowed in this test: the probe must not need one.
    response = probe("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


def test_it_answers_readyz_by_address_over_plain_http(production, db) -> None:
    response = probe("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == [] and body["degraded"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "learner_model"}
    assert body["checks"]["learner_model"] == {"ok": True, "version": None, "fallback": True,
                                               "ms": body["checks"]["learner_model"]["ms"]}


def test_it_refuses_other_methods(production) -> None:
    assert probe("/healthz", "post").status_code == 405
    assert probe("/readyz", "delete").status_code == 405


def test_it_stays_ready_but_degraded_when_the_broker_is_unreachable(production, db, broker_down) -> None:
    # Answers are stored and the web decides while the broker is away: taking every web process out
    # of the load balancer would turn a broker outage into a site outage.
    response = probe("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["failing"] == [] and body["degraded"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert "127.0.0.1" not in json.dumps(body), "the reason is logged, not shown to whoever asks"
    assert probe("/healthz").status_code == 200, "alive all the same: restarting would not bring the broker back"


def test_it_stays_ready_but_degraded_when_the_cache_is_unreachable(production, db, settings) -> None:
    # The production backend answers like an empty cache then; the probe still sees it is away.
    settings.CACHES = {"default": {"BACKEND": "lms.cache.OutageTolerantRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/1"}}
    response = probe("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and "cache" in response.json()["degraded"]
    assert response.json()["checks"]["database"]["ok"] is True


def test_it_is_not_ready_without_its_database(production, db, monkeypatch) -> None:
    def no_database() -> dict[str, object]:
        raise ConnectionRefusedError("database at 127.0.0.1:5432 refused the connection")

    monkeypatch.setitem(health.CHECKS, "database", no_database)
    response = probe("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["database"]
    assert "127.0.0.1" not in json.dumps(body), "the reason is logged, not shown to whoever asks"


def test_beats_healthcheck_fails_when_the_broker_is_unreachable() -> None:
    def run(broker: str) -> subprocess.CompletedProcess[str]:
        env = {"DEBUG": "1", "CELERY_BROKER_URL": broker, "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-m", "lms.ops.broker"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)

    down = run(f"redis://127.0.0.1:{closed_port()}/0")
    assert down.returncode == 1 and "the broker is unreachable" in down.stderr
    assert run("filesystem://").returncode == 0
