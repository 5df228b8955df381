"""Send the xAPI outbox now: what is pending or failing, or with --all everything ever recorded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.xapi.selectors import outbox_counts
from lms.xapi.services import statements_resend, statements_send, xapi_enabled

NOT_SENT_EXIT = 1  # the LRS did not take everything; what is left stays in the outbox


class Command(BaseCommand):
    help = ("Send xAPI statements waiting in the outbox now, without waiting for their next retry. "
            "With --all, statements already sent go again too (the LRS recognises their ids).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failing", action="store_true", help="Only statements whose last send failed.")
        parser.add_argument("--all", action="store_true", help="Also statements the LRS accepted already.")

    def handle(self, *args: Any, failing: bool, all: bool, **options: Any) -> None:
        if not xapi_enabled():
            raise CommandError("xAPI is off: set PATHWISE_XAPI_ENDPOINT to the learning-record store's address.")
        if failing and all:
            raise CommandError("choose --failing or --all, not both")
        due = statements_resend(failing_only=failing, include_sent=all)
        report = statements_send(max_batches=10**6)
        counts = outbox_counts()
        self.stdout.write(f"{due} statement(s) due, {report.sent} sent in {report.batches} batch(es). "
                          f"Outbox: {counts['pending']} pending, {counts['failing']} failing, {counts['sent']} sent.")
        if report.stopped or counts["pending"] or counts["failing"]:
            raise CommandError(f"not everything was sent{': ' + report.stopped if report.stopped else ''}",
                               returncode=NOT_SENT_EXIT)
