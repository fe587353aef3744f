"""The notifier function's use case: one queue message holds one job's end; every
channel of its tenant not yet done gets an attempt when it is due. What is left
pending sets when the message comes back (its visibility delay).

Each (message, channel) delivery is recorded, so a redelivered or duplicated
message never sends again what was delivered or given up, and each channel keeps
its own count of attempts and its own place in the retry schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from claimbatch.domain.job import utc_now
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_settings import Channel
from claimbatch.logic.deliver_notification import DeliveryContext, deliver_job_end
from claimbatch.observability import logger
from claimbatch.ports.notifications import DeliveryRecords, NotificationSettingsStore


@dataclass
class NotifierDeps:
    settings: NotificationSettingsStore
    records: DeliveryRecords
    context: DeliveryContext
    clock: Callable[[], datetime] = utc_now


def notify_job_end(event: JobEvent, deps: NotifierDeps) -> timedelta | None:
    """Attempt the channels due now; the wait until the next one is due, None when all are done."""
    now = deps.clock()
    next_due: datetime | None = None
    for channel in deps.settings.get_notification_settings(event.tenant).channels:
        due = _attempt_if_due(event, channel, deps, now)
        if due is not None:
            next_due = due if next_due is None else min(next_due, due)
    if next_due is None:
        return None
    logger.info("notification retry scheduled", extra={"message_id": event.message_id, "at": next_due.isoformat()})
    return max(next_due - now, timedelta(0))


def _attempt_if_due(event: JobEvent, channel: Channel, deps: NotifierDeps, now: datetime) -> datetime | None:
    """When this channel is due again (None: it is done)."""
    record = deps.records.get_delivery(event.message_id, channel.channel_id)
    if record is not None and record.done:
        return None
    if record is not None and record.next_attempt_at is not None and record.next_attempt_at > now:
        return record.next_attempt_at
    step = deliver_job_end(event, channel, record.attempts if record else 0, deps.context, now)
    deps.records.put_delivery(event.message_id, channel.channel_id, step)
    return step.next_attempt_at
