from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from adaptive.models import Assignment
from lms.learning.models import ModuleCompletion
from lms.notifications.models import Email
from lms.notifications.services import email_settings_update
from lms.notifications.tasks import EMAIL_RETRIES, send_assignment_emails, send_email
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory


def _module(title: str = "Averages") -> object:
    return ModuleFactory(course=CourseFactory(title="Statistics", published=True), title=title)


def _assign(people, module, *, learner=None, due=None):
    data = {"module": module.pk, "due": due.isoformat() if due else ""}
    data.update({"learners": [str(learner.pk)]} if learner else {"whole_team": "on"})
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task is queued once the assignment commits
        return client_for(people.manager).post(reverse("team_detail", args=["analysts"]), data)


def _unsubscribe_path(body: str) -> str:
    match = re.search(r"http://testserver(/email/unsubscribe/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_it_emails_the_learner_when_a_module_is_assigned(people, inbox) -> None:
    module = _module()
    due = timezone.localdate() + timedelta(days=10)
    assert _assign(people, module, learner=people.learner, due=due).status_code == 302
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "alice@example.org"
    assert message["Subject"] == f"New module assigned: Statistics: Averages (due {due:%A} {due.day} {due:%B %Y})"
    body = inbox.body(message)
    assert "maria assigned you a module" in body
    assert f"Due: {due:%A} {due.day} {due:%B %Y}" in body
    assert f"http://testserver/courses/{module.course.slug}/{module.slug}/" in body
    assert message["List-Unsubscribe"].strip() == f"<http://testserver{_unsubscribe_path(body)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Email.objects.get().status == Email.SENT


def test_it_emails_every_member_when_a_team_is_assigned(people, inbox) -> None:
    _assign(people, _module())
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == ["alice@example.org", "bob@example.org"]
    assert "Due" not in inbox.messages[0]["Subject"]


def test_it_sends_nothing_twice_when_the_task_runs_again(people, inbox) -> None:
    module = _module()
    _assign(people, module, learner=people.learner)
    assignment = Assignment.objects.get()
    send_assignment_emails.delay(assignment.pk)
    send_assignment_emails.delay(assignment.pk)
    _assign(people, module, learner=people.learner)  # assigned again: the same assignment
    assert len(inbox.messages) == 1
    assert Email.objects.count() == 1


def test_it_sends_nothing_to_a_learner_who_opted_out(people, inbox) -> None:
    email_settings_update(user=people.learner, assignments=False)
    _assign(people, _module())
    assert [m["X-Envelope-To"] for m in inbox.messages] == ["bob@example.org"]


def test_it_sends_nothing_to_a_learner_who_completed_the_module(people, inbox) -> None:
    module = _module()
    ModuleCompletion.objects.create(user=people.learner, module=module, completed_at=timezone.now())
    _assign(people, module, learner=people.learner)
    assert inbox.messages == []


def test_it_sends_nothing_to_a_learner_without_an_address(people, inbox) -> None:
    people.learner.email = ""
    people.learner.save()
    _assign(people, _module(), learner=people.learner)
    assert inbox.messages == []


def test_the_unsubscribe_link_turns_the_emails_off(people, inbox) -> None:
    _assign(people, _module("Averages"), learner=people.learner)
    path = _unsubscribe_path(inbox.body(inbox.messages[0]))
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200 and "Stop getting emails about modules assigned to you" in page.content.decode()
    assert Email.objects.count() == 1  # a GET changes nothing
    done = client.post(path, {"List-Unsubscribe": "One-Click"})  # as a mail provider posts it (RFC 8058)
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    assert client.post(path).status_code == 200  # again: still off, no error
    _assign(people, _module("Medians"), learner=people.learner)
    assert len(inbox.messages) == 1


def test_it_refuses_a_changed_unsubscribe_link(people, inbox) -> None:
    _assign(people, _module(), learner=people.learner)
    path = _unsubscribe_path(inbox.body(inbox.messages[0]))
    forged = path.replace(path.split("/")[3], path.split("/")[3][:-2] + "xx")
    for response in (Client().get(forged), Client().post(forged), Client().get("/email/unsubscribe/nonsense/")):
        assert response.status_code == 404
        assert "This unsubscribe link does not work" in response.content.decode()
    assert Client().put(path).status_code == 405


def test_it_retries_when_the_mail_server_is_busy(people, inbox) -> None:
    inbox.refuse = 1
    _assign(people, _module(), learner=people.learner)  # refused with a 451: the task retries later
    email = Email.objects.get()
    assert (email.status, email.attempts, inbox.messages) == (Email.PENDING, 1, [])
    assert "451" in email.error
    send_email.apply(args=[email.pk], retries=1)  # the retry
    send_email.apply(args=[email.pk], retries=1)  # the same message delivered twice
    assert [m["X-Envelope-To"] for m in inbox.messages] == ["alice@example.org"]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.SENT, 2)


def test_it_marks_the_email_failed_after_the_last_retry(people, inbox) -> None:
    inbox.refuse = 100
    _assign(people, _module(), learner=people.learner)
    email = Email.objects.get()
    send_email.apply(args=[email.pk], retries=EMAIL_RETRIES)
    email.refresh_from_db()
    assert (email.status, email.attempts, inbox.messages) == (Email.FAILED, 2, [])


def test_it_gives_up_on_a_permanent_refusal(people, inbox) -> None:
    inbox.reject = True
    _assign(people, _module(), learner=people.learner)
    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.FAILED, 1)
    assert "554" in email.error
