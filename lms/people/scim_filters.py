"""SCIM filters (``userName eq "..."``, ``displayName eq "..."``) mapped onto accounts and teams.

A module of its own: django-scim2 reads these classes from its settings while its adapters are
being defined, before ``lms.people.scim`` (which subclasses those adapters) could be imported.
"""

from __future__ import annotations

from django_scim.filters import GroupFilterQuery, UserFilterQuery


class PathwiseUserFilter(UserFilterQuery):
    attr_map = {
        **UserFilterQuery.attr_map,
        ("emails", None, None): "email",
        ("emails", "value", None): "email",
        ("id", None, None): "id",
    }


class PathwiseGroupFilter(GroupFilterQuery):
    attr_map = {
        ("displayName", None, None): "name",
        ("id", None, None): "id",
    }
