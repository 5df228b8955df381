"""Pages opened by an LTI launch may be shown in that platform's frame, and only in its frame."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

FRAME_ORIGINS_SESSION_KEY = "lti_frame_origins"


class PlatformFrameMiddleware:
    """For a session started by a launch, ``frame-ancestors`` names the launching platform's site
    addresses instead of ``'none'`` (and X-Frame-Options, which would still deny, is left off). Every
    other session, and the admin always, keeps the policy that forbids framing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(FRAME_ORIGINS_SESSION_KEY) if session is not None else None
        if origins and not request.path_info.startswith("/admin/"):
            update = dict(getattr(response, "_csp_replace", None) or {})
            update["frame-ancestors"] = ["'self'", *origins]
            response._csp_replace = update  # type: ignore[attr-defined]
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response
