"""Probes and metrics. Called by :class:`lms.ops.middleware.ProbeMiddleware`, before the host check,
so none of them may depend on the Host header, the session or the user."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from lms.ops import metrics as product_metrics
from lms.ops.health import readiness


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and serving requests; nothing else is asked (no database)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve learners: the database and a learner model (503 naming what fails); the cache
    and the broker are checked too and reported as ``degraded`` when away, with a 200."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    result = readiness()
    response = JsonResponse(result.as_json(), status=200 if result.ok else 503)
    response["Cache-Control"] = "no-store"
    return response


def _metrics_allowed(request: HttpRequest) -> bool:
    """With ``PATHWISE_METRICS_TOKEN`` set, only ``Authorization: Bearer <token>``; without it, only a
    direct connection from a private or loopback address. A request that came through a proxy (it
    carries ``X-Forwarded-For``) is refused then, since the proxy's own address is private too."""
    token = settings.PATHWISE_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def metrics(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not _metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    body, content_type = product_metrics.exposition()
    return HttpResponse(body, content_type=content_type)
