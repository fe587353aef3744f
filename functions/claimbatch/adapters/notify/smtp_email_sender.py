"""Email over SMTP (`claimbatch serve` and `run`): plain text with an HTML
alternative, optionally over STARTTLS and with a login."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from claimbatch.domain.notification_messages import Notification
from claimbatch.ports.notifications import SendFailure, SendReport


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "claimbatch@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


def email_message(sender: str, address: str, notification: Notification) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = sender
    message["To"] = address
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="claimbatch")
    message["X-Claimbatch-Message-Id"] = notification.message_id
    message.set_content(notification.text)
    message.add_alternative(notification.html, subtype="html")
    return message


class SmtpEmailSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def send(self, address: str, notification: Notification) -> SendReport:
        settings = self._settings
        message = email_message(settings.sender, address, notification)
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
                if settings.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.username:
                    smtp.login(settings.username, settings.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            return _by_code(min(codes, default=550))
        except smtplib.SMTPResponseException as error:
            return _by_code(error.smtp_code)
        except (TimeoutError, socket.timeout):
            return SendReport(failure=SendFailure.TIMEOUT, detail="the mail server did not answer in time")
        except (OSError, smtplib.SMTPException) as error:
            detail = f"cannot reach the mail server ({type(error).__name__})"
            return SendReport(failure=SendFailure.CONNECTION, detail=detail)
        return SendReport(detail="accepted by the mail server")


def _by_code(code: int) -> SendReport:
    failure = SendFailure.TRANSIENT if 400 <= code < 500 else SendFailure.PERMANENT
    return SendReport(failure=failure, detail=f"the mail server answered {code}")
