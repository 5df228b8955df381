"""Start the test OpenID Connect provider (oidc_idp/) in its own process and wait until it answers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lms.sso.serving import serving

REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 90

PEOPLE = [
    {"username": "dana", "password": "idp-pass-dana", "email": "dana@example.org", "given_name": "Dana",
     "family_name": "Fischer", "groups": ["Everyone", "LMS Managers"], "team": "Field sales"},
    {"username": "erik", "password": "idp-pass-erik", "email": "erik@example.org", "given_name": "Erik",
     "family_name": "Olsen", "groups": ["Everyone"], "team": "Field sales"},
    {"username": "alice", "password": "idp-pass-alice", "email": "alice@example.org", "given_name": "Alice",
     "family_name": "Archer", "groups": ["Everyone", "LMS Admins"]},
]


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str

    def password_of(self, username: str) -> str:
        return next(p["password"] for p in PEOPLE if p["username"] == username)

    def app_settings(self, **extra: Any) -> dict[str, Any]:
        """Pathwise's SOCIALACCOUNT_PROVIDERS naming this provider, as lms.sso.config builds it."""
        return {"openid_connect": {"APPS": [{
            "provider_id": "test-idp", "name": "Test IdP", "client_id": self.client_id, "secret": self.client_secret,
            "settings": {"server_url": self.issuer, "scope": ["openid", "profile", "email", "groups"],
                         "oauth_pkce_enabled": True, **extra},
        }]}, "saml": {"APPS": []}}


@contextmanager
def oidc_provider(folder: Path, redirect_uris: list[str]) -> Iterator[OidcProvider]:
    config = {"users": PEOPLE, "client": {"client_id": "pathwise-test", "client_secret": "s3cret-for-tests",
                                          "redirect_uris": redirect_uris}}
    env = {**os.environ, "TEST_IDP_CONFIG": json.dumps(config), "TEST_IDP_DB": str(folder / "idp.sqlite3"),
           "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with serving([sys.executable, "-m", "tests.lms.sso.oidc_idp.serve"], cwd=REPO, env=env,
                 what="the test identity provider", timeout_s=START_TIMEOUT_S) as line:
        yield OidcProvider(issuer=line.split()[1], client_id=config["client"]["client_id"],
                           client_secret=config["client"]["client_secret"])
