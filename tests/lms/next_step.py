"""What the quiz page does after an answer, for tests that drive it without a browser: follow the
next-step fragment (``templates/learning/_next_step.html``) as htmx would, asking again every
``poll_ms`` while the worker decides and, once the fragment says the deadline has passed, posting to
``quiz_decide`` so that the web decides.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable

POLL = re.compile(r'hx-get="(?P<path>/quiz/[^"]+/next/\d+/)" hx-trigger="load delay:(?P<ms>\d+)ms"')
DECIDE = re.compile(r'hx-post="(?P<path>/quiz/[^"]+/decide/)" hx-vals=\'(?P<vals>[^\']*)\' hx-trigger="load"')
RESPONSE = re.compile(r'"response": "(?P<id>\d*)"')


def follow_next_step(get: Callable[[str], str], post: Callable[[str, dict[str, str]], str], body: str,
                     timeout_s: float = 30.0) -> str:
    """Starting from a page or fragment ``body`` (the feedback after an answer), follow the next-step
    fragment until it shows the next question or the end; returns that last fragment.

    ``get(path)`` and ``post(path, data)`` make an htmx request and return the body. Fails with a clear
    message after ``timeout_s`` (the page's own wait is well under a second)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if decide := DECIDE.search(body):
            found = RESPONSE.search(html.unescape(decide["vals"]))
            body = post(decide["path"], {"response": found["id"] if found else ""})
        elif poll := POLL.search(body):
            time.sleep(int(poll["ms"]) / 1000)
            body = get(poll["path"])
        else:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"the next step was still pending after {timeout_s:.0f}s: {body[:500]}")
