"""LTI 1.3: the platforms that launch Pathwise (Moodle, Canvas...), the tool's own signing keys, the
accounts linked to a platform's users, and what a launch leaves behind for grades and rosters."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else ""


def _validate_origins(value: str) -> None:
    for item in value.split():
        if _origin(item) != item.rstrip("/"):
            raise ValidationError(f"{item!r} is not a site address such as https://moodle.example.org")


class Platform(models.Model):
    """A learning platform registered by an admin, with the values its LTI 1.3 tool settings show."""

    name = models.CharField(max_length=120, help_text="What people call it, e.g. 'Company Moodle'.")
    issuer = models.CharField(max_length=255, help_text="The platform's issuer (iss), e.g. https://moodle.example.org.")
    client_id = models.CharField(max_length=255, help_text="The client ID the platform gave Pathwise.")
    deployment_ids = models.TextField(
        help_text="The platform's deployment IDs for Pathwise, one per line. A launch from any other is refused.")
    auth_login_url = models.URLField(max_length=500, help_text="The platform's authentication request URL (OIDC).")
    auth_token_url = models.URLField(max_length=500, help_text="The platform's access token URL (OAuth 2).")
    keyset_url = models.URLField(max_length=500, help_text="The platform's public keyset URL (JWKS).")
    audience = models.CharField(max_length=255, blank=True,
                                help_text="The token audience, only if the platform asks for one other than the token URL.")
    frame_origins = models.TextField(
        blank=True, validators=[_validate_origins],
        help_text="Site addresses allowed to show Pathwise in a frame besides the issuer's, separated by spaces "
                  "(e.g. https://school.instructure.com for Canvas).")
    is_active = models.BooleanField(default=True, help_text="Untick to refuse every launch from this platform.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_one_platform_per_client")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def deployment_id_list(self) -> list[str]:
        return [line.strip() for line in self.deployment_ids.splitlines() if line.strip()]

    def frame_origin_list(self) -> list[str]:
        origins = [_origin(self.issuer)] + [item.rstrip("/") for item in self.frame_origins.split()]
        return list(dict.fromkeys(origin for origin in origins if origin))


class ToolKey(models.Model):
    """An RSA key pair Pathwise signs with (deep-linking responses, token requests). The public half is
    published at the tool's JWKS address; the private half never leaves the database."""

    kid = models.CharField(max_length=100, unique=True)
    public_pem = models.TextField()
    private_pem = models.TextField()
    is_active = models.BooleanField(default=True, help_text="Published in the JWKS; the newest active key signs.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.kid


class PlatformAccount(models.Model):
    """A Pathwise account linked to a user of a platform: the same (issuer, subject) signs in the same account."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="accounts")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_accounts")
    created = models.DateTimeField(auto_now_add=True)
    last_launch = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="lti_one_account_per_subject")]

    def __str__(self) -> str:
        return f"{self.user} as {self.subject} on {self.platform}"


class UsedNonce(models.Model):
    """A launch's nonce, kept so that the same signed launch sent again is refused."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "nonce"], name="lti_nonce_used_once")]

    def __str__(self) -> str:
        return f"{self.nonce} from {self.issuer}"


class GradeLink(models.Model):
    """A platform grade column (an AGS line item) a learner was launched from, and the last score sent to it."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="grade_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_grade_links")
    subject = models.CharField(max_length=255, help_text="The learner's user ID on the platform.")
    course = models.ForeignKey("content.Course", on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey("content.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               help_text="Empty when the link is to the whole course.")
    lineitem_url = models.URLField(max_length=500)
    scopes = models.JSONField(default=list)
    last_score = models.FloatField(null=True, blank=True, help_text="Percent, as last accepted by the platform.")
    last_sent = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "lineitem_url", "user"], name="lti_one_grade_link")]

    def __str__(self) -> str:
        return f"{self.user} → {self.lineitem_url}"


class PlatformContext(models.Model):
    """A course on the platform (an LTI context) whose members fill a Pathwise team."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    memberships_url = models.URLField(max_length=500, blank=True)
    team = models.OneToOneField("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    roster_synced = models.DateTimeField(null=True, blank=True)
    roster_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "context_id"], name="lti_one_context")]

    def __str__(self) -> str:
        return f"{self.title or self.context_id} on {self.platform}"
