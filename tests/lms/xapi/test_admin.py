from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from lms.xapi.models import Statement
from lms.xapi.statements import statement_id
from tests.lms.conftest import client_for

URL = reverse("admin:xapi_statement_changelist")


def _statement(user: Any, source: str, **fields: Any) -> Statement:
    sid = statement_id(source)
    return Statement.objects.create(id=sid, verb="answered", user=user, payload={"id": str(sid)}, **fields)


@pytest.fixture
def outbox(people: Any) -> dict[str, Statement]:
    return {"pending": _statement(people.learner, "answer:1"),
            "failing": _statement(people.learner, "answer:2", attempts=3,
                                  last_error="the LRS answered 503: maintenance"),
            "sent": _statement(people.learner, "answer:3", sent_at=timezone.now())}


def test_it_shows_the_outbox_with_its_counts_to_admins(people: Any, outbox: dict[str, Statement]) -> None:
    page = client_for(people.admin).get(URL)
    assert page.status_code == 200
    assert "1 pending, 1 failing, 1 sent" in page.content.decode()


@pytest.mark.parametrize("state", ["pending", "failing", "sent"])
def test_it_filters_the_outbox_by_state(people: Any, outbox: dict[str, Statement], state: str) -> None:
    page = client_for(people.admin).get(URL, {"state": state})
    assert list(page.context["cl"].result_list) == [outbox[state]]


def test_it_shows_the_last_error_of_a_failing_statement(people: Any, outbox: dict[str, Statement]) -> None:
    page = client_for(people.admin).get(reverse("admin:xapi_statement_change", args=[outbox["failing"].pk]))
    assert page.status_code == 200 and "the LRS answered 503: maintenance" in page.content.decode()


def test_it_keeps_learners_and_managers_out(people: Any, outbox: dict[str, Statement]) -> None:
    for user in (people.learner, people.manager):
        assert client_for(user).get(URL).status_code == 302


def test_it_sends_selected_statements_again(people: Any, outbox: dict[str, Statement], settings: Any) -> None:
    settings.PATHWISE_XAPI_ENDPOINT = ""  # the task runs eagerly and, with xAPI off, sends nothing
    failing = outbox["failing"]
    Statement.objects.filter(pk=failing.pk).update(next_try_at=timezone.now() + timezone.timedelta(hours=1))
    page = client_for(people.admin).post(URL, {"action": "send_again", "_selected_action": [failing.pk]}, follow=True)
    failing.refresh_from_db()
    assert failing.next_try_at <= timezone.now()
    assert "1 statement(s) will be sent again in a moment." in page.content.decode()


def test_it_cannot_edit_or_add_statements(people: Any, outbox: dict[str, Statement]) -> None:
    client = client_for(people.admin)
    assert client.get(reverse("admin:xapi_statement_add")).status_code == 403
    page = client.post(reverse("admin:xapi_statement_change", args=[outbox["pending"].pk]), {"verb": "mastered"})
    assert page.status_code == 403
    assert Statement.objects.get(pk=outbox["pending"].pk).verb == "answered"


def test_it_refuses_a_resend_while_xapi_is_off(db: None, settings: Any) -> None:
    settings.PATHWISE_XAPI_ENDPOINT = ""
    with pytest.raises(CommandError, match="xAPI is off"):
        call_command("xapi_resend")


def test_it_refuses_contradictory_resend_options(db: None, settings: Any) -> None:
    settings.PATHWISE_XAPI_ENDPOINT = "http://127.0.0.1:9/xAPI/"
    with pytest.raises(CommandError, match="not both"):
        call_command("xapi_resend", "--failing", "--all")
