"""A request id on every log line, following an answer from the web request into its Celery tasks.

The id comes from the ``X-Request-ID`` header (set by the proxy in front) or is made here; the
middleware holds it for the request, :func:`_add_request_id_header` puts it in the headers of every
task published meanwhile, and :func:`_adopt_request_id` makes it current while the task runs, so the
worker's log lines carry the id of the request that caused them. A task started by beat gets its own
task id instead. :class:`RequestIdFilter` puts the current id on each log record (as ``request_id``),
which the JSON formatter (``PATHWISE_LOG_JSON=1``) writes as a field.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task_tokens: dict[str, contextvars.Token[str | None]] = {}


def current_request_id() -> str | None:
    return _current.get()


def request_id_from(value: str | None) -> str:
    """The id a client or proxy sent, when it is a plain token; a new one otherwise (a header is
    written into logs, so anything else would let a client forge log lines)."""
    if value and _VALID.match(value):
        return value
    return uuid.uuid4().hex


def bind(request_id: str) -> contextvars.Token[str | None]:
    return _current.set(request_id)


def unbind(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current one, or ``None``) to every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


@before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = _current.get()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


@task_prerun.connect
def _adopt_request_id(task_id: str, task: Any, **kwargs: Any) -> None:
    request = task.request
    sent = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    # A task run eagerly inside a request keeps the request's id.
    _task_tokens[task_id] = _current.set(sent or _current.get() or task_id)


@task_postrun.connect
def _drop_request_id(task_id: str, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # Set in another context (a pool that runs tasks elsewhere): nothing to undo here.
        with contextlib.suppress(ValueError):
            _current.reset(token)
