"""Ports of notifications: where a tenant's channels are kept, how a job's end
leaves the pipeline, and the two ways a message goes out (webhook, email)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import Notification
from claimbatch.domain.notification_settings import NotificationSettings
from claimbatch.domain.delivery_record import DeliveryStep


class NotificationSettingsStore(Protocol):
    def get_notification_settings(self, tenant: str) -> NotificationSettings:
        """The tenant's channels; empty settings when none were set."""
        ...

    def put_notification_settings(self, tenant: str, settings: NotificationSettings) -> None: ...


class DeliveryRecords(Protocol):
    """Where each (message, channel) delivery stands, so a redelivered message skips what is done."""

    def get_delivery(self, message_id: str, channel_id: str) -> DeliveryStep | None: ...

    def put_delivery(self, message_id: str, channel_id: str, step: DeliveryStep) -> None: ...


class JobEventBus(Protocol):
    def publish(self, events: list[JobEvent]) -> None:
        """Publish job state changes for others to act on; raises when any could not be published."""
        ...


class JobEndOutbox(Protocol):
    def job_ended(self, event: JobEvent) -> None:
        """Hand a terminal job's event to the notifier (queue, or a table a loop drains);
        quick, and safe to call twice for one event (deliveries are keyed by its message id)."""
        ...


class SendFailure(StrEnum):
    TIMEOUT = "timeout"
    CONNECTION = "connection"  # refused, reset, DNS failure, TLS failure
    REFUSED_ADDRESS = "refused_address"  # the address rules forbid the destination
    TRANSIENT = "transient"  # the mail service said: try later
    PERMANENT = "permanent"  # the mail service said: never


@dataclass(frozen=True)
class SendReport:
    """What happened on the wire: an HTTP status, or a failure before any answer;
    neither (a mail service took the message) is a delivery.
    `detail` is one sentence for the log and the delivery record, never the message's content."""

    status: int | None = None
    failure: SendFailure | None = None
    detail: str = ""


class WebhookSender(Protocol):
    def check_url(self, url: str) -> None:
        """WebhookUrlRefused when the URL may not receive webhooks (as it resolves now)."""
        ...

    def send(self, url: str, secret: str, notification: Notification) -> SendReport: ...


class EmailSender(Protocol):
    def send(self, address: str, notification: Notification) -> SendReport: ...
