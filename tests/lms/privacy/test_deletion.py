"""Deletion: the learner asks (/accounts/me/delete/), an admin executes it from the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.urls import reverse
from knox.models import AuthToken

from adaptive.models import Decision, LearnerState
from lms.analytics.models import QuestionStats, SkillCurve
from lms.analytics.services import course_content_refresh
from lms.diary.models import DiaryEntry
from lms.learning.models import Enrollment, QuizAttempt, Response
from lms.notifications.models import CalendarFeed, Email
from lms.privacy.models import AuditEvent, DeletionRequest
from lms.privacy.services import DeletionRefused, deletion_request_create, deletion_request_execute
from tests.lms.conftest import People, client_for
from tests.lms.privacy.conftest import Catalogue

User = get_user_model()


# --- Asking --------------------------------------------------------------------------------------

def test_it_explains_what_happens_before_asking(people: People) -> None:
    page = client_for(people.learner).get(reverse("account_delete")).content.decode()
    assert "<h1>Delete your account</h1>" in page
    assert "What will be deleted" in page and "What will be kept, without your name" in page
    assert 'for="id_confirm"' in page
    assert not DeletionRequest.objects.exists()


def test_it_records_the_request_once_confirmed(people: People) -> None:
    client = client_for(people.learner)
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#privacy")
    request = DeletionRequest.objects.get()
    assert (request.user, request.user_ref, request.username, request.status) == (
        people.learner, people.learner.pk, "alice", DeletionRequest.REQUESTED)
    assert AuditEvent.objects.filter(event=AuditEvent.DELETION_REQUESTED, subject=people.learner).count() == 1
    page = client.get(reverse("account_delete")).content.decode()
    assert "You asked for your account to be deleted" in page


def test_asking_again_changes_nothing(people: People) -> None:
    client = client_for(people.learner)
    client.post(reverse("account_delete"), {"confirm": "on"})
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert DeletionRequest.objects.count() == 1
    assert AuditEvent.objects.filter(event=AuditEvent.DELETION_REQUESTED).count() == 1


def test_it_refuses_without_the_confirmation(people: People) -> None:
    response = client_for(people.learner).post(reverse("account_delete"), {})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert not DeletionRequest.objects.exists()


def test_the_learner_can_withdraw(people: People) -> None:
    client = client_for(people.learner)
    client.post(reverse("account_delete"), {"confirm": "on"})
    assert client.post(reverse("account_delete_withdraw")).status_code == 302
    assert DeletionRequest.objects.get().status == DeletionRequest.WITHDRAWN
    assert client.post(reverse("account_delete_withdraw")).status_code == 302  # again: nothing to withdraw
    assert AuditEvent.objects.filter(event=AuditEvent.DELETION_WITHDRAWN).count() == 1
    client.post(reverse("account_delete"), {"confirm": "on"})  # and ask again later
    assert DeletionRequest.objects.filter(status=DeletionRequest.REQUESTED).count() == 1


def test_it_refuses_other_methods_and_visitors(people: People, client: object) -> None:
    assert client_for(people.learner).put(reverse("account_delete")).status_code == 405
    assert client_for(people.learner).get(reverse("account_delete_withdraw")).status_code == 405
    response = client.post(reverse("account_delete"), {"confirm": "on"})  # type: ignore[attr-defined]
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not DeletionRequest.objects.exists()


# --- Executing -----------------------------------------------------------------------------------

def course_figures(catalogue: Catalogue) -> dict[str, object]:
    """What the dashboards show about the course and its questions, recomputed from the log."""
    course_content_refresh(course_id=catalogue.course.pk)
    responses = Response.objects.filter(course=catalogue.course)
    return {
        "questions": sorted(QuestionStats.objects.filter(course=catalogue.course).values_list(
            "question_id", "attempts", "first_attempts", "first_correct", "facility", "discrimination")),
        "curves": sorted(SkillCurve.objects.filter(course=catalogue.course).values_list("skill", "points")),
        "totals": responses.aggregate(n=Count("id"), correct=Sum("score"), time=Sum("time_taken_ms"),
                                      learners=Count("user", distinct=True)),
        "enrolments": Enrollment.objects.filter(course=catalogue.course).count(),
    }


def ask(user: object) -> DeletionRequest:
    return deletion_request_create(user=user)[0]


def test_it_keeps_the_answers_anonymised_and_the_aggregates_unchanged(people: People, histories: Catalogue) -> None:
    learner_id = people.learner.pk
    before = course_figures(histories)
    answers_before = list(Response.objects.filter(user_id=learner_id).order_by("id").values_list(
        "id", "question_id", "is_correct", "score", "time_taken_ms", "created"))
    assert deletion_request_execute(request_id=ask(people.learner).pk, executed_by=people.admin) is True

    assert course_figures(histories) == before
    assert before["totals"]["learners"] == 2  # one placeholder per deleted learner: still two learners
    request = DeletionRequest.objects.get()
    placeholder = request.anonymous_user
    assert list(Response.objects.filter(user=placeholder).order_by("id").values_list(
        "id", "question_id", "is_correct", "score", "time_taken_ms", "created")) == answers_before
    assert QuizAttempt.objects.filter(user=placeholder).count() == 1
    assert placeholder.username.startswith("deleted-") and "alice" not in placeholder.username
    assert (placeholder.email, placeholder.first_name, placeholder.is_active) == ("", "", False)
    assert not placeholder.has_usable_password()
    assert not placeholder.groups.exists() and not placeholder.teams.exists()
    assert request.status == DeletionRequest.EXECUTED and request.username == "" and request.user is None
    assert request.summary["kept_anonymised"]["answers"] == 4


def test_it_deletes_everything_else(people: People, histories: Catalogue) -> None:
    from lms.accounts.services import api_token_create

    learner_id = people.learner.pk
    api_token_create(user=people.learner)
    assert LearnerState.objects.filter(user_id=learner_id).exists()
    assert Decision.objects.filter(user_id=learner_id).exists()
    deletion_request_execute(request_id=ask(people.learner).pk, executed_by=people.admin)

    assert not User.objects.filter(pk=learner_id).exists()
    assert not User.objects.filter(username="alice").exists()
    for model, field in ((LearnerState, "user_id"), (Decision, "user_id"), (DiaryEntry, "user_id"),
                         (CalendarFeed, "user_id"), (Email, "recipient_id"), (AuthToken, "user_id"),
                         (Response, "user_id"), (Enrollment, "user_id")):
        assert not model.objects.filter(**{field: learner_id}).exists(), model.__name__
    placeholder = DeletionRequest.objects.get().anonymous_user
    assert not LearnerState.objects.filter(user=placeholder).exists()
    assert not Decision.objects.filter(user=placeholder).exists()
    assert not DiaryEntry.objects.filter(studied__contains="Alice").exists()
    assert list(people.team.members.all()) == [people.teammate]
    # The teammate's own history is untouched.
    assert Response.objects.filter(user=people.teammate).count() == 4
    assert DiaryEntry.objects.filter(user=people.teammate).count() == 1
    assert LearnerState.objects.filter(user=people.teammate).exists()


def test_a_second_execution_is_a_no_op(people: People, histories: Catalogue) -> None:
    request = ask(people.learner)
    assert deletion_request_execute(request_id=request.pk, executed_by=people.admin) is True
    users, events = User.objects.count(), AuditEvent.objects.count()
    assert deletion_request_execute(request_id=request.pk, executed_by=people.admin) is False
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_a_withdrawn_request_is_not_executed(people: People, histories: Catalogue) -> None:
    from lms.privacy.services import deletion_request_withdraw

    request = ask(people.learner)
    deletion_request_withdraw(user=people.learner)
    assert deletion_request_execute(request_id=request.pk, executed_by=people.admin) is False
    assert User.objects.filter(pk=people.learner.pk).exists()


def test_only_admins_execute(people: People, histories: Catalogue) -> None:
    request = ask(people.learner)
    for someone in (people.manager, people.teammate, people.learner):
        with pytest.raises(PermissionDenied):
            deletion_request_execute(request_id=request.pk, executed_by=someone)
    assert User.objects.filter(pk=people.learner.pk).exists()


def test_an_admin_does_not_execute_their_own(people: People) -> None:
    request = ask(people.admin)
    with pytest.raises(DeletionRefused):
        deletion_request_execute(request_id=request.pk, executed_by=people.admin)
    assert DeletionRequest.objects.get().status == DeletionRequest.REQUESTED


def test_it_forgets_the_name_in_the_audit_log(people: People, histories: Catalogue) -> None:
    learner_id = people.learner.pk
    client_for(people.learner)  # a sign-in
    AuditEvent.objects.create(event=AuditEvent.SIGN_IN_FAILED, subject_name="ALICE", ip_address="192.0.2.7")
    deletion_request_execute(request_id=ask(people.learner).pk, executed_by=people.admin)
    assert not AuditEvent.objects.filter(subject_name__iexact="alice").exists()
    assert not AuditEvent.objects.filter(actor_name="alice").exists()
    mine = AuditEvent.objects.filter(subject_ref=learner_id)
    assert mine.filter(event=AuditEvent.SIGN_IN).exists()
    assert set(mine.values_list("subject_name", flat=True)) == {f"deleted user #{learner_id}"}
    assert not mine.exclude(ip_address=None).exists()
    executed = AuditEvent.objects.get(event=AuditEvent.DELETION_EXECUTED)
    assert executed.actor == people.admin and executed.subject_ref == learner_id
    assert executed.detail["deleted"]["diary_entries"] == 1


# --- In the admin --------------------------------------------------------------------------------

def run_action(user: object, request: DeletionRequest) -> object:
    return client_for(user).post(reverse("admin:privacy_deletionrequest_changelist"),
                                 {"action": "execute", "_selected_action": [request.pk]}, follow=True)


def test_an_admin_executes_from_the_admin(people: People, histories: Catalogue) -> None:
    request = ask(people.learner)
    changelist = client_for(people.admin).get(reverse("admin:privacy_deletionrequest_changelist"))
    assert changelist.status_code == 200 and "alice" in changelist.content.decode()
    response = run_action(people.admin, request)
    assert "Deleted 1 account" in response.content.decode()
    assert not User.objects.filter(username="alice").exists()
    response = run_action(people.admin, request)  # again
    assert "1 request was not open" in response.content.decode()
    assert AuditEvent.objects.filter(event=AuditEvent.DELETION_EXECUTED).count() == 1


def test_staff_without_the_permission_cannot_execute(people: People, histories: Catalogue) -> None:
    from django.contrib.auth.models import Permission

    request = ask(people.learner)
    people.manager.is_staff = True  # let into the admin, with view permission only
    people.manager.save()
    people.manager.user_permissions.add(Permission.objects.get(codename="view_deletionrequest"))
    changelist = client_for(people.manager).get(reverse("admin:privacy_deletionrequest_changelist"))
    assert changelist.status_code == 200
    assert 'value="execute"' not in changelist.content.decode()
    run_action(people.manager, request)
    assert User.objects.filter(username="alice").exists()
    assert DeletionRequest.objects.get().status == DeletionRequest.REQUESTED


def test_a_learner_cannot_open_the_admin(people: People, histories: Catalogue) -> None:
    request = ask(people.learner)
    response = client_for(people.learner).post(reverse("admin:privacy_deletionrequest_changelist"),
                                               {"action": "execute", "_selected_action": [request.pk]})
    assert response.status_code in (302, 403)
    assert User.objects.filter(username="alice").exists()
