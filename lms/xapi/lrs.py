"""The learning-record store's statements resource, over HTTP (xAPI 1.0.3, basic authentication)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3
from django.conf import settings

from lms.xapi.statements import XAPI_VERSION


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when the LRS could not be reached
    detail: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def conflict(self) -> bool:
        """The LRS holds a statement with this id already (the same one, or one it judges different)."""
        return self.status == 409

    @property
    def refused(self) -> bool:
        """The LRS refused the content (bad statement), as opposed to being down, busy or misconfigured."""
        return self.status in (400, 413, 422)


class LRSClient:
    def __init__(self, endpoint: str | None = None, username: str | None = None, password: str | None = None,
                 timeout_s: float | None = None) -> None:
        root = endpoint if endpoint is not None else settings.PATHWISE_XAPI_ENDPOINT
        self.statements_url = root.rstrip("/") + "/statements"
        user = settings.PATHWISE_XAPI_USERNAME if username is None else username
        secret = settings.PATHWISE_XAPI_PASSWORD if password is None else password
        self.headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
        if user or secret:
            self.headers.update(urllib3.util.make_headers(basic_auth=f"{user}:{secret}"))
        seconds = timeout_s if timeout_s is not None else settings.PATHWISE_XAPI_TIMEOUT_S
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=seconds, read=seconds), retries=False)

    def _request(self, method: str, url: str, body: Any) -> Reply:
        try:
            reply = self.http.request(method, url, body=json.dumps(body).encode(), headers=self.headers)
        except urllib3.exceptions.HTTPError as exc:
            return Reply(0, f"the LRS could not be reached: {exc}")
        text = reply.data.decode("utf-8", "replace").strip()
        return Reply(reply.status, text[:400])

    def post(self, statements: list[dict[str, Any]]) -> Reply:
        """Store a batch: all of it or none of it."""
        return self._request("POST", self.statements_url, body=statements)

    def put(self, statement: dict[str, Any]) -> Reply:
        """Store one statement under its id."""
        url = f"{self.statements_url}?statementId={statement['id']}"
        return self._request("PUT", url, body=statement)

    def get(self, **params: str) -> Any:
        """Read statements back (the first page), e.g. ``get(statementId=...)`` or ``get(limit="500")``."""
        reply = self.http.request("GET", self.statements_url, fields=params, headers=self.headers)
        if reply.status != 200:
            raise RuntimeError(f"GET statements answered {reply.status}: {reply.data[:300]!r}")
        return json.loads(reply.data)
