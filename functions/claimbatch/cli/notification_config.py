"""Notification settings of the local commands, read once from the environment:
the SMTP server email goes through (`CLAIMBATCH_SMTP_HOST`, `_PORT`, `_FROM`,
`_USERNAME`, `_PASSWORD`, `_STARTTLS`); without a host, no email is sent."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.adapters.notify.smtp_email_sender import SmtpEmailSender, SmtpSettings
from claimbatch.cli.claims_api_config import ConfigurationError
from claimbatch.domain.notification_settings import Channel
from claimbatch.logic.deliver_notification import Senders
from claimbatch.runtime.local_notifier import LocalNotifier, LocalNotifierSettings

SMTP_ENV = "CLAIMBATCH_SMTP_"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def smtp_settings(environ: Mapping[str, str] = os.environ) -> SmtpSettings | None:
    host = environ.get(f"{SMTP_ENV}HOST", "").strip()
    if not host:
        return None
    port_text = environ.get(f"{SMTP_ENV}PORT", "").strip() or "25"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigurationError(f"{SMTP_ENV}PORT must be a port number, not {port_text!r}")
    starttls = environ.get(f"{SMTP_ENV}STARTTLS", "").strip().lower()
    if starttls not in _TRUE | _FALSE:
        raise ConfigurationError(f"{SMTP_ENV}STARTTLS must be true or false")
    return SmtpSettings(
        host=host,
        port=int(port_text),
        sender=environ.get(f"{SMTP_ENV}FROM", "").strip() or "claimbatch@localhost",
        username=environ.get(f"{SMTP_ENV}USERNAME") or None,
        password=environ.get(f"{SMTP_ENV}PASSWORD") or None,
        starttls=starttls in _TRUE,
    )


def local_senders(environ: Mapping[str, str] = os.environ) -> Senders:
    smtp = smtp_settings(environ)
    return Senders(webhooks=HttpWebhookSender(local=True), email=SmtpEmailSender(smtp) if smtp else None)


def local_notifier(db_path: Path, extra_channels: Sequence[Channel] = ()) -> LocalNotifier:
    """The notifier of `serve` and `run` on the data folder's database; ConfigurationError
    when the SMTP settings are wrong."""
    return LocalNotifier.open(db_path, local_senders(), LocalNotifierSettings(extra_channels=tuple(extra_channels)))
