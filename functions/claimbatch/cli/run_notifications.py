"""`claimbatch run --notify-url/--notify-secret/--notify-email`: the channels told
when this run's job ends, and the line that says how their delivery went."""

from __future__ import annotations

import re

from rich.console import Console

from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.domain.job import Job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_settings import Channel, EmailChannel, WebhookChannel, is_webhook_secret
from claimbatch.domain.webhook_address_rules import WebhookUrlRefused
from claimbatch.logic.delivery_policy import DeliveryState
from claimbatch.runtime.embedded import EmbeddedRuntime

DRAIN_S = 30.0  # how long run waits for the first attempts before it exits; retries go on in `serve`
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class NotifyOptionError(Exception):
    """A --notify-… option cannot be used; one sentence."""


def notify_channels(url: str | None, secret: str | None, email: str | None, email_ready: bool) -> list[Channel]:
    channels: list[Channel] = []
    if url is not None:
        if secret is None:
            raise NotifyOptionError("--notify-url needs --notify-secret whsec_… (the receiver verifies with it)")
        if not is_webhook_secret(secret):
            raise NotifyOptionError("--notify-secret must be whsec_ followed by 24 to 64 bytes in base64")
        sender = HttpWebhookSender(local=True)
        try:
            sender.check_url(url)
        except WebhookUrlRefused as refused:
            raise NotifyOptionError(f"--notify-url: {refused.message}") from None
        finally:
            sender.close()
        channels.append(WebhookChannel(url=url, secret=secret))
    elif secret is not None:
        raise NotifyOptionError("--notify-secret goes with --notify-url")
    if email is not None:
        if _EMAIL.fullmatch(email) is None:
            raise NotifyOptionError("--notify-email must be one email address")
        if not email_ready:
            raise NotifyOptionError("--notify-email needs an SMTP server: set CLAIMBATCH_SMTP_HOST (see the README)")
        channels.append(EmailChannel(address=email))
    return channels


async def report_notifications(runtime: EmbeddedRuntime, job: Job, console: Console) -> None:
    """Give this job's notifications their first attempts, then say where they stand."""
    notifier = runtime.notifier
    if notifier is None or not job.state.is_terminal:
        return
    await notifier.drain(DRAIN_S)
    records = notifier.store.deliveries(JobEvent.of(job).message_id)
    if not records:
        return
    states = [record.state for record in records]
    line = (
        f"notifications: {states.count(DeliveryState.DELIVERED)} delivered, "
        f"{states.count(DeliveryState.GAVE_UP)} refused, {states.count(DeliveryState.PENDING)} pending"
    )
    if DeliveryState.PENDING in states:
        line += " (`claimbatch serve` on this data folder goes on retrying them)"
    console.print(line, markup=False)
