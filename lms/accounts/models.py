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


class Preferences(models.Model):
    """How a user wants the site shown: in which language and time zone. Blank means "not chosen":
    the language then comes from the browser (Accept-Language) and the zone is the site's TIME_ZONE."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    language = models.CharField(max_length=10, blank=True, help_text="A code from LANGUAGES; blank: the browser's.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="An IANA zone such as Europe/Paris; blank: "
                                                                       "the site's.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
