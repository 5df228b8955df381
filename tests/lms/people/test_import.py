"""The CSV import of people: the preview, the all-or-nothing import and the command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.accounts.models import Team
from lms.accounts.roles import role_of
from lms.people.importing import (
    CREATE,
    REFUSED,
    UNCHANGED,
    UPDATE,
    PeopleFileInvalid,
    people_csv_read,
    people_import_plan,
)
from lms.people.services import PeopleImportRefused, people_import

User = get_user_model()
pytestmark = pytest.mark.django_db

GOOD = (
    "username,email,first_name,last_name,role,teams,manages,manager\n"
    "nadia,nadia@example.org,Nadia,Novak,manager,,Support,\n"
    "olaf,olaf@example.org,Olaf,Olsen,learner,Support;Analysts,,nadia\n"
    "alice,alice@new.example.org,,,,,,\n"
)


def plan_of(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return people_import_plan(rows=people_csv_read(data))


def errors_of(plan, number: int) -> list[str]:
    return next(r.errors for r in plan.rows if r.number == number)


def test_it_previews_creates_updates_and_unchanged_without_writing(people):
    plan = plan_of(GOOD + "bob,bob@example.org,,,learner,Analysts,,\n")
    assert [(r.number, r.action) for r in plan.rows] == [(2, CREATE), (3, CREATE), (4, UPDATE), (5, UNCHANGED)]
    assert plan.new_teams == ["Support"]
    assert "email: alice@example.org \u2192 alice@new.example.org" in plan.rows[2].changes
    assert plan.summary() == "2 to create, 1 to update, 1 unchanged, 0 refused; 1 new team"
    assert not User.objects.filter(username__in=["nadia", "olaf"]).exists()
    assert not Team.objects.filter(name="Support").exists()


def test_it_imports_roles_teams_and_manager_links(people):
    plan = people_import(rows=people_csv_read(GOOD.encode()))
    assert plan.ok
    nadia, olaf = User.objects.get(username="nadia"), User.objects.get(username="olaf")
    support = Team.objects.get(name="Support")
    assert role_of(nadia) == "manager" and role_of(olaf) == "learner"
    assert set(support.managers.all()) == {nadia}
    assert set(olaf.teams.all()) == {support, people.team}
    assert nadia in people.team.managers.all()  # the manager column: nadia manages olaf's teams
    assert not olaf.has_usable_password()
    people.learner.refresh_from_db()
    assert people.learner.email == "alice@new.example.org" and people.learner.first_name == ""


def test_it_changes_nothing_when_imported_again(people):
    people_import(rows=people_csv_read(GOOD.encode()))
    again = plan_of(GOOD)
    assert [r.action for r in again.rows] == [UNCHANGED] * 3
    assert again.new_teams == []


def test_it_refuses_bad_rows_with_their_numbers(people):
    text = ("username,email,role,teams,manager\n"
            "dora,dora@example.org,boss,,\n"
            "eve,not-an-email,,,\n"
            "frank,,,Analysts,nobody\n"
            "gina,,,Analysts,bob\n"
            "Dora,,,,\n"
            "hal,,learner,,\n"
            "bad name!,,,,\n"
            "ivan,,,,maria\n"
            "jo,=HYPERLINK(\"http://x\"),,,\n")
    plan = plan_of(text)
    assert not plan.ok
    assert errors_of(plan, 2) == ["unknown role 'boss'; the roles are learner, manager, admin"]
    assert errors_of(plan, 3) == ["email 'not-an-email' is not an email address"]
    assert errors_of(plan, 4) == ["manager 'nobody' is neither in Pathwise nor in this file"]
    assert errors_of(plan, 5) == ["manager 'bob' is a learner, not a manager or admin"]
    assert errors_of(plan, 6) == ["username 'Dora' is also on row 2"]
    assert next(r for r in plan.rows if r.number == 7).action == CREATE
    assert "may hold only letters" in errors_of(plan, 8)[0]
    assert errors_of(plan, 9) == ["a manager is given but no team: the manager manages the teams in the teams column"]
    assert errors_of(plan, 10)[0] == "email starts with '=', which a spreadsheet would run as a formula"


def test_it_knows_a_manager_promoted_further_down_the_file(people):
    plan = plan_of("username,role,teams,manager\nkim,,Analysts,bob\nbob,manager,,\n")
    assert plan.ok, plan.refused


def test_it_refuses_manages_for_a_learner(people):
    plan = plan_of("username,manages\nalice,Analysts\n")
    assert errors_of(plan, 2) == ["only managers and admins manage teams; 'alice' would be a learner"]


def test_it_writes_nothing_when_one_row_is_refused(people):
    text = GOOD + "zoe,zoe@example.org,,,wizard,Support,,\n"
    with pytest.raises(PeopleImportRefused) as caught:
        people_import(rows=people_csv_read(text.encode()))
    assert [r.number for r in caught.value.plan.refused] == [5]
    assert not User.objects.filter(username__in=["nadia", "olaf", "zoe"]).exists()
    assert not Team.objects.filter(name="Support").exists()
    people.learner.refresh_from_db()
    assert people.learner.email == "alice@example.org"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"name,mail\nx,y\n", "unknown columns 'name', 'mail'"),
    (b"email\nx@example.org\n", "the header has no username column"),
    (b"username;email\nx;y\n", "separated by semicolons"),
    ("username\nj\u00fcrgen\n".encode("latin-1"), "not UTF-8 text (line 2, byte 11)"),
    (b"username\nx\x00y\n", "NUL"),
    (b'username\n"unclosed\n', "not valid CSV"),
])
def test_it_refuses_a_file_it_cannot_read(data, message):
    with pytest.raises(PeopleFileInvalid) as caught:
        people_csv_read(data)
    assert message in "; ".join(caught.value.errors)


def test_it_reads_a_byte_order_mark_and_spreadsheet_headers(people):
    rows = people_csv_read("\ufeffUsername,First Name\r\nkai,Kai\r\n,\r\n".encode())
    assert [(r.number, r.cells) for r in rows] == [(2, {"username": "kai", "first_name": "Kai"})]


def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.PATHWISE_PEOPLE_IMPORT_MAX_BYTES = 20
    with pytest.raises(PeopleFileInvalid, match="the limit is 20 bytes"):
        people_csv_read(b"username\n" + b"someone\n" * 3)


def test_it_refuses_a_row_with_more_cells_than_columns(people):
    plan = plan_of("username,email\nlee,lee@example.org,extra\n")
    assert plan.rows[0].action == REFUSED
    assert plan.rows[0].errors == ["has 3 cells but the header names 2 columns"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_imports_the_file(people, tmp_path):
    out = StringIO()
    call_command("import_people", str(write(tmp_path, GOOD)), stdout=out, stderr=StringIO())
    assert "Imported people.csv: 2 created, 1 updated, 0 unchanged, 0 refused; 1 new team." in out.getvalue()
    assert User.objects.filter(username="olaf").exists()


def test_the_command_dry_run_writes_nothing(people, tmp_path):
    out = StringIO()
    call_command("import_people", str(write(tmp_path, GOOD)), "--dry-run", stdout=out)
    assert "row 3 (olaf): create: new learner; joins Support; joins Analysts" in out.getvalue()
    assert "Dry run, nothing written: 2 to create" in out.getvalue()
    assert not User.objects.filter(username="olaf").exists()


def test_the_command_names_refused_rows_and_exits_1(people, tmp_path):
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(write(tmp_path, GOOD + "zoe,,,,wizard,,,\n")), stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert "row 5 (zoe): unknown role 'wizard'" in err.getvalue()
    assert not User.objects.filter(username="olaf").exists()


def test_the_command_exits_2_for_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as caught:
        call_command("import_people", str(tmp_path / "nope.csv"))
    assert caught.value.returncode == 2


def test_the_command_exits_1_for_a_bad_file_without_a_traceback(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("username\nj\u00fcrgen\n".encode("latin-1"))
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "manage.py", "import_people", str(path)], capture_output=True, text=True,
                          env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "lms.settings_test"})
    assert done.returncode == 1, done.stderr
    assert "not UTF-8 text" in done.stderr and "Traceback" not in done.stderr
