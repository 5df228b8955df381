from __future__ import annotations

from django.conf import settings
from django.db import models


class ScimToken(models.Model):
    """A bearer token with which an identity provider (Okta, Entra ID, ...) provisions people over
    SCIM. Only the SHA-256 digest of the key is stored; deleting the row revokes it."""

    name = models.CharField(max_length=120, help_text="Which identity provider uses it, e.g. \u201cOkta production\u201d.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False, help_text="The start of the key, to tell tokens apart.")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}\u2026)"
