"""One attempt to hand a notification to one channel, judged by the delivery policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import Notification, job_notification
from claimbatch.domain.notification_settings import Channel, EmailChannel, WebhookChannel
from claimbatch.logic.delivery_policy import DeliveryStep, Judgement, RetrySchedule, Verdict, after_attempt, judge
from claimbatch.observability import logger
from claimbatch.ports.notifications import EmailSender, WebhookSender


@dataclass(frozen=True)
class Senders:
    webhooks: WebhookSender
    email: EmailSender | None = None  # None: no mail service configured


@dataclass
class DeliveryContext:
    """What every delivery of a runtime shares: its senders, its retry schedule, and
    the job API's address for the links in a message (None: no links)."""

    senders: Senders
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    api_base_url: str | None = None


def attempt_delivery(notification: Notification, channel: Channel, senders: Senders) -> Judgement:
    if isinstance(channel, WebhookChannel):
        report = senders.webhooks.send(channel.url, channel.secret, notification)
    elif isinstance(channel, EmailChannel):
        if senders.email is None:
            return Judgement(Verdict.GIVE_UP, "no mail service is configured")
        report = senders.email.send(channel.address, notification)
    else:  # pragma: no cover - Channel is a closed union
        raise TypeError(type(channel).__name__)
    judgement = judge(report)
    logger.info(
        "notification attempt",
        extra={
            "message_id": notification.message_id,
            "channel": channel.channel_id,
            "verdict": judgement.verdict.value,
            "reason": judgement.reason,
        },
    )
    return judgement


def deliver_job_end(
    event: JobEvent,
    channel: Channel,
    attempts_before: int,
    context: DeliveryContext,
    now: datetime,
) -> DeliveryStep:
    """One more attempt at a job-end message to one channel, and where the delivery stands after it."""
    notification = job_notification(event, context.api_base_url)
    judgement = attempt_delivery(notification, channel, context.senders)
    return after_attempt(judgement, attempts_before + 1, context.schedule, now)
