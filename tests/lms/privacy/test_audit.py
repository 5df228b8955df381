"""The audit log: sign-ins, role and team changes, from every path, read-only in the admin."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms.accounts.services import team_set_members, user_set_role
from lms.privacy.models import AuditEvent
from lms.privacy.services import audit_events_purge
from lms.privacy.tasks import purge_audit_events
from tests.lms.conftest import People, client_for


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=kind).order_by("id"))


def test_it_records_a_sign_in(people: People) -> None:
    response = Client(REMOTE_ADDR="198.51.100.4").post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    [event] = events(AuditEvent.SIGN_IN)
    assert (event.subject, event.actor, event.ip_address) == (people.learner, people.learner, "198.51.100.4")


def test_it_records_refused_sign_ins_with_and_without_an_account(people: People) -> None:
    client = Client(REMOTE_ADDR="198.51.100.5")
    client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    client.post(reverse("login"), {"username": "nobody-here", "password": "wrong"})
    known, unknown = events(AuditEvent.SIGN_IN_FAILED)
    assert (known.subject, known.subject_name, known.detail) == (people.learner, "alice", {"known_account": True})
    assert (unknown.subject, unknown.subject_name, unknown.detail) == (None, "nobody-here", {"known_account": False})
    assert known.ip_address == unknown.ip_address == "198.51.100.5"
    assert not events(AuditEvent.SIGN_IN)


def test_it_records_role_changes_as_they_really_happen(people: People) -> None:
    user_set_role(user=people.learner, role="manager")
    [removed] = events(AuditEvent.ROLE_REMOVED)
    [added] = events(AuditEvent.ROLE_ADDED)[-1:]
    assert (removed.subject, removed.detail) == (people.learner, {"role": "learner"})
    assert (added.subject, added.detail) == (people.learner, {"role": "manager"})
    before = AuditEvent.objects.count()
    user_set_role(user=people.learner, role="manager")  # no change, no event
    assert AuditEvent.objects.count() == before


def test_it_records_team_changes_from_either_side(people: People) -> None:
    team_set_members(team=people.team, members=[people.learner, people.outsider])
    [left] = events(AuditEvent.TEAM_LEFT)
    assert (left.subject, left.detail["team"]) == (people.teammate, "Analysts")
    joined = [e for e in events(AuditEvent.TEAM_JOINED) if e.subject == people.outsider]
    assert [e.detail["team"] for e in joined] == ["Sales", "Analysts"]
    people.outsider.teams.remove(people.other_team)  # from the user's side
    assert events(AuditEvent.TEAM_LEFT)[-1].detail["team"] == "Sales"
    people.team.managers.add(people.admin)
    assert events(AuditEvent.TEAM_MANAGER_ADDED)[-1].subject == people.admin
    people.team.members.clear()
    assert {e.subject for e in events(AuditEvent.TEAM_LEFT)[-2:]} == {people.learner, people.outsider}


def test_a_change_in_the_admin_names_the_admin(people: People) -> None:
    client = client_for(people.admin)
    response = client.post(reverse("admin:accounts_team_change", args=[people.team.pk]), {
        "name": "Analysts", "slug": "analysts", "members": [people.learner.pk], "managers": [people.manager.pk]},
        REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302, response.content.decode()[:2000]
    [left] = events(AuditEvent.TEAM_LEFT)
    assert (left.subject, left.actor, left.actor_name, left.ip_address) == (
        people.teammate, people.admin, "ada", "203.0.113.9")


def test_admins_read_it_and_nobody_edits_it(people: People) -> None:
    client_for(people.learner)
    event = AuditEvent.objects.get(event=AuditEvent.SIGN_IN, subject=people.learner)
    admin = client_for(people.admin)
    listing = admin.get(reverse("admin:privacy_auditevent_changelist"))
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    assert admin.get(reverse("admin:privacy_auditevent_change", args=[event.pk])).status_code == 200
    assert admin.get(reverse("admin:privacy_auditevent_add")).status_code == 403
    assert admin.post(reverse("admin:privacy_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    admin.post(reverse("admin:privacy_auditevent_change", args=[event.pk]), {"event": "sign_in_failed"})
    event.refresh_from_db()
    assert event.event == AuditEvent.SIGN_IN
    for outsider in (people.manager, people.learner):
        response = client_for(outsider).get(reverse("admin:privacy_auditevent_changelist"))
        assert response.status_code in (302, 403)


def test_old_events_are_purged_after_the_retention(people: People, settings: object) -> None:
    client_for(people.learner)
    old = AuditEvent.objects.create(event=AuditEvent.SIGN_IN, subject_name="someone")
    AuditEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=400))
    settings.PATHWISE_AUDIT_RETENTION_DAYS = 365  # type: ignore[attr-defined]
    assert purge_audit_events.delay().get() == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(subject=people.learner).exists()
    assert audit_events_purge(older_than_days=365) == 0
