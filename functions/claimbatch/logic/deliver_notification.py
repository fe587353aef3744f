"""One attempt to hand one notification to one channel, judged by the delivery policy."""

from __future__ import annotations

from dataclasses import dataclass

from claimbatch.domain.notification_messages import Notification
from claimbatch.domain.notification_settings import Channel, EmailChannel, WebhookChannel
from claimbatch.logic.delivery_policy import Judgement, Verdict, judge
from claimbatch.observability import logger
from claimbatch.ports.notifications import EmailSender, WebhookSender


@dataclass(frozen=True)
class Senders:
    webhooks: WebhookSender
    email: EmailSender | None = None  # None: no mail service configured


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
