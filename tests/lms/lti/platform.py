"""A learning platform for the tests: a real HTTP server on a free port with its own RSA key pair.

It serves its JWKS, answers the OIDC authentication request with an auto-posting form carrying a
signed id_token (LtiResourceLinkRequest or LtiDeepLinkingRequest, as the LTI 1.3 spec shapes them),
issues OAuth 2 access tokens for a client-credentials grant whose JWT assertion it checks against the
tool's JWKS, records AGS scores and serves NRPS memberships. Like a platform, it trusts nothing it
has not checked; what it refuses it answers with a 4xx and records in ``refusals``.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _key() -> tuple[JWK, str]:
    key = JWK.generate(kty="RSA", size=2048, kid=uuid.uuid4().hex)
    return key, key.export_to_pem(private_key=True, password=None).decode()


class PlatformEmulator:
    def __init__(self, tool_jwks: Callable[[], dict[str, Any]], client_id: str = "pathwise-tool",
                 deployment_id: str = "deployment-1") -> None:
        self.tool_jwks = tool_jwks
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key, self.private_pem = _key()
        self.pending: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, list[str]] = {}
        self.scores: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.refusals: list[str] = []
        self.score_failures = 0  # answer this many score posts with a 503 first
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> PlatformEmulator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    @property
    def issuer(self) -> str:
        return self.url

    # --- messages ----------------------------------------------------------------------------
    def resource_link(self, *, sub: str, roles: list[str], resource_link_id: str = "rl-1",
                      custom: dict[str, str] | None = None, target_link_uri: str = "http://testserver/lti/launch/",
                      lineitem: str | None = None, context_id: str = "course-101", **extra: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": sub, "given_name": extra.pop("given_name", "Grace"), "family_name": extra.pop("family_name", "Hopper"),
            "name": "Grace Hopper", "email": extra.pop("email", f"{sub}@platform.example"),
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id, LTI + "target_link_uri": target_link_uri,
            LTI + "resource_link": {"id": resource_link_id, "title": "Pathwise"}, LTI + "roles": roles,
            LTI + "context": {"id": context_id, "label": "C101", "title": "Data literacy 101", "type": [
                "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            LTI + "custom": custom or {},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/contexts/{context_id}/memberships",
                "service_versions": ["2.0"]},
        }
        if lineitem:
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": [LINEITEM_SCOPE, SCORE_SCOPE], "lineitem": lineitem,
                "lineitems": f"{self.url}/contexts/{context_id}/lineitems"}
        claims.update(extra)
        return claims

    def deep_linking(self, *, sub: str, roles: list[str]) -> dict[str, Any]:
        return {
            "sub": sub, "given_name": "Ian", "family_name": "Structor", "email": f"{sub}@platform.example",
            LTI + "message_type": "LtiDeepLinkingRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id, LTI + "roles": roles,
            LTI + "context": {"id": "course-101", "title": "Data literacy 101"},
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": f"{self.url}/deep-link-return", "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"], "accept_multiple": False,
                "data": "opaque-platform-data"},
        }

    def prepare(self, claims: dict[str, Any], *, expires_in: int = 300, sign_with: str | None = None,
                audience: str | None = None) -> str:
        """Remember a launch; its id travels in lti_message_hint, as platforms do."""
        hint = secrets.token_urlsafe(8)
        self.pending[hint] = {"claims": claims, "expires_in": expires_in, "sign_with": sign_with,
                              "audience": audience}
        return hint

    def id_token(self, pending: dict[str, Any], nonce: str) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": pending["audience"] or self.client_id, "azp": self.client_id,
                "iat": now - 5, "exp": now + pending["expires_in"], "nonce": nonce, **pending["claims"]}
        return jwt.encode(body, pending["sign_with"] or self.private_pem, algorithm="RS256",
                          headers={"kid": self.key.kid})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(self.key.export_public())
        return {"keys": [{**public, "alg": "RS256", "use": "sig"}]}

    # --- HTTP --------------------------------------------------------------------------------
    def _refuse(self, handler: BaseHTTPRequestHandler, status: int, why: str) -> None:
        self.refusals.append(why)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        body = json.dumps({"error": why}).encode()
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
                content_type: str = "application/json") -> None:
        handler.send_response(status)
        if body:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _bearer_scopes(self, handler: BaseHTTPRequestHandler) -> list[str] | None:
        header = handler.headers.get("Authorization", "")
        return self.tokens.get(header[7:]) if header.startswith("Bearer ") else None

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                    "client_id": self.client_id}
        for name, value in expected.items():
            if query.get(name) != value:
                return self._refuse(handler, 400, f"authentication request: {name} is {query.get(name)!r}")
        for name in ("redirect_uri", "state", "nonce", "login_hint", "lti_message_hint"):
            if not query.get(name):
                return self._refuse(handler, 400, f"authentication request lacks {name}")
        pending = self.pending.get(query["lti_message_hint"])
        if pending is None:
            return self._refuse(handler, 400, "unknown lti_message_hint")
        token = self.id_token(pending, query["nonce"])
        page = (f'<form method="post" action="{html.escape(query["redirect_uri"])}">'
                f'<input type="hidden" name="id_token" value="{token}">'
                f'<input type="hidden" name="state" value="{html.escape(query["state"])}"></form>')
        self._answer(handler, 200, page.encode(), "text/html")

    def _token(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self._refuse(handler, 400, "token request: wrong grant or assertion type")
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            keys = {key["kid"]: key for key in self.tool_jwks()["keys"]}
            public = jwt.PyJWK(keys[kid]).key
            claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=f"{self.url}/token",
                                options={"require": ["exp", "iat", "jti", "iss", "sub"]})
        except (KeyError, jwt.PyJWTError) as exc:
            return self._refuse(handler, 401, f"token request: assertion not verified ({exc})")
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            return self._refuse(handler, 401, "token request: assertion not from the registered client")
        scopes = form.get("scope", "").split()
        token = secrets.token_urlsafe(16)
        self.tokens[token] = scopes
        body = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                           "scope": " ".join(scopes)}).encode()
        self._answer(handler, 200, body)

    def _score(self, handler: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        scopes = self._bearer_scopes(handler)
        if scopes is None or SCORE_SCOPE not in scopes:
            return self._refuse(handler, 401, "score post without a token for the score scope")
        if handler.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
            return self._refuse(handler, 415, "score post with the wrong media type")
        with self.lock:
            if self.score_failures:
                self.score_failures -= 1
                return self._answer(handler, 503, b'{"error": "try later"}')
        score = json.loads(raw)
        for field in ("userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress", "timestamp"):
            if field not in score:
                return self._refuse(handler, 400, f"score lacks {field}")
        self.scores.append({"lineitem": self.url + path.removesuffix("/scores"), **score})
        self._answer(handler, 204)

    def _memberships(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        scopes = self._bearer_scopes(handler)
        if scopes is None or NRPS_SCOPE not in scopes:
            return self._refuse(handler, 401, "memberships without a token for the NRPS scope")
        if handler.headers.get("Accept") != "application/vnd.ims.lti-nrps.v2.membershipcontainer+json":
            return self._refuse(handler, 406, "memberships asked for in the wrong media type")
        context_id = path.split("/")[2]
        body = json.dumps({"id": self.url + path, "context": {"id": context_id, "title": "Data literacy 101"},
                           "members": self.members}).encode()
        self._answer(handler, 200, body, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/jwks":
                    platform._answer(self, 200, json.dumps(platform.jwks()).encode())
                elif parts.path == "/auth":
                    platform._authorize(self, query)
                elif re.fullmatch(r"/contexts/[^/]+/memberships", parts.path):
                    platform._memberships(self, parts.path)
                else:
                    platform._refuse(self, 404, f"no such page {parts.path}")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                if parts.path == "/token":
                    platform._token(self, {k: v[0] for k, v in parse_qs(raw.decode()).items()})
                elif re.fullmatch(r"/lineitems/[^/]+/scores", parts.path):
                    platform._score(self, parts.path, raw)
                else:
                    platform._refuse(self, 404, f"no such page {parts.path}")

        return Handler
