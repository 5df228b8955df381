from __future__ import annotations

from django.conf import settings
from django.db import models

LEARNER = "learner"
MANAGER = "manager"
ADMIN = "admin"
ROLES = (LEARNER, MANAGER, ADMIN)


class Team(models.Model):
    """A group of learners looked after by one or more managers."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="managed_teams", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
