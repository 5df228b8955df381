from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(**kwargs: Any) -> None:
    """Create the three role groups and give admins the content and team permissions, and those of
    sign-in lockouts (axes: to unlock), authenticator apps (otp_totp: to reset a lost one) and API
    tokens (knox: to revoke), the record of notification emails (notifications), the SCIM tokens of
    identity providers (people), deletion requests and the audit log (privacy), the xAPI outbox (xapi),
    single sign-on's identity providers and linked accounts (socialaccount), and LTI platforms,
    tool keys and links (lti).
    Runs after every migrate (once per app, cheaply), so it also repairs groups edited by hand."""
    from django.contrib.auth.models import Group, Permission

    from lms.accounts.models import ADMIN, ROLES

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    admin_perms = Permission.objects.filter(content_type__app_label__in=[
        "content", "accounts", "learning", "adaptive", "axes", "otp_totp", "knox", "notifications", "people",
        "privacy", "xapi", "socialaccount", "lti"])
    admin_perms = admin_perms | Permission.objects.filter(content_type__app_label="auth", codename__endswith="_user")
    groups[ADMIN].permissions.set(admin_perms)


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self) -> None:
        # Not limited to this app: permissions of apps migrated after this one exist only later.
        post_migrate.connect(ensure_role_groups, dispatch_uid="pathwise_role_groups")
