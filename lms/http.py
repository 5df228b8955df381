"""The request types views are written against.

django-stubs types ``request.user`` as a user or an anonymous user, and knows nothing of
django-htmx's ``request.htmx``. A view behind ``login_required`` (or an API view behind DRF's
default ``IsAuthenticated``) takes an ``AuthenticatedHttpRequest`` (``AuthenticatedRequest``), whose
user has signed in; a view open to everyone takes an ``HtmxHttpRequest``. These are annotations
only: the middleware and the authentication classes set the attributes at run time.

The admin site's views and actions keep Django's ``HttpRequest`` signatures; they ask for the user
with :func:`signed_in_user`.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that only signed-in users reach (the admin site lets in signed-in staff
    alone); 403 for anyone else, should such a request get here."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
