"""manage.py lti_tool_key: make a new signing key for LTI and publish it; older keys stay published
(platforms may have cached them) until --retire-older."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from lms.lti.models import ToolKey
from lms.lti.tool import tool_key_create


class Command(BaseCommand):
    help = "Make a new LTI signing key (RSA 2048); the newest active key signs. Prints its key id, never the key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retire-older", action="store_true",
                            help="Stop publishing the older keys (only once platforms have fetched the new one).")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            key = tool_key_create()
            retired = (ToolKey.objects.filter(is_active=True).exclude(pk=key.pk).update(is_active=False)
                       if options["retire_older"] else 0)
        self.stdout.write(f"New LTI signing key {key.kid}; {retired} older key(s) retired.")
