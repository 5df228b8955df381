"""Middleware of the ops app: a request id for every request, and the probes and metrics answered
before anything reads the Host header."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lms.ops import views
from lms.ops.logs import bind, request_id_from, unbind

logger = logging.getLogger("lms.request")

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics,
}


class RequestIdMiddleware:
    """Takes the request id from ``X-Request-ID`` (or makes one), keeps it current while the request
    is served (so log lines and the tasks it queues carry it), returns it in ``X-Request-ID``, and
    logs one line per request. Probes are logged at DEBUG only, as they come every few seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        token = bind(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            logger.log(logging.DEBUG if request.path_info in PROBES else logging.INFO,
                       "%s %s %s", request.method, request.path_info, response.status_code,
                       extra={"method": request.method, "path": request.path_info, "status": response.status_code,
                              "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            return response
        finally:
            unbind(token)


class ProbeMiddleware:
    """Answers ``/healthz``, ``/readyz`` and ``/metrics`` itself, whatever the Host header says.

    Orchestrators and Prometheus call these by the container's address (``127.0.0.1``, a pod IP),
    which is not in ``ALLOWED_HOSTS``; ``CommonMiddleware`` would answer 400 (DisallowedHost). So
    this sits before it and never passes these paths on: the views it calls build no URL from the
    host, read no session and set no cookie. ``SECURE_REDIRECT_EXEMPT`` spares them the redirect to
    HTTPS, since a probe speaks plain HTTP to the container behind the TLS proxy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PROBES.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)
