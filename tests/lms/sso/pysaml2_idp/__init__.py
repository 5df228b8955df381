"""Start the test SAML identity provider (pysaml2's IdP, ``serve.py`` here) in its own process and
wait until it answers. It signs with the ``xmlsec1`` program (Debian package ``xmlsec1``); tests
that need it skip with :data:`XMLSEC1_MISSING` as the reason when it is not installed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lms.sso.serving import serving

REPO = Path(__file__).resolve().parents[4]
START_TIMEOUT_S = 60
XMLSEC1_MISSING = ("xmlsec1 is not installed (Debian package xmlsec1: apt-get install xmlsec1); "
                   "pysaml2's identity provider signs its assertions with it")


def has_xmlsec1() -> bool:
    return shutil.which("xmlsec1") is not None


# Attribute names as pysaml2 knows them: mail, givenName, sn, uid and subject-id leave the IdP under
# their URI names (urn:oid:..., urn:oasis:names:tc:SAML:attribute:subject-id); groups and team under
# their own.
PEOPLE: list[dict[str, Any]] = [
    {"username": "erin", "password": "idp-pass-erin", "attributes": {
        "subject-id": ["erin-0001@example.org"], "uid": ["erin"], "mail": ["erin@example.org"],
        "givenName": ["Erin"], "sn": ["Quinn"], "groups": ["Staff", "LMS Admins"], "team": ["Support"]}},
    {"username": "sam", "password": "idp-pass-sam", "attributes": {
        "subject-id": ["sam-0002@example.org"], "uid": ["sam"], "mail": ["sam@example.org"],
        "givenName": ["Sam"], "sn": ["Berg"], "groups": ["Staff", "LMS Managers"], "team": ["Field sales", "Support"]}},
    {"username": "lee", "password": "idp-pass-lee", "attributes": {
        "subject-id": ["lee-0003@example.org"], "uid": ["lee"], "mail": ["lee@example.org"],
        "givenName": ["Lee"], "sn": ["Park"], "groups": ["Staff"], "team": ["Field sales"]}},
]


@dataclass(frozen=True)
class SamlProvider:
    base_url: str
    entity_id: str
    folder: Path

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/idp/metadata"

    def password_of(self, username: str) -> str:
        return next(p["password"] for p in PEOPLE if p["username"] == username)

    def register(self, name: str, sp_metadata: bytes) -> None:
        """Register a service provider at the IdP by its metadata (the IdP reads it at its next request)."""
        target = self.folder / "sp" / f"{name}.xml"
        partial = target.with_suffix(".part")
        partial.write_bytes(sp_metadata)
        partial.replace(target)

    def environment(self, organization: str = "test-saml") -> dict[str, str]:
        """The environment a deployment sets to use this IdP (docs/sso.md), by its metadata address."""
        return {"PATHWISE_SAML_IDP_ENTITY_ID": self.entity_id, "PATHWISE_SAML_IDP_METADATA_URL": self.metadata_url,
                "PATHWISE_SAML_ID": organization, "PATHWISE_SAML_NAME": "Test SAML IdP"}


@contextmanager
def saml_provider(folder: Path, people: list[dict[str, Any]] | None = None) -> Iterator[SamlProvider]:
    (folder / "sp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TEST_SAML_IDP_USERS": json.dumps(people or PEOPLE), "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with serving([sys.executable, "-m", "tests.lms.sso.pysaml2_idp.serve", str(folder)], cwd=REPO, env=env,
                 what="the SAML identity provider", timeout_s=START_TIMEOUT_S) as line:
        _, base_url, entity_id = line.split()
        yield SamlProvider(base_url=base_url, entity_id=entity_id, folder=folder)
