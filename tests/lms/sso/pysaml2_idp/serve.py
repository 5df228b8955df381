"""Run a SAML 2.0 identity provider, pysaml2's ``saml2.server.Server``, on a free port:
``python -m tests.lms.sso.pysaml2_idp.serve <folder>`` with TEST_SAML_IDP_USERS (JSON: username,
password, attributes) in the environment. pysaml2 reads the AuthnRequest, builds the Response and
signs its assertion with the ``xmlsec1`` program; this module only adds the login page.

Service providers are registered by writing their metadata into ``<folder>/sp/`` (any ``*.xml``
there is loaded before each request). Prints ``READY <base url> <entity ID>`` once it answers, then serves
until killed.

Addresses: ``/idp/metadata`` (the IdP's metadata), ``/idp/sso/redirect`` (AuthnRequest, HTTP-Redirect),
``/idp/login`` (the login form posts here; the answer is pysaml2's HTTP-POST form to the SP's ACS)."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def write_key_and_certificate(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SAML IdP (pysaml2)")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def idp_config(base: str, folder: Path) -> IdPConfig:
    key_file, cert_file = write_key_and_certificate(folder)
    config = IdPConfig()
    config.load({
        # A new entity ID at every start: Pathwise caches an IdP's metadata by address and entity ID
        # (for hours, in a cache that outlives the test run), and a later start may get the same port.
        "entityid": f"{base}/idp/{secrets.token_hex(8)}",
        "name": "Test SAML identity provider",
        "key_file": str(key_file),
        "cert_file": str(cert_file),
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(f"{base}/idp/sso/redirect", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
            "want_authn_requests_signed": False,
            "sign_assertion": True,
            "sign_response": False,
            # Every attribute the user has is released to every registered SP, under its URI name
            # (urn:oid:...) where pysaml2 knows one, else under its own name.
            "policy": {"default": {"lifetime": {"minutes": 15}}},
        }},
        "metadata": {},
    })
    return config


class IdentityProvider:
    def __init__(self, base: str, folder: Path, users: list[dict[str, Any]]) -> None:
        self.config = idp_config(base, folder)
        self.server = Server(config=self.config)
        self.sp_folder = folder / "sp"
        self.sp_folder.mkdir(exist_ok=True)
        self.loaded: dict[Path, float] = {}
        self.users = {user["username"]: user for user in users}
        self.pending: dict[str, tuple[Any, str]] = {}  # login form's key -> (AuthnRequest, RelayState)

    def load_service_providers(self) -> None:
        for path in sorted(self.sp_folder.glob("*.xml")):
            mtime = path.stat().st_mtime
            if self.loaded.get(path) != mtime:
                self.server.metadata.load("local", str(path))
                self.loaded[path] = mtime

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        try:
            self.load_service_providers()
            if path == "/idp/metadata" and method == "GET":
                return self.reply(start_response, "200 OK", create_metadata_string(None, config=self.config),
                                  "application/samlmetadata+xml")
            if path == "/idp/sso/redirect" and method == "GET":
                return self.authn_request(environ, start_response)
            if path == "/idp/login" and method == "POST":
                return self.login(environ, start_response)
            return self.reply(start_response, "404 Not Found", b"not found", "text/plain")
        except Exception as error:  # noqa: BLE001 - the test reads why, from the page and the log
            print(f"IdP error on {method} {path}: {error!r}", file=sys.stderr, flush=True)
            return self.reply(start_response, "400 Bad Request", f"SAML error: {error}".encode(), "text/plain")

    def reply(self, start_response: StartResponse, status: str, body: bytes | str, content_type: str) -> list[bytes]:
        data = body.encode() if isinstance(body, str) else body
        start_response(status, [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(data)))])
        return [data]

    def authn_request(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        key = secrets.token_urlsafe(16)
        self.pending[key] = (request.message, query.get("RelayState", [""])[0])
        return self.reply(start_response, "200 OK", self.login_page(key, error=""), "text/html")

    def login_page(self, key: str, error: str) -> str:
        alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test SAML identity provider</title></head>
<body>
<h1>Test SAML identity provider</h1>
{alert}
<form method="post" action="/idp/login">
  <p><label for="username">IdP username</label> <input id="username" name="username"></p>
  <p><label for="password">IdP password</label> <input id="password" name="password" type="password"></p>
  <input type="hidden" name="key" value="{html.escape(key)}">
  <button type="submit">Sign in at the identity provider</button>
</form>
</body></html>"""

    def login(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        key = form.get("key", "")
        if key not in self.pending:
            return self.reply(start_response, "400 Bad Request", b"no sign-in in progress", "text/plain")
        user = self.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(user["password"], form.get("password", "")):
            return self.reply(start_response, "401 Unauthorized", self.login_page(key, "Wrong username or password."),
                              "text/html")
        request, relay_state = self.pending.pop(key)
        binding, destination = self.server.pick_binding("assertion_consumer_service", bindings=[BINDING_HTTP_POST],
                                                        entity_id=request.issuer.text, request=request)
        response = self.server.create_authn_response(
            identity=user["attributes"], in_response_to=request.id, destination=destination,
            sp_entity_id=request.issuer.text, name_id_policy=request.name_id_policy, userid=user["username"],
            authn={"class_ref": PASSWORD_CONTEXT, "authn_auth": self.config.entityid}, sign_assertion=True,
            # pysaml2 signs with RSA-SHA1 unless told; Pathwise (python3-saml) refuses SHA-1 signatures.
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        http_args = self.server.apply_binding(binding, str(response), destination, relay_state, response=True)
        return self.reply(start_response, "200 OK", http_args["data"], "text/html")


def main() -> None:
    folder = Path(sys.argv[1])
    users = json.loads(os.environ["TEST_SAML_IDP_USERS"])
    server = make_server("127.0.0.1", 0, lambda e, s: [b""], handler_class=QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    idp = IdentityProvider(base, folder, users)
    server.set_app(idp)
    print(f"READY {base} {idp.config.entityid}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
