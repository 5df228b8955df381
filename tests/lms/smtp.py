"""A real SMTP server (aiosmtpd) on a free local port, with Django's SMTP backend pointed at it."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server accepted, as parsed messages; ``refuse`` answers that many DATA commands
    with a temporary failure first (451), ``reject`` with a permanent one (554)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    reject: bool = False

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.reject:
            return "554 5.7.1 Message refused"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def body(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(name="inbox")
def smtp_inbox(settings: object) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST = "127.0.0.1"  # type: ignore[attr-defined]
    settings.EMAIL_PORT = controller.port  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False  # type: ignore[attr-defined]
    settings.DEFAULT_FROM_EMAIL = "Pathwise <noreply@pathwise.test>"  # type: ignore[attr-defined]
    settings.PATHWISE_SITE_URL = "http://testserver"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        controller.stop()
