"""Roles and teams from an identity provider's claims (OpenID Connect) or attributes (SAML).

The mapping is read from the settings (PATHWISE_SSO_*) and may be overridden per provider in the
admin, in the social application's settings under ``"pathwise"``: ``{"role_claim": "roles",
"admin_values": ["LMS Admins"], "manager_values": ["Line managers"], "team_claim": "department"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from lms.accounts.models import ADMIN, LEARNER, MANAGER


@dataclass(frozen=True)
class ClaimMapping:
    role_claim: str
    admin_values: frozenset[str]
    manager_values: frozenset[str]
    team_claim: str

    @classmethod
    def for_app(cls, app_settings: Mapping[str, Any] | None = None) -> ClaimMapping:
        own = dict((app_settings or {}).get("pathwise") or {})
        return cls(
            role_claim=str(own.get("role_claim", settings.PATHWISE_SSO_ROLE_CLAIM)),
            admin_values=frozenset(own.get("admin_values", settings.PATHWISE_SSO_ADMIN_VALUES)),
            manager_values=frozenset(own.get("manager_values", settings.PATHWISE_SSO_MANAGER_VALUES)),
            team_claim=str(own.get("team_claim", settings.PATHWISE_SSO_TEAM_CLAIM)),
        )

    @property
    def maps_roles(self) -> bool:
        return bool(self.admin_values or self.manager_values)


def _values(raw: Any) -> list[str]:
    """A claim as a list of strings: SAML sends every attribute as a list, OpenID Connect a string or
    a list."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def role_from_claims(claims: Mapping[str, Any], mapping: ClaimMapping) -> str | None:
    """admin if the role claim holds an admin value, else manager for a manager value, else learner;
    None (leave the role as it is) when no role values are configured or the claim is absent."""
    if not mapping.maps_roles or mapping.role_claim not in claims:
        return None
    held = set(_values(claims[mapping.role_claim]))
    if held & mapping.admin_values:
        return ADMIN
    if held & mapping.manager_values:
        return MANAGER
    return LEARNER


def teams_from_claims(claims: Mapping[str, Any], mapping: ClaimMapping) -> list[str]:
    """The team names in the team claim, in order, each once (a team's name has at most 120
    characters)."""
    names: list[str] = []
    for name in _values(claims.get(mapping.team_claim)) if mapping.team_claim else []:
        if name[:120] not in names:
            names.append(name[:120])
    return names
