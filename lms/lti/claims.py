"""The LTI 1.3 claims Pathwise reads, and what they mean for it (no Django models here)."""

from __future__ import annotations

from typing import Any

MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
RESOURCE_LINK = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
TARGET_LINK_URI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# Context roles that teach or look after learners: they become managers in Pathwise.
STAFF_ROLES = {"Instructor", "Administrator", "ContentDeveloper", "Mentor", "TeachingAssistant"}


def role_names(roles: Any) -> set[str]:
    """The context (membership) roles' short names: ``…/membership#Instructor`` and the simple name
    ``Instructor`` both give ``Instructor``; a sub-role (``…/membership/Instructor#TeachingAssistant``)
    gives its own name. Institution and system roles say nothing about this course and are left out."""
    names = set()
    for role in roles if isinstance(roles, list) else []:
        if not isinstance(role, str):
            continue
        if role.startswith(MEMBERSHIP) or ("/" not in role and ":" not in role):
            names.add(role.rsplit("#", 1)[-1])
    return names


def is_staff(roles: Any) -> bool:
    return bool(role_names(roles) & STAFF_ROLES)


def text(claims: dict[str, Any], key: str) -> str:
    value = claims.get(key)
    return value.strip() if isinstance(value, str) else ""


def section(claims: dict[str, Any], key: str) -> dict[str, Any]:
    value = claims.get(key)
    return value if isinstance(value, dict) else {}
