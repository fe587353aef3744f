"""One attempt to hand a notification to one channel, judged by the delivery policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import Notification, job_notification
from claimbatch.domain.notification_settings import Channel, WebhookChannel
from claimbatch.logic.delivery_policy import DeliveryStep, Judgement, RetrySchedule, after_attempt, judge
from claimbatch.observability import logger
from claimbatch.ports.notifications import EmailSender, SendFailure, SendReport, WebhookSender


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


def _send(notification: Notification, channel: Channel, senders: Senders) -> SendReport:
    if isinstance(channel, WebhookChannel):
        return senders.webhooks.send(channel.url, channel.secret, notification)
    if senders.email is None:
        return SendReport(failure=SendFailure.PERMANENT, detail="no mail service is configured")
    return senders.email.send(channel.address, notification)


def attempt_delivery(notification: Notification, channel: Channel, senders: Senders) -> Judgement:
    try:
        report = _send(notification, channel, senders)
    except Exception as error:  # a sender's bug: this delivery waits for its next retry, the others go on
        where = {"message_id": notification.message_id, "channel": channel.channel_id}
        logger.error("notification sender failed", extra={**where, "error_type": type(error).__name__})
        report = SendReport(failure=SendFailure.TRANSIENT, detail=f"the sender failed ({type(error).__name__})")
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
