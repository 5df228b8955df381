"""The request types views are written against.

django-stubs types ``request.user`` as a user or an anonymous user, and knows nothing of
django-htmx's ``request.htmx``. A view behind ``login_required`` (or an API view behind DRF's
default ``IsAuthenticated``) takes an ``AuthenticatedHttpRequest`` (``AuthenticatedRequest``), whose
user has signed in; a view open to everyone takes an ``HtmxHttpRequest``. These are annotations
only: the middleware and the authentication classes set the attributes at run time.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
