"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None  # e.g. "451 try later", answered to every DATA

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpReceiver:
    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = _free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def env(self, sender: str = "claimbatch@example.test") -> dict[str, str]:
        return {
            "CLAIMBATCH_SMTP_HOST": "127.0.0.1",
            "CLAIMBATCH_SMTP_PORT": str(self.port),
            "CLAIMBATCH_SMTP_FROM": sender,
        }


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver._controller.start()
    try:
        yield receiver
    finally:
        receiver._controller.stop()


def bodies(message: EmailMessage) -> str:
    """Every text part of the message, for checks on what it says."""
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
