"""Writes for privacy: audit events, a user's export archive, and deletion requests from asking to
execution."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from adaptive.models import Decision, LearnerState
from lms.analytics.models import CoachNote, EnrollmentStats, LearnerDay
from lms.diary.models import DiaryEntry
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.notifications.models import CalendarFeed, Email
from lms.privacy import selectors
from lms.privacy.middleware import current_request
from lms.privacy.models import AuditEvent, DeletionRequest

User = get_user_model()

README = """\
Your data in Pathwise, exported on {now} for the account "{username}".

Every file is JSON (UTF-8). Times are in UTC, in ISO 8601. Course, module and question names are
their keys ("slugs") as the course authors wrote them.

profile.json            Your account: names, email, role, teams (and teams you manage), email
                        settings, whether your calendar address is on, whether two-factor
                        sign-in is on, and your API tokens (only the first characters: the
                        tokens themselves are never stored).
enrollments.json        The courses you are enrolled in, with your progress in each.
quiz_attempts.json      Each time you started a module quiz or a placement check.
answers.json            Every answer you gave: the question, your answer as stored (for choice
                        questions the choices' ids, and their text in "answer_text"), whether it
                        was right, the score, and how long you took.
module_completions.json The modules you finished, with your best score.
learner_state.json      What the learner model estimates you know: "mastery" is, per skill, the
                        predicted chance that you answer a question on it correctly now;
                        "peak_mastery" the highest it has been. "state_base64" holds the model's
                        own numbers, meaningful only to the model version named. null if none.
decisions.json          Every choice Pathwise made for you (next question, next module), with the
                        reason shown to you, the options it chose from and the model that chose.
diary.json              Your learning diary: what you studied, what helped, how confident you
                        felt per skill, and whether you shared the entry with your managers.
assignments.json        Modules assigned to you or to your teams, with due dates.
emails.json             The notification emails Pathwise sent you or tried to send you.
account_history.json    Sign-ins (and refused sign-ins) to your account, role and team changes,
                        exports and deletion requests, from the audit log.

Notes that managers write about learners are not part of this export; ask an admin for them.
"""


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None

    try:
        return get_client_ip_address(request) or None
    except (KeyError, ValueError):
        return None


def _user_or_none(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None


def audit_record(*, event: str, subject: Any = None, subject_name: str = "", subject_ref: int | None = None,
                 actor: Any = None, request: HttpRequest | None = None,
                 detail: dict[str, Any] | None = None) -> AuditEvent:
    """Write one audit event. The actor and the address come from the request being answered
    unless given: a change made by a task or over SCIM without a signed-in user has no actor."""
    request = request if request is not None else current_request.get()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    actor = _user_or_none(actor)
    subject = _user_or_none(subject) if not isinstance(subject, AnonymousUser) else None
    return AuditEvent.objects.create(
        event=event, subject=subject, subject_ref=subject.pk if subject else subject_ref,
        subject_name=(subject.get_username() if subject else subject_name)[:150],
        actor=actor, actor_ref=actor.pk if actor else None, actor_name=actor.get_username() if actor else "",
        ip_address=client_ip(request), detail=detail or {},
    )


# --- Export --------------------------------------------------------------------------------------

def _write_json(archive: zipfile.ZipFile, name: str, value: Any) -> None:
    archive.writestr(name, json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1))


def _write_json_rows(archive: zipfile.ZipFile, name: str, rows: Iterable[dict[str, Any]]) -> int:
    """A JSON array written row by row, so a long history is never one string in memory."""
    count = 0
    with archive.open(name, "w") as out:
        out.write(b"[")
        for row in rows:
            out.write((",\n" if count else "\n").encode())
            out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False).encode())
            count += 1
        out.write(b"\n]\n" if count else b"]\n")
    return count


def data_export_archive(*, user: Any, request: HttpRequest | None = None) -> bytes:
    """Everything stored about ``user``, as a zip of JSON files with a README.txt saying what each
    holds. Read in one transaction so the files agree with each other; the export is recorded in
    the audit log."""
    buffer = io.BytesIO()
    with transaction.atomic(), zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(now=timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
                                                     username=user.get_username()))
        _write_json(archive, "profile.json", selectors.export_profile(user))
        _write_json(archive, "enrollments.json", selectors.export_enrollments(user))
        _write_json(archive, "quiz_attempts.json", selectors.export_quiz_attempts(user))
        answers = _write_json_rows(archive, "answers.json", selectors.export_answers(user))
        _write_json(archive, "module_completions.json", selectors.export_module_completions(user))
        _write_json(archive, "learner_state.json", selectors.export_learner_state(user))
        decisions = _write_json_rows(archive, "decisions.json", selectors.export_decisions(user))
        _write_json(archive, "diary.json", selectors.export_diary(user))
        _write_json(archive, "assignments.json", selectors.export_assignments(user))
        _write_json(archive, "emails.json", selectors.export_emails(user))
        _write_json(archive, "account_history.json", selectors.export_account_history(user))
        audit_record(event=AuditEvent.DATA_EXPORTED, subject=user, request=request,
                     detail={"answers": answers, "decisions": decisions})
    return buffer.getvalue()


# --- Deletion ------------------------------------------------------------------------------------

@transaction.atomic
def deletion_request_create(*, user: Any, request: HttpRequest | None = None) -> tuple[DeletionRequest, bool]:
    """Record that ``user`` asks for their account to be deleted; a second request while one is
    open returns the open one (and False)."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # two tabs posting at once make one request
    existing = selectors.open_deletion_request(user)
    if existing is not None:
        return existing, False
    created = DeletionRequest.objects.create(user=user, user_ref=user.pk, username=user.get_username())
    audit_record(event=AuditEvent.DELETION_REQUESTED, subject=user, request=request,
                 detail={"request": created.pk})
    return created, True


@transaction.atomic
def deletion_request_withdraw(*, user: Any, request: HttpRequest | None = None) -> bool:
    """The user changed their mind before an admin executed the request. False when none is open."""
    updated = DeletionRequest.objects.filter(user=user, status=DeletionRequest.REQUESTED).update(
        status=DeletionRequest.WITHDRAWN, closed_at=timezone.now())
    if updated:
        audit_record(event=AuditEvent.DELETION_WITHDRAWN, subject=user, request=request)
    return bool(updated)


class DeletionRefused(Exception):
    """The request cannot be executed by this admin (say which, in words)."""


def _anonymous_user() -> Any:
    """A placeholder account for one deleted user's kept answers: no name, no email, no password,
    no role and no team, and it cannot sign in. One per deleted user (not one for everyone), so
    that statistics which count learners or follow a learner's answers in order (item
    discrimination, learning curves, the learner model's training data) stay as they were."""
    placeholder = User(username=f"deleted-{secrets.token_hex(8)}", is_active=False)
    placeholder.set_unusable_password()
    placeholder.save()
    return placeholder


def deletion_request_execute(*, request_id: int, executed_by: Any) -> bool:
    """Delete the account of an open request, in one transaction.

    Answers, quiz attempts, enrolments and module completions (and the dashboards' rollups of them)
    move to a new placeholder account, so item statistics, learning curves and course-wide figures
    stay as they were; everything else about the person is deleted with the account: profile,
    learner state, decisions, diary, email records and settings, calendar address, API tokens,
    authenticator apps, team memberships, individual assignments, managers' notes, sign-in lockout
    records. Their audit events keep their id and lose their name and addresses.

    Returns False, changing nothing, when the request is not open (executed already, withdrawn):
    a second execution is a no-op. Raises PermissionDenied for someone who may not execute
    requests, and DeletionRefused for an admin's own account.
    """
    if not executed_by.has_perm("privacy.execute_deletionrequest"):
        raise PermissionDenied("Only admins may execute deletion requests.")
    with transaction.atomic():
        claimed = DeletionRequest.objects.select_for_update().filter(pk=request_id).first()
        if claimed is None or claimed.status != DeletionRequest.REQUESTED or claimed.user_id is None:
            return False
        if claimed.user_id == executed_by.pk:
            raise DeletionRefused("An admin's own account is deleted by another admin.")
        user = User.objects.select_for_update().get(pk=claimed.user_id)
        former_id, former_name = user.pk, user.get_username()
        placeholder = _anonymous_user()
        summary: dict[str, Any] = {"kept_anonymised": {}, "deleted": {}}
        kept = summary["kept_anonymised"]
        for label, model in (("answers", Response), ("quiz_attempts", QuizAttempt), ("enrollments", Enrollment),
                             ("module_completions", ModuleCompletion), ("enrollment_stats", EnrollmentStats),
                             ("learner_days", LearnerDay)):
            kept[label] = model.objects.filter(user=user).update(user=placeholder)
        deleted = summary["deleted"]
        deleted["learner_state"] = LearnerState.objects.filter(user=user).count()
        deleted["decisions"] = Decision.objects.filter(user=user).count()
        deleted["diary_entries"] = DiaryEntry.objects.filter(user=user).count()
        deleted["emails"] = Email.objects.filter(recipient=user).count()
        deleted["calendar_feed"] = CalendarFeed.objects.filter(user=user).count()
        deleted["coach_notes"] = CoachNote.objects.filter(learner=user).count()
        deleted["teams_left"] = user.teams.count() + user.managed_teams.count()
        deleted["lockout_records"] = _delete_sign_in_records(former_name)
        _forget_in_audit_log(former_id, former_name)
        user.delete()  # the rest goes with the account (on_delete=CASCADE)
        DeletionRequest.objects.filter(user_ref=former_id).update(username="")  # earlier, withdrawn ones too
        claimed.status, claimed.closed_at, claimed.executed_by = DeletionRequest.EXECUTED, timezone.now(), executed_by
        claimed.user, claimed.anonymous_user, claimed.summary, claimed.username = None, placeholder, summary, ""
        claimed.save()
        audit_record(event=AuditEvent.DELETION_EXECUTED, subject_name=f"deleted user #{former_id}",
                     subject_ref=former_id, actor=executed_by, detail={"request": claimed.pk, **summary})
    return True


def _delete_sign_in_records(username: str) -> int:
    """django-axes keeps refused sign-ins by username, not by account."""
    return sum(model.objects.filter(username__iexact=username).delete()[0]
               for model in (AccessAttempt, AccessFailureLog, AccessLog))


def _forget_in_audit_log(user_id: int, username: str) -> None:
    """Keep what happened to the account and what it did, but not who it was (refused sign-ins
    under its name included)."""
    name = f"deleted user #{user_id}"
    AuditEvent.objects.filter(subject_ref=user_id).update(subject_name=name, ip_address=None)
    AuditEvent.objects.filter(subject_ref__isnull=True, subject_name__iexact=username).update(
        subject_name=name, ip_address=None)
    AuditEvent.objects.filter(actor_ref=user_id).update(actor_name=name)


def audit_events_purge(*, older_than_days: int) -> int:
    """Delete audit events past their retention period; returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    return AuditEvent.objects.filter(created__lt=cutoff).delete()[0]
