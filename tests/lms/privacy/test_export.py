"""The learner's download of their own data: POST /accounts/me/data/."""

from __future__ import annotations

import io
import json
import zipfile

from django.urls import reverse

from lms.privacy.models import AuditEvent
from tests.lms.conftest import People, client_for
from tests.lms.privacy.conftest import Catalogue

FILES = {"README.txt", "profile.json", "enrollments.json", "quiz_attempts.json", "answers.json",
         "module_completions.json", "learner_state.json", "decisions.json", "diary.json", "assignments.json",
         "emails.json", "account_history.json"}


def download(user: object) -> dict[str, object]:
    response = client_for(user).post(reverse("data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="pathwise-data-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode() if name.endswith(".txt") else json.loads(archive.read(name))
            for name in archive.namelist()}


def test_it_holds_every_file_with_the_learners_history(people: People, histories: Catalogue) -> None:
    files = download(people.learner)
    assert set(files) == FILES
    readme = files["README.txt"]
    for name in FILES - {"README.txt"}:
        assert name in readme, f"the README does not describe {name}"
    profile = files["profile.json"]
    assert profile["username"] == "alice" and profile["email"] == "alice@example.org"
    assert profile["role"] == "learner" and profile["teams"] == ["Analysts"]
    assert profile["calendar_feed"]["on"] is True
    answers = files["answers.json"]
    assert [a["correct"] for a in answers] == [True, False, True, True]
    assert answers[0]["question"] == "mean-0" and answers[0]["answer_text"] == ["4"]
    assert answers[1]["answer_text"] == ["3"]
    assert files["enrollments.json"][0]["course"] == "stats"
    assert len(files["quiz_attempts.json"]) == 1
    state = files["learner_state.json"]
    assert set(state["mastery"]) == {"averages"} and state["answers_seen"] == 4
    decisions = files["decisions.json"]
    assert decisions and all(d["reason"] for d in decisions)
    assert {d["after_answer"] for d in decisions} - {None} <= {a["id"] for a in answers}  # None: the first question
    assert files["diary.json"][0]["studied"] == "Alice's notes on the mean"
    assert files["assignments.json"][0]["module"] == "means"
    assert files["assignments.json"][0]["assigned_by"] == "maria"
    assert files["emails.json"][0]["kind"] == "assigned"
    assert any(e["event"] == "sign_in" for e in files["account_history.json"])


def test_it_never_includes_another_learners_data(people: People, histories: Catalogue) -> None:
    files = download(people.learner)
    text = json.dumps({k: v for k, v in files.items() if k != "README.txt"})
    assert "bob" not in text and "Bob's notes" not in text
    bob_answers = set(people.teammate.responses.values_list("id", flat=True))
    assert not bob_answers & {a["id"] for a in files["answers.json"]}
    assert len(files["answers.json"]) == 4 and len(files["diary.json"]) == 1


def test_it_gives_team_assignments_too(people: People, catalogue: Catalogue) -> None:
    from adaptive.services import assignment_create

    assignment_create(module=catalogue.module, assigned_by=people.manager, team=people.team)
    assignment_create(module=catalogue.module, assigned_by=people.admin, team=people.other_team)
    files = download(people.learner)
    assert [a["to"] for a in files["assignments.json"]] == ["team Analysts"]


def test_it_works_for_a_new_learner_with_no_history(people: People) -> None:
    files = download(people.outsider)
    assert files["answers.json"] == [] and files["decisions.json"] == []
    assert files["learner_state.json"] is None


def test_it_is_recorded_in_the_audit_log(people: People, histories: Catalogue) -> None:
    download(people.learner)
    download(people.learner)
    events = AuditEvent.objects.filter(event=AuditEvent.DATA_EXPORTED, subject=people.learner)
    assert events.count() == 2
    assert events.first().detail == {"answers": 4, "decisions": people.learner.decisions.count()}
    assert events.first().actor == people.learner


def test_it_refuses_a_get(people: People) -> None:
    assert client_for(people.learner).get(reverse("data_export")).status_code == 405
    assert not AuditEvent.objects.filter(event=AuditEvent.DATA_EXPORTED).exists()


def test_it_asks_a_visitor_to_sign_in(client: object) -> None:
    response = client.post(reverse("data_export"))  # type: ignore[attr-defined]
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_account_page_offers_the_download_and_the_deletion(people: People) -> None:
    page = client_for(people.learner).get(reverse("account")).content.decode()
    assert f'action="{reverse("data_export")}"' in page
    assert f'href="{reverse("account_delete")}"' in page
    assert 'id="privacy-heading"' in page
