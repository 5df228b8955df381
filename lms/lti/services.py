"""LTI use cases: accepting a launch, linking accounts, sending grades, filling a team from a roster."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.contrib.django import DjangoMessageLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService

from lms.accounts.models import LEARNER, MANAGER, Team
from lms.accounts.services import team_add_managers, team_add_members, team_create, team_remove_members, user_create
from lms.content.models import Course, Module
from lms.learning.services import NotAllowed, enrollment_create
from lms.lti import claims as c
from lms.lti.models import GradeLink, Platform, PlatformAccount, PlatformContext, UsedNonce
from lms.lti.selectors import grade_link_score
from lms.lti.tool import service_connector

logger = logging.getLogger(__name__)
# A used nonce is kept this long; id_tokens older than that are refused as expired long before.
NONCE_KEEP = timedelta(days=2)


class LaunchRefused(Exception):
    """A launch that is valid LTI but that Pathwise will not act on; the message is for the person."""


class PlatformUnavailable(Exception):
    """The platform did not answer, or answered with a server error: worth trying again later."""


@dataclass(frozen=True)
class LaunchResult:
    user: User
    course: Course | None
    module: Module | None
    created: bool
    grade_link_id: int | None = None
    context_id: int | None = None


def launch_target(launch_claims: dict[str, Any]) -> tuple[Course | None, Module | None]:
    """The course (and module) a launch opens: the custom parameters ``course`` and ``module`` (slugs)
    first, else the resource link's target address when it is a Pathwise course or module page."""
    custom = c.section(launch_claims, c.CUSTOM)
    course_slug = str(custom.get("course") or "").strip()
    module_slug = str(custom.get("module") or "").strip()
    if not course_slug:
        try:
            match = resolve(urlsplit(c.text(launch_claims, c.TARGET_LINK_URI)).path or "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name == "course":
            course_slug = match.kwargs["slug"]
        elif match is not None and match.url_name == "module":
            course_slug, module_slug = match.kwargs["course_slug"], match.kwargs["module_slug"]
    if not course_slug:
        return None, None
    course = Course.objects.filter(slug=course_slug, published=True).first()
    if course is None:
        raise LaunchRefused(gettext("The course “%(course)s” this link opens is not available in Pathwise.") % {"course": course_slug})
    if not module_slug:
        return course, None
    module = Module.objects.filter(course=course, slug=module_slug).first()
    if module is None:
        raise LaunchRefused(gettext("The module “%(module)s” this link opens is not in the course “%(course)s”.") % {
            "module": module_slug, "course": course.title})
    return course, module


def _username_for(profile: dict[str, Any]) -> str:
    email = str(profile.get("email") or "")
    given, family = str(profile.get("given_name") or ""), str(profile.get("family_name") or "")
    base = slugify(f"{given}.{family}".strip(".")) or slugify(email.split("@")[0]) or slugify(str(profile.get("name") or ""))
    return (base or "learner")[:140]


def platform_account_for(*, platform: Platform, subject: str, profile: dict[str, Any], role: str,
                         ) -> tuple[User, bool]:
    """The account linked to this platform user, made on first sight (with ``role`` and the profile's
    names and email). A linked account keeps its role: the platform never changes a role set in
    Pathwise. An existing Pathwise account with the same email is not taken over."""
    account = PlatformAccount.objects.select_related("user").filter(issuer=platform.issuer, subject=subject).first()
    if account is not None:
        return account.user, False
    base = _username_for(profile)
    for attempt in range(1, 50):
        username = base if attempt == 1 else f"{base}-{attempt}"
        try:
            with transaction.atomic():
                user = user_create(username=username, role=role, email=str(profile.get("email") or "")[:254],
                                   first_name=str(profile.get("given_name") or "")[:150],
                                   last_name=str(profile.get("family_name") or "")[:150])
                PlatformAccount.objects.create(platform=platform, issuer=platform.issuer, subject=subject, user=user)
            return user, True
        except ValidationError:
            continue  # the username is taken: try the next one
        except IntegrityError:
            # The same platform user arrived twice at once: the other request linked them first.
            account = PlatformAccount.objects.select_related("user").get(issuer=platform.issuer, subject=subject)
            return account.user, False
    raise LaunchRefused(gettext("Pathwise could not choose a username for your account; please ask an administrator."))


@transaction.atomic
def launch_accept(*, platform: Platform, launch_claims: dict[str, Any], launch: DjangoMessageLaunch) -> LaunchResult:
    """Act on a resource-link or deep-linking launch already checked by pylti1p3 (signature, expiry,
    registration, deployment): refuse a nonce seen before, sign in the linked account (made on the
    first launch), enrol a learner in the course it opens, remember the grade column, and for an
    instructor, the course's roster service. All or nothing: the caller queues the grade and roster
    tasks named in the result once this has committed."""
    nonce = c.text(launch_claims, "nonce")
    UsedNonce.objects.filter(used_at__lt=timezone.now() - NONCE_KEEP).delete()
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer=platform.issuer, nonce=nonce)
    except IntegrityError:
        raise LaunchRefused(gettext("This launch was used already. Open Pathwise again from your learning platform.")) from None

    subject = c.text(launch_claims, "sub")
    if not subject:
        raise LaunchRefused(gettext("Your learning platform did not say who you are (an anonymous launch)."))
    roles = launch_claims.get(c.ROLES)
    staff = c.is_staff(roles)
    deep_linking = launch.is_deep_link_launch()
    if deep_linking and not staff:
        raise LaunchRefused(gettext("Only teachers can add Pathwise courses to the platform."))
    course, module = (None, None) if deep_linking else launch_target(launch_claims)
    user, created = platform_account_for(platform=platform, subject=subject, profile=launch_claims,
                                         role=MANAGER if staff else LEARNER)
    if not user.is_active:
        raise LaunchRefused(gettext("Your Pathwise account is switched off. Please ask an administrator."))
    PlatformAccount.objects.filter(issuer=platform.issuer, subject=subject).update(last_launch=timezone.now())

    grade_link_id = context_id = None
    if course is not None and not staff:
        try:
            enrollment_create(user=user, course=course)
        except NotAllowed as exc:
            raise LaunchRefused(gettext("You cannot take this course: %(why)s.") % {"why": exc}) from None
        ags = c.section(launch_claims, c.AGS_ENDPOINT)
        lineitem = ags.get("lineitem")
        scope = ags.get("scope")
        scopes = scope if isinstance(scope, list) else []
        if isinstance(lineitem, str) and lineitem and c.AGS_SCORE_SCOPE in scopes:
            link, _ = GradeLink.objects.update_or_create(
                platform=platform, lineitem_url=lineitem, user=user,
                defaults={"subject": subject, "course": course, "module": module, "scopes": scopes})
            grade_link_id = link.pk

    if staff:
        context = c.section(launch_claims, c.CONTEXT)
        members_url = c.section(launch_claims, c.NRPS).get("context_memberships_url")
        if isinstance(context.get("id"), str) and context["id"] and isinstance(members_url, str) and members_url:
            ctx, _ = PlatformContext.objects.update_or_create(
                platform=platform, context_id=context["id"],
                defaults={"title": str(context.get("title") or context.get("label") or "")[:255],
                          "memberships_url": members_url})
            ctx.instructors.add(user)
            context_id = ctx.pk
    return LaunchResult(user, course, module, created, grade_link_id, context_id)


def deep_link_jwt(*, launch: DjangoMessageLaunch, course: Course, module: Module | None, site_url: str) -> str:
    """The signed LtiDeepLinkingResponse placing a course or module: an LTI resource link whose launch
    names it in custom parameters (and whose address is its Pathwise page), with a grade column."""
    title = f"{course.title}: {module.title}" if module is not None else course.title
    path = (f"/courses/{course.slug}/{module.slug}/" if module is not None else f"/courses/{course.slug}/")
    custom = {"course": course.slug, **({"module": module.slug} if module is not None else {})}
    resource = (DeepLinkResource().set_url(site_url + path).set_title(title).set_custom_params(custom)
                .set_lineitem(LineItem().set_label(title).set_score_maximum(100)
                              .set_resource_id(f"{course.slug}/{module.slug}" if module else course.slug)))
    return launch.get_deep_link().get_response_jwt([resource])


def _transient(exc: Exception) -> bool:
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    return isinstance(exc, LtiServiceException) and (exc.response.status_code >= 500 or exc.response.status_code == 429)


def _short(exc: Exception) -> str:
    return str(exc)[:300]


def grade_link_send(*, grade_link_id: int) -> bool:
    """Post the learner's current score to the platform's grade column, unless the platform has it
    already: sending again changes nothing. True when a score was sent. A platform that is down
    raises PlatformUnavailable (the task retries); a refusal is kept on the link, not retried."""
    link = GradeLink.objects.select_related("platform").filter(pk=grade_link_id).first()
    if link is None or not link.platform.is_active:
        return False
    score = grade_link_score(link)
    if score is None or score.percent == link.last_score:
        return False
    now = timezone.now()
    grade = (Grade().set_score_given(score.percent).set_score_maximum(100).set_user_id(link.subject)
             .set_timestamp(now.isoformat(timespec="milliseconds"))
             .set_activity_progress("Completed" if score.completed else "InProgress")
             .set_grading_progress("FullyGraded"))
    service = AssignmentsGradesService(service_connector(link.platform),
                                       {"scope": link.scopes, "lineitem": link.lineitem_url})
    try:
        service.put_grade(grade)
    except (LtiException, requests.RequestException) as exc:
        GradeLink.objects.filter(pk=link.pk).update(last_error=_short(exc))
        if _transient(exc):
            raise PlatformUnavailable(_short(exc)) from exc
        logger.warning("platform %s refused the score for grade link %s: %s", link.platform_id, link.pk, exc)
        return False
    GradeLink.objects.filter(pk=link.pk).update(last_score=score.percent, last_sent=now, last_error="")
    return True


def _team_for(ctx: PlatformContext) -> Team:
    if ctx.team is not None:
        return ctx.team
    digest = hashlib.sha256(ctx.context_id.encode()).hexdigest()[:12]
    base = f"{ctx.title or ctx.context_id} ({ctx.platform.name})"[:110]
    for attempt in range(1, 50):
        name = base if attempt == 1 else f"{base} {attempt}"
        if not Team.objects.filter(name=name).exists():
            team = team_create(name=name, slug=f"lti-{ctx.platform_id}-{digest}")
            ctx.team = team
            ctx.save(update_fields=["team"])
            return team
    raise ValidationError(f"no free team name for {base!r}")


def context_roster_sync(*, context_id: int) -> Team | None:
    """Fill the context's team from the platform's roster (Names and Role Provisioning): active
    learners become members (accounts made for those never launched yet), instructors managers,
    and members the platform reports inactive or deleted leave the team. Running it twice changes
    nothing; people added to the team by hand stay."""
    ctx = PlatformContext.objects.select_related("platform", "team").filter(pk=context_id).first()
    if ctx is None or not ctx.memberships_url or not ctx.platform.is_active:
        return None
    service = NamesRolesProvisioningService(service_connector(ctx.platform),
                                            {"context_memberships_url": ctx.memberships_url})
    try:
        members = service.get_members()
    except (LtiException, requests.RequestException) as exc:
        PlatformContext.objects.filter(pk=ctx.pk).update(roster_error=_short(exc))
        if _transient(exc):
            raise PlatformUnavailable(_short(exc)) from exc
        logger.warning("platform %s refused the roster of context %s: %s", ctx.platform_id, ctx.pk, exc)
        return None
    with transaction.atomic():
        team = _team_for(ctx)
        learners: list[User] = []
        gone: list[User] = []
        managers = list(ctx.instructors.all())
        for member in members:
            subject = str(member.get("user_id") or "")
            if not subject:
                continue
            staff = c.is_staff(member.get("roles"))
            active = str(member.get("status") or "Active") == "Active"
            if not active:
                linked = PlatformAccount.objects.filter(issuer=ctx.platform.issuer, subject=subject).first()
                if linked is not None:
                    gone.append(linked.user)
                continue
            user, _ = platform_account_for(platform=ctx.platform, subject=subject, profile=dict(member),
                                           role=MANAGER if staff else LEARNER)
            (managers if staff else learners).append(user)
        team_add_members(team=team, members=learners)
        team_add_managers(team=team, managers=managers)
        team_remove_members(team=team, members=gone)
        PlatformContext.objects.filter(pk=ctx.pk).update(roster_synced=timezone.now(), roster_error="")
    return team
