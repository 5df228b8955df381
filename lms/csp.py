"""The Content-Security-Policy of every response (django-csp), with two relaxations.

Pathwise's own pages load scripts and styles from our static files only: no inline code, no
``hx-on``, no ``style`` attributes. The Django admin and the API documentation (Swagger UI, ReDoc)
are third-party pages that set inline styles, so under ``/admin/`` and ``/api/docs/``,
``/api/redoc/`` styles may be inline too; scripts still come from our origin alone everywhere. The
sign-in pages' forms may also go to the configured identity providers (docs/sso.md).
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

from lms.sso.selectors import provider_origins

RELAXED_PREFIXES = ("/admin/", "/api/docs/", "/api/redoc/")
SIGN_IN_PREFIXES = ("/accounts/login/", "/sso/")

RELAXED = {
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    # ReDoc renders the schema in a web worker it builds from a blob.
    "worker-src": [SELF, "blob:"],
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(RELAXED_PREFIXES) and parts.update is None and parts.replace is None:
            parts.replace = RELAXED
        if request.path_info.startswith(SIGN_IN_PREFIXES) and parts.update is None and parts.replace is None:
            # The single sign-on buttons post here and are redirected to the identity provider.
            origins = provider_origins(request)
            if origins:
                parts.update = {"form-action": origins}
        return parts
