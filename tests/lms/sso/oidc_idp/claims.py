"""The claims the test provider releases: the standard ones, and a "groups" scope with the
person's groups and team, as an IT department configures in Entra ID, Okta or Keycloak."""

import json
import os
from typing import Any

from oidc_provider.lib.claims import ScopeClaims


def _person(username: str) -> dict[str, Any]:
    people = json.loads(os.environ["TEST_IDP_CONFIG"])["users"]
    return next(p for p in people if p["username"] == username)


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    person = _person(user.username)
    claims.update({"preferred_username": person["username"], "email": person.get("email", ""),
                   "email_verified": True, "given_name": person.get("given_name", ""),
                   "family_name": person.get("family_name", "")})
    return claims


class GroupsClaims(ScopeClaims):
    info_groups = ("Groups", "Your groups and team.")

    def scope_groups(self) -> dict[str, Any]:
        person = _person(self.user.username)
        return {"groups": person.get("groups", []), "team": person.get("team")}
