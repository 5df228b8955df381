"""Import people from a CSV file (docs/people-import.md): all of it, or nothing when a row is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lms.people.importing import CREATE, UPDATE, ImportPlan, PeopleFileInvalid, people_csv_read, people_import_plan
from lms.people.services import PeopleImportRefused, people_import

REFUSED_EXIT = 1  # the file or some of its rows are refused: nothing was imported
UNREADABLE_EXIT = 2  # the file could not be opened


class Command(BaseCommand):
    help = ("Create and update users, with their roles, teams and managers, from a CSV file; all rows or none. "
            "Columns: username, email, first_name, last_name, role, teams, manages, manager.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, comma-separated, a header row).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Show what the import would do, row by row, and write nothing.")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            with file.open("rb") as handle:
                data = handle.read(settings.PATHWISE_PEOPLE_IMPORT_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}", returncode=UNREADABLE_EXIT) from None
        try:
            rows = people_csv_read(data)
            if dry_run:
                plan = people_import_plan(rows=rows)
            else:
                # The stream under Django's OutputWrapper, which would end each of tqdm's redraws with a
                # newline; django-stubs leaves that private attribute out.
                out = cast(TextIO, self.stderr._out)
                plan = people_import(rows=rows, progress=lambda items: tqdm(
                    items, desc="importing", unit="person", disable=None, mininterval=1.0, file=out))
        except PeopleFileInvalid as exc:
            raise CommandError(f"{file}: " + "; ".join(exc.errors) + ". Nothing was imported.",
                               returncode=REFUSED_EXIT) from None
        except PeopleImportRefused as exc:
            self._refused(exc.plan)
            raise CommandError(f"{file}: {len(exc.plan.refused)} row(s) refused, so nothing was imported.",
                               returncode=REFUSED_EXIT) from None
        if dry_run and not plan.ok:
            self._refused(plan)
            raise CommandError(f"{file}: {len(plan.refused)} row(s) refused; the import would write nothing.",
                               returncode=REFUSED_EXIT)
        if dry_run or options["verbosity"] > 1:
            for row in plan.rows:
                if row.action in (CREATE, UPDATE):
                    self.stdout.write(f"row {row.number} ({row.username}): {row.action}: {'; '.join(row.changes)}")
        if plan.new_teams:
            self.stdout.write(f"New teams: {', '.join(plan.new_teams)}")
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {plan.summary()}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {plan.summary(done=True)}."))

    def _refused(self, plan: ImportPlan) -> None:
        for row in plan.refused:
            who = f" ({row.username})" if row.username else ""
            for error in row.errors:
                self.stderr.write(f"row {row.number}{who}: {error}")
        self.stderr.write(plan.summary())
