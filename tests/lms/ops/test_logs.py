"""A request id on every request and its JSON log line (the formatter production switches on with
PATHWISE_LOG_JSON=1); the worker side is in tests/lms/integration/test_ops_worker.py."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The request log written through production's JSON formatter and request-id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = settings.LOGGING
    handler.setFormatter(logging.config.DictConfigurator(config).configure_custom(dict(config["formatters"]["json"])))
    handler.addFilter(logging.config.DictConfigurator(config).configure_custom(dict(config["filters"]["request_id"])))
    logger = logging.getLogger("lms.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_it_keeps_the_request_id_a_proxy_sent(db, json_log) -> None:
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="edge-7f3a9c")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-7f3a9c"
    [line] = lines(json_log)
    assert line["request_id"] == "edge-7f3a9c"
    assert line["message"] == "GET /accounts/login/ 200"
    assert line["status"] == 200 and line["method"] == "GET" and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)


def test_it_makes_one_when_none_or_a_malformed_one_is_sent(db, json_log) -> None:
    plain = Client().get("/accounts/login/")
    forged = Client().get("/accounts/login/", HTTP_X_REQUEST_ID='x" injected\nline')
    assert len(plain["X-Request-ID"]) == 32 and len(forged["X-Request-ID"]) == 32
    assert plain["X-Request-ID"] != forged["X-Request-ID"]
    assert [line["request_id"] for line in lines(json_log)] == [plain["X-Request-ID"], forged["X-Request-ID"]]


def test_it_logs_probes_below_info(json_log) -> None:
    assert Client().get("/healthz").status_code == 200
    assert lines(json_log) == []
