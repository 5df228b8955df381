"""Reads for privacy: everything stored about one user, file by file, as the export archive holds
it. Every query here filters on that one user (or on teams they are in), so no one else's data can
end up in their archive."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from adaptive.models import Assignment, Decision, LearnerState
from lms.accounts.roles import role_of
from lms.content.models import Choice
from lms.diary.models import DiaryEntry
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.notifications.models import CalendarFeed, Email, EmailSettings
from lms.privacy.models import AuditEvent, DeletionRequest

# Rows are read in chunks: a long history is thousands of answers and decisions.
CHUNK = 2000


def open_deletion_request(user: User) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status=DeletionRequest.REQUESTED).first()


def export_profile(user: Any) -> dict[str, Any]:
    email_settings = EmailSettings.objects.filter(user=user).first()
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user),
        "active": user.is_active,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "teams": sorted(user.teams.values_list("name", flat=True)),
        "teams_managed": sorted(user.managed_teams.values_list("name", flat=True)),
        "email_settings": {
            "assignments": email_settings.assignments if email_settings else True,
            "team_digest": email_settings.team_digest if email_settings else True,
        },
        "calendar_feed": {"on": feed is not None, "created": feed.created if feed else None},
        "two_factor_sign_in": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "api_tokens": [{"starts_with": t.token_key, "created": t.created, "expires": t.expiry}
                       for t in AuthToken.objects.filter(user=user).order_by("created")],
    }


def export_enrollments(user: User) -> list[dict[str, Any]]:
    return [{
        "course": e.course.slug, "course_title": e.course.title, "path": e.path, "enrolled": e.created,
        "completed": e.completed_at, "modules_completed": e.modules_completed, "modules_total": e.modules_total,
        "questions_answered": e.questions_answered, "correct_answers": e.correct_answers,
        "last_activity": e.last_activity,
    } for e in Enrollment.objects.filter(user=user).select_related("course").order_by("created")]


def export_quiz_attempts(user: User) -> list[dict[str, Any]]:
    return [{
        "id": str(a.id), "kind": a.kind, "course": a.course.slug, "module": a.module.slug if a.module else None,
        "number": a.number, "started": a.started_at, "finished": a.finished_at,
    } for a in QuizAttempt.objects.filter(user=user).select_related("course", "module").order_by("started_at")]


def export_module_completions(user: User) -> list[dict[str, Any]]:
    return [{"course": c.module.course.slug, "module": c.module.slug, "module_title": c.module.title,
             "completed": c.completed_at, "best_score": c.best_score}
            for c in ModuleCompletion.objects.filter(user=user).select_related("module__course")
            .order_by("completed_at")]


def _id_text(value: object) -> str | None:
    """A nullable id (a UUID) as text. django-stubs types the ids of a nullable foreign key in
    ``values()`` as never None, hence ``object``."""
    return None if value is None else str(value)


def export_answers(user: User) -> Iterator[dict[str, Any]]:
    responses = (Response.objects.filter(user=user).order_by("created", "id")
                 .values("id", "created", "shown_at", "course__slug", "module__slug", "quiz_attempt_id",
                         "question_id", "question__key", "question__stem", "question__type", "answer",
                         "is_correct", "score", "time_taken_ms", "attempt_number"))
    choice_text: dict[int, str] = {}
    for r in responses.iterator(chunk_size=CHUNK):
        row = {
            "id": r["id"], "answered": r["created"], "shown": r["shown_at"], "course": r["course__slug"],
            "module": r["module__slug"],
            "quiz_attempt": _id_text(r["quiz_attempt_id"]),
            "question": r["question__key"], "question_text": r["question__stem"], "answer": r["answer"],
            "correct": r["is_correct"], "score": r["score"], "time_taken_ms": r["time_taken_ms"],
            "attempt_number": r["attempt_number"],
        }
        if r["question__type"] in ("single_choice", "multiple_choice"):
            ids = r["answer"] if isinstance(r["answer"], list) else [r["answer"]]
            missing = [i for i in ids if isinstance(i, int) and i not in choice_text]
            if missing:
                # One question's choices at a time: a learner meets each question a few times at most.
                choice_text.update(Choice.objects.filter(question_id=r["question_id"]).values_list("id", "text"))
            row["answer_text"] = [choice_text.get(i, "") for i in ids if isinstance(i, int)]
        yield row


def export_learner_state(user: User) -> dict[str, Any] | None:
    state = LearnerState.objects.filter(user=user).select_related("model_version").first()
    if state is None:
        return None
    version = state.model_version
    return {
        "mastery": state.mastery, "peak_mastery": state.peak_mastery, "answers_seen": state.responses_seen,
        "model": f"{version.name} #{version.pk}" if version else None, "updated": state.updated,
        "state_base64": base64.b64encode(bytes(state.state)).decode("ascii"),
    }


def export_decisions(user: User) -> Iterator[dict[str, Any]]:
    decisions = (Decision.objects.filter(user=user).order_by("created", "id")
                 .values("created", "kind", "course__slug", "response_id", "quiz_attempt_id", "question__key",
                         "module__slug", "stop", "decision_kind", "reason", "candidates", "mastery",
                         "model_version__name", "model_version_id", "source"))
    for d in decisions.iterator(chunk_size=CHUNK):
        yield {
            "decided": d["created"], "kind": d["kind"], "course": d["course__slug"], "after_answer": d["response_id"],
            "quiz_attempt": _id_text(d["quiz_attempt_id"]),
            "question": d["question__key"], "module": d["module__slug"], "quiz_ends": d["stop"] or None,
            "decision": d["decision_kind"], "reason": d["reason"], "candidates": d["candidates"],
            "mastery": d["mastery"], "source": d["source"],
            "model": f"{d['model_version__name']} #{d['model_version_id']}" if d["model_version_id"] else None,
        }


def export_diary(user: User) -> list[dict[str, Any]]:
    entries = DiaryEntry.objects.filter(user=user).select_related("module").prefetch_related("ratings__skill")
    return [{
        "written": e.created, "module": e.module.slug if e.module else None, "studied": e.studied,
        "methods": e.method_labels(), "shared_with_managers": e.shared_with_managers,
        "confidence": [{"skill": r.skill.slug, "rating": r.rating, "mastery_then": r.mastery_at_rating}
                       for r in e.ratings.all()],
    } for e in entries.order_by("created", "id")]


def assignments_of(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(Q(learner=user) | Q(team__members=user)).distinct()


def export_assignments(user: User) -> list[dict[str, Any]]:
    rows = assignments_of(user).select_related("module__course", "team", "assigned_by").order_by("created", "id")
    return [{
        "course": a.module.course.slug, "module": a.module.slug, "module_title": a.module.title, "due": a.due,
        "to": f"team {a.team.name}" if a.team is not None else "you", "assigned": a.created,
        "assigned_by": a.assigned_by.get_username() if a.assigned_by else None,
    } for a in rows]


def export_emails(user: User) -> list[dict[str, Any]]:
    emails = Email.objects.filter(recipient=user).select_related("assignment__module").order_by("created", "id")
    return [{
        "kind": e.kind, "about_module": e.assignment.module.slug if e.assignment else None, "due": e.due,
        "period": e.period, "status": e.status, "created": e.created, "sent": e.sent_at,
    } for e in emails]


def export_account_history(user: User) -> list[dict[str, Any]]:
    return [{"when": e.created, "event": e.event, "ip_address": e.ip_address, "detail": e.detail}
            for e in AuditEvent.objects.filter(subject_ref=user.pk).order_by("created", "id")]
