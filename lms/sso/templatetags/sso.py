from __future__ import annotations

from typing import Any

from django import template

from lms.sso.selectors import sign_in_options

register = template.Library()


@register.inclusion_tag("sso/sign_in_buttons.html", takes_context=True)
def sso_sign_in_buttons(context: template.Context) -> dict[str, Any]:
    """A button per identity provider; each posts (so a link on another site cannot start a
    sign-in) and carries the page the person was going to."""
    request = context["request"]
    return {"options": sign_in_options(request), "next": context.get("next", ""), "request": request,
            "csrf_token": context.get("csrf_token")}
