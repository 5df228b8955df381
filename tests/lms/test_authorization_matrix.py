"""Who may open what: every URL pattern of the project (pages, the API, SCIM and the admin) requested
as each of six people, compared with the table below.

Object routes are filled with the learner's own things (their quiz attempt, answer, diary entry,
account, tokens), so a learner of another team and a manager of another team must be refused them
while the learner's own manager and an admin get what the product's rules give them
(``lms/accounts/selectors.py``). A route the table does not name fails the test with its name: add
one entry per new route. Only allow or refuse is compared (with empty or minimal bodies), and a 5xx
is a failure whatever the table says. Matrix size: docs/api.md.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from adaptive.models import ModelVersion
from lms.accounts.services import api_token_create
from lms.analytics.models import ModelHealthCheck, RollupCursor
from lms.analytics.services import coach_note_create
from lms.content.models import Course, ModuleImage, Question, Skill
from lms.content.packages.writing import course_package_import
from lms.diary.services import diary_entry_create
from lms.learning.services import quiz_attempt_next_question, quiz_attempt_start, response_submit
from lms.learning.simulation import simulated_answer
from lms.notifications.emails import unsubscribe_token
from lms.notifications.services import calendar_feed_renew
from tests.lms.factories import TeamFactory, UserFactory

ROLES = ("anonymous", "learner", "other_learner", "other_manager", "manager", "admin")

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
OWNER = frozenset({"learner"})
# The learner, their team's manager and an admin: whose data it is, and who may look at it.
OWNER_AND_OVERSEERS = frozenset({"learner", "manager", "admin"})
STAFF = frozenset({"other_manager", "manager", "admin"})
# The learner's team as managed: their manager and an admin, not a manager of another team.
OVERSEERS = frozenset({"manager", "admin"})
ADMINS = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    """Who may use a route; how to call it (method, path arguments by attribute of ``World``, body)."""

    allowed: frozenset[str]
    method: str = "get"
    args: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    json: bool = False
    # Part of signing in or out: being sent to the sign-in page is this route's answer, not a refusal.
    sign_in_flow: bool = False


def post(allowed: frozenset[str], **kwargs: Any) -> Rule:
    return Rule(allowed, method="post", **kwargs)


LEARNER_ATTEMPT = {"attempt_id": "attempt_id"}

RULES: dict[str, Rule] = {
    # --- Signing in and the account -----------------------------------------------------------------
    "login": Rule(EVERYONE),
    "login_code": Rule(EVERYONE, sign_in_flow=True),
    "logout": post(EVERYONE, sign_in_flow=True),
    "account": Rule(SIGNED_IN),
    "password_change": Rule(SIGNED_IN),
    "password_change_done": Rule(SIGNED_IN),
    "password_reset": Rule(EVERYONE),
    "password_reset_done": Rule(EVERYONE),
    # The emailed link is the credential: whoever holds it may set the learner's password.
    "password_reset_confirm": Rule(EVERYONE, args={"uidb64": "reset_uid", "token": "reset_token"}),
    "password_reset_complete": Rule(EVERYONE),
    "two_factor": Rule(STAFF),
    "two_factor_start": post(STAFF),
    "two_factor_confirm": post(STAFF),
    "two_factor_remove": post(STAFF),
    "team_list": Rule(STAFF),
    "team_detail": Rule(OVERSEERS, args={"slug": "team_slug"}),
    "email_settings": post(SIGNED_IN),
    "calendar_feed_new": post(SIGNED_IN),
    "calendar_feed_off": post(SIGNED_IN),
    # Secret addresses: the token in the address is the only credential, by design.
    "unsubscribe": Rule(EVERYONE, args={"token": "unsubscribe_token"}),
    "calendar_feed": Rule(EVERYONE, args={"token": "calendar_token"}),
    "preferences_save": post(SIGNED_IN),
    "data_export": post(SIGNED_IN),
    "account_delete": Rule(SIGNED_IN),
    "account_delete_withdraw": post(SIGNED_IN),
    # --- Learning pages -----------------------------------------------------------------------------
    "dashboard": Rule(SIGNED_IN),
    "weekly_goal": post(SIGNED_IN, data={"days_per_week": "4"}),
    "course": Rule(SIGNED_IN, args={"slug": "course_slug"}),
    "enrol": post(SIGNED_IN, args={"slug": "course_slug"}),
    "placement": post(SIGNED_IN, args={"slug": "course_slug"}),
    "module": Rule(SIGNED_IN, args={"course_slug": "course_slug", "module_slug": "module_slug"}),
    "quiz_start": post(SIGNED_IN, args={"course_slug": "course_slug", "module_slug": "module_slug"}),
    # A quiz attempt is its learner's alone: managers see results on the dashboards instead.
    "quiz": Rule(OWNER, args=LEARNER_ATTEMPT),
    "quiz_answer": post(OWNER, args={**LEARNER_ATTEMPT, "question_id": "open_question_id"}),
    "quiz_feedback": Rule(OWNER, args={**LEARNER_ATTEMPT, "submission_id": "submission_id"}),
    "quiz_next": Rule(OWNER, args={**LEARNER_ATTEMPT, "response_id": "response_id"}),
    "quiz_summary": Rule(OWNER, args=LEARNER_ATTEMPT),
    "quiz_decide": post(OWNER, args=LEARNER_ATTEMPT),
    "module_image": Rule(SIGNED_IN, args={"image_id": "image_id", "filename": "image_filename"}),
    "module_preview": Rule(ADMINS, args={"module_id": "module_id"}),
    "authoring_courses": Rule(ADMINS),
    "authoring_course": Rule(ADMINS, args={"slug": "course_slug"}),
    "authoring_module_new": Rule(ADMINS, args={"slug": "course_slug"}),
    "authoring_module": Rule(ADMINS, args={"slug": "course_slug", "module_id": "module_id"}),
    "authoring_question_new": Rule(ADMINS, args={"module_id": "module_id"}),
    "authoring_question": Rule(ADMINS, args={"module_id": "module_id", "question_id": "open_question_id"}),
    # --- Diary --------------------------------------------------------------------------------------
    "diary": Rule(SIGNED_IN),
    "diary_entry_new": Rule(SIGNED_IN),
    # The learner's entry is shared with managers, so their own manager and an admin may read it.
    "diary_entry": Rule(OWNER_AND_OVERSEERS, args={"entry_id": "entry_id"}),
    "diary_entry_share": post(OWNER, args={"entry_id": "entry_id"}),
    "diary_export": Rule(SIGNED_IN),
    "diary_prompt_dismiss": post(SIGNED_IN),
    "diary_team": Rule(STAFF),
    # --- Analytics (managers within their teams, admins everywhere) ---------------------------------
    "analytics_overview": Rule(STAFF),
    "analytics_heatmap": Rule(STAFF),
    "analytics_at_risk": Rule(STAFF),
    "analytics_content": Rule(STAFF),
    "analytics_compare": Rule(STAFF),
    "analytics_model": Rule(STAFF),
    "analytics_learner": Rule(OVERSEERS, args={"user_id": "learner_id"}),
    "analytics_learner_note": post(OVERSEERS, args={"user_id": "learner_id"}),
    "analytics_week": Rule(STAFF),
    "analytics_learner_assign": post(OVERSEERS, args={"user_id": "learner_id"}),
    "analytics_learner_message": post(OVERSEERS, args={"user_id": "learner_id"}),
    # --- API ----------------------------------------------------------------------------------------
    "schema": Rule(EVERYONE),
    "api_docs": Rule(EVERYONE),
    "api_redoc": Rule(EVERYONE),
    "api:token": post(EVERYONE, json=True),
    "api:tokens": Rule(SIGNED_IN),
    # Each person revokes only their own tokens; the id is the learner's.
    "api:token_detail": Rule(OWNER, method="delete", args={"token_id": "token_id"}),
    "api:me": Rule(SIGNED_IN),
    "api:users": Rule(STAFF),
    "api:user": Rule(OVERSEERS, args={"user_id": "learner_id"}),
    "api:teams": Rule(STAFF),
    "api:team_members": post(ADMINS, args={"slug": "team_slug"}, json=True),
    "api:courses": Rule(SIGNED_IN),
    "api:course": Rule(SIGNED_IN, args={"slug": "course_slug"}),
    "api:course_recommendation": Rule(SIGNED_IN, args={"slug": "course_slug"}),
    "api:modules": Rule(SIGNED_IN),
    "api:module": Rule(SIGNED_IN, args={"module_id": "module_id"}),
    "api:questions": Rule(SIGNED_IN),
    "api:question": Rule(SIGNED_IN, args={"key": "question_key"}),
    "api:skills": Rule(SIGNED_IN),
    "api:skill": Rule(SIGNED_IN, args={"slug": "skill_slug"}),
    "api:enrollments": Rule(SIGNED_IN),
    "api:responses": Rule(SIGNED_IN),
    "api:progress": Rule(SIGNED_IN),
    "api:learner_mastery": Rule(OWNER_AND_OVERSEERS, args={"user_id": "learner_id"},
                                query={"course": "course_slug"}),
    "api:quiz_attempts": post(SIGNED_IN, json=True),
    "api:quiz_attempt": Rule(OWNER, args=LEARNER_ATTEMPT),
    "api:decisions": Rule(SIGNED_IN),
    "api:diary_entries": Rule(SIGNED_IN),
    "api:diary_entry": Rule(OWNER_AND_OVERSEERS, args={"entry_id": "entry_id"}),
    "api:diary_counts": Rule(STAFF),
    # --- SCIM: the identity provider's bearer token only, never a signed-in session ----------------
    "scim:root": Rule(NOBODY),
    "scim:search": post(NOBODY, json=True),
    "scim:users-search": post(NOBODY, json=True),
    "scim:users": Rule(NOBODY),
    "scim:groups-search": post(NOBODY, json=True),
    "scim:groups": Rule(NOBODY),
    "scim:me": Rule(NOBODY),
    "scim:service-provider-config": Rule(NOBODY),
    "scim:resource-types": Rule(NOBODY),
    "scim:schemas": Rule(NOBODY),
    "scim:bulk": post(NOBODY, json=True),
    # --- Single sign-on and LTI: public pages of the sign-in flow ---------------------------------
    # Where sign-in ends for a switched-off account: the page answers 403 to everyone, by design.
    "account_inactive": Rule(NOBODY),
    "socialaccount_login_cancelled": Rule(EVERYONE),
    "socialaccount_login_error": Rule(NOBODY),  # a failed sign-in ends here: 401 with an explanation, for everyone
    "lti_jwks": Rule(EVERYONE),  # the tool's public keys, fetched by platforms
    # Started by a platform, before anyone is signed in: without a signed launch each answers 400
    # with a page that says so (tests/lms/lti for the real flows).
    "lti_login": Rule(EVERYONE),
    "lti_launch": post(EVERYONE),
    # An instructor's choice of what to place: signed in, and then refused (400) without the
    # deep-linking launch that started it.
    "lti_deep_link": Rule(SIGNED_IN),
    # --- Single sign-on (tests/lms/sso for the real flows) ------------------------------------------
    "account_login": Rule(EVERYONE, sign_in_flow=True),  # allauth's name for the site's sign-in page
    "socialaccount_signup": Rule(EVERYONE),  # no sign-up form: sends everyone to the sign-in page
    # No identity provider is configured in these tests: an unknown one is a 404 for everyone.
    "openid_connect_login": Rule(NOBODY, args={"provider_id": "literal:unknown"}),
    "openid_connect_callback": Rule(NOBODY, args={"provider_id": "literal:unknown"}),
    # The assertion consumer answers a stray GET for an unknown organisation with a redirect, not a 4xx.
    "saml_acs": Rule(EVERYONE, args={"organization_slug": "literal:unknown"}),
    "saml_finish_acs": Rule(NOBODY, args={"organization_slug": "literal:unknown"}),
    "saml_sls": Rule(NOBODY, args={"organization_slug": "literal:unknown"}),
    "saml_metadata": Rule(NOBODY, args={"organization_slug": "literal:unknown"}),
    "saml_login": Rule(NOBODY, args={"organization_slug": "literal:unknown"}),
    # --- The admin: admins only (Django's admin views below are matched by name) --------------------
    # The admin's sign-in address sends the signed-out to the site's sign-in page and refuses the
    # signed-in who are not admins (admin:login is the same address, answered by admin_login).
    "admin_login": Rule(ADMINS),
    "admin:login": Rule(ADMINS),
    "admin:logout": post(EVERYONE, sign_in_flow=True),
    "people_import": Rule(ADMINS),
    "admin:index": Rule(ADMINS),
    "admin:app_list": Rule(ADMINS, args={"app_label": "literal:content"}),
    "admin:password_change": Rule(ADMINS),
    "admin:password_change_done": Rule(ADMINS),
    "admin:autocomplete": Rule(ADMINS, query={"app_label": "literal:content", "model_name": "literal:modulequestion",
                                              "field_name": "literal:question"}),
    "admin:jsi18n": Rule(ADMINS),
    "admin:view_on_site": Rule(ADMINS, args={"content_type_id": "course_content_type_id", "object_id": "course_id"}),
    "admin:otp_totp_totpdevice_config": Rule(ADMINS, args={"pk": "totp_device_id"}),
    "admin:otp_totp_totpdevice_qrcode": Rule(ADMINS, args={"pk": "totp_device_id"}),
    "admin:auth_user_password_change": Rule(ADMINS, args={"id": "learner_id"}),
    "admin:content_course_upload": Rule(ADMINS),
    "admin:content_question_upload": Rule(ADMINS),
    "admin:content_question_upload_qti": Rule(ADMINS),
    "admin:adaptive_trainingrun_start": Rule(ADMINS),
}

# Every ModelAdmin's own pages (list, add, change, delete, history, and the unnamed redirect from an
# old-style change address) go through the admin site's staff check; they are matched through the
# admin's registry. A custom admin view does not necessarily, so those need entries of their own above.
MODEL_ADMIN_VIEWS = ("changelist", "add", "change", "delete", "history")
UNNAMED_ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")
ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"


# Admin pages that admins too are refused: the permissions the admin role is given
# (lms/accounts/apps.py) and the read-only records, by model and page.
REFUSED_TO_ADMINS = {
    # Roles are groups that the app keeps; users get a role, nobody edits the groups.
    "auth.group": MODEL_ADMIN_VIEWS,
    # A learner's diary is theirs: admins read only what is shared, on the site, never in the admin.
    "diary.diaryentry": MODEL_ADMIN_VIEWS,
    # Managers' notes and the analytics' own bookkeeping are not admins' to edit.
    "analytics.coachnote": MODEL_ADMIN_VIEWS,
    "analytics.rollupcursor": MODEL_ADMIN_VIEWS,
    "analytics.modelhealthcheck": MODEL_ADMIN_VIEWS,
    # Records written by the system: read, never added by hand (and the audit trail never deleted).
    "axes.accessattempt": ("add",),
    "axes.accesslog": ("add",),
    "axes.accessfailurelog": ("add",),
    "content.skillsuggestion": ("add",),
    "learning.response": ("add",),
    "notifications.email": ("add",),
    "notifications.calendarfeed": ("add",),
    "privacy.deletionrequest": ("add", "delete"),
    "privacy.auditevent": ("add", "delete"),
    "adaptive.modelversion": ("add",),
    "adaptive.trainingrun": ("add",),
    "adaptive.decision": ("add",),
    "adaptive.learnerstate": ("add",),
    "xapi.statement": ("add",),
    # Made by the tool itself (keys, linked accounts, grade links, platform courses): read, not added.
    "lti.toolkey": ("add",),
    "lti.platformaccount": ("add",),
    "lti.gradelink": ("add",),
    "lti.platformcontext": ("add",),
    # allauth's record of sign-in addresses: a user's email is edited on the user.
    "account.emailaddress": ("changelist", "add", "change", "delete"),
}


def _model_admin_routes() -> dict[str, str]:
    """Route name of each ModelAdmin page -> the model's label ("app.model")."""
    from django.contrib import admin

    return {f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}": model._meta.label_lower
            for model in admin.site._registry for view in MODEL_ADMIN_VIEWS}


@dataclass(frozen=True)
class Route:
    key: str  # the route's name with its namespace, or its pattern when it has no name
    pattern: str
    converters: tuple[str, ...]


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or pattern
            yield Route(key, pattern, tuple(entry.pattern.regex.groupindex))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def rule_for(route: Route) -> Rule | None:
    if route.key in RULES:
        return RULES[route.key]
    if (label := _model_admin_routes().get(route.key)) is not None:
        view = route.key.rsplit("_", 1)[1]
        allowed = NOBODY if view in REFUSED_TO_ADMINS.get(label, ()) else ADMINS
        if view in ("changelist", "add"):
            return Rule(allowed)
        return Rule(allowed, args={"object_id": f"admin_object:{label}"})
    if match := UNNAMED_ADMIN_REDIRECT.match(route.key):
        return Rule(ADMINS, args={"object_id": f"admin_object:{match['app']}.{match['model']}"})
    if route.key == ADMIN_CATCH_ALL:
        return Rule(ADMINS, args={"url": "literal:content/"})
    return None


@dataclass
class World:
    """The people and the learner's own things that fill the routes' arguments."""

    users: dict[str, Any]
    values: dict[str, Any]

    def argument(self, source: str) -> Any:
        if source.startswith("literal:"):
            return source.removeprefix("literal:")
        if source.startswith("admin_object:"):
            model = apps.get_model(source.removeprefix("admin_object:"))
            first = model._default_manager.order_by("pk").first()
            # A missing object still answers (the admin redirects an admin to its index).
            return str(first.pk) if first is not None else "0"
        return self.values[source]


@pytest.fixture
def world(db: None) -> World:
    learner = UserFactory(username="lena", role="learner")
    other_learner = UserFactory(username="omar", role="learner")
    manager = UserFactory(username="maya", role="manager")
    other_manager = UserFactory(username="otto", role="manager")
    admin = UserFactory(username="ada", role="admin")
    team = TeamFactory(name="Analysts", slug="analysts")
    team.members.add(learner)
    team.managers.add(manager)
    other_team = TeamFactory(name="Sales", slug="sales")
    other_team.members.add(other_learner)
    other_team.managers.add(other_manager)

    course_package_import(path=settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    module = course.modules.order_by("order").first()
    attempt = quiz_attempt_start(user=learner, module=module)
    question = Question.objects.get(pk=quiz_attempt_next_question(attempt=attempt))
    submission_id = uuid.uuid4()
    answered = response_submit(user=learner, question=question, module=module, submission_id=submission_id,
                               answer=simulated_answer(question, True, random.Random(1)), quiz_attempt=attempt)
    next_id = quiz_attempt_next_question(attempt=attempt)
    open_question = Question.objects.get(pk=next_id) if next_id else question
    entry, _ = diary_entry_create(user=learner, submission_id=uuid.uuid4(), studied="Reading charts", shared=True)
    token, _ = api_token_create(user=learner)
    image = ModuleImage.objects.order_by("pk").first()
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=manager, name="Authenticator app", confirmed=True)
    # One row of each admin-only record, so their pages answer about a real object.
    coach_note_create(learner=learner, author=manager, text="Ask about the charts module.")
    RollupCursor.objects.create(name="matrix")
    version = ModelVersion.objects.create(name="skill_elo", artifact="none.pt", sha256="0" * 64)
    ModelHealthCheck.objects.create(model_version=version, computed_at=timezone.now(), window_days=7, responses=0,
                                    learners=0)
    values = {
        "reset_uid": urlsafe_base64_encode(force_bytes(learner.pk)),
        "reset_token": default_token_generator.make_token(learner),
        "team_slug": team.slug,
        "unsubscribe_token": unsubscribe_token(learner.pk, "assignments"),
        "calendar_token": calendar_feed_renew(user=learner).token,
        "course_slug": course.slug,
        "course_id": str(course.pk),
        "course_content_type_id": str(ContentType.objects.get_for_model(Course).pk),
        "module_slug": module.slug,
        "module_id": module.pk,
        "attempt_id": attempt.pk,
        "open_question_id": open_question.pk,
        "submission_id": submission_id,
        "response_id": answered.response.pk,
        "image_id": image.pk,
        "image_filename": image.filename,
        "entry_id": entry.pk,
        "learner_id": learner.pk,
        "token_id": token.token_key,
        "question_key": Question.objects.order_by("key").first().key,
        "skill_slug": Skill.objects.order_by("slug").first().slug,
        "totp_device_id": device.pk,
    }
    users = {"learner": learner, "other_learner": other_learner, "manager": manager,
             "other_manager": other_manager, "admin": admin}
    return World(users, values)


LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _verdict(response: Any, rule: Rule) -> str:
    """"allowed", "refused", or what is wrong with the answer."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 405:
        return "405: the table names a method the route does not take"
    if status in (401, 403, 404):
        return "refused"
    if status in (301, 302, 303, 307, 308) and response["Location"].startswith(LOGIN_PAGES):
        return "allowed" if rule.sign_in_flow else "refused"
    return "allowed"


def request(client: Client, rule: Rule, url: str) -> Any:
    if rule.query:
        url = f"{url}?{urlencode(rule.query)}"
    if rule.method == "get":
        return client.get(url)
    if rule.json:
        return getattr(client, rule.method)(url, rule.data or {}, content_type="application/json")
    return getattr(client, rule.method)(url, rule.data)


def url_for(route: Route, rule: Rule, world: World) -> tuple[str, Rule]:
    """The route's URL filled with the world's things, and the rule with its query filled too."""
    kwargs = {name: world.argument(source) for name, source in rule.args.items()}
    rule = replace(rule, query={name: world.argument(source) for name, source in rule.query.items()})
    if route.key == ADMIN_CATCH_ALL or route.key.startswith("admin/"):
        url = "/" + re.sub(r"<path:object_id>", str(kwargs.get("object_id", "")), route.pattern)
        url = url.replace("(?P<url>.*)$", str(kwargs.get("url", "")))
    else:
        url = reverse(route.key, kwargs=kwargs)
    return url, rule


def _outcomes(route: Route, rule: Rule, world: World) -> dict[str, str]:
    url, rule = url_for(route, rule, world)
    outcomes = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        # Each request in its own savepoint: a sign-out or a revoked address must not change the
        # next person's answer.
        with transaction.atomic():
            outcomes[role] = _verdict(request(client, rule, url), rule)
            transaction.set_rollback(True)
    return outcomes


def test_it_has_a_rule_for_every_route():
    missing = sorted(route.key for route in all_routes() if rule_for(route) is None)
    assert not missing, ("Routes without an entry in RULES (tests/lms/test_authorization_matrix.py); "
                         f"add who may use each: {missing}")


def test_it_gives_each_person_exactly_the_access_the_table_says(world, settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    mismatches, checked = [], 0
    for route in all_routes():
        rule = rule_for(route)
        if rule is None:
            continue  # reported by the test above
        for role, verdict in _outcomes(route, rule, world).items():
            checked += 1
            expected = "allowed" if role in rule.allowed else "refused"
            if verdict != expected:
                mismatches.append(f"{route.key} ({rule.method.upper()}) as {role}: {verdict}, expected {expected}")
    assert checked >= 6 * 200
    assert not mismatches, "\n".join(mismatches)
