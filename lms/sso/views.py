from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def account_inactive(request: HttpRequest) -> HttpResponse:
    """Where single sign-on ends for someone whose account here is switched off (allauth sends
    them to this address by its name)."""
    return render(request, "account/account_inactive.html", status=403)
