"""The embedded notifier's deliveries over SQLite, on a clock the test moves:
a job's end announced twice is delivered once, a retry hours away waits for its
time, and a notifier opened again on the same database goes on with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from claimbatch.adapters.embedded.sqlite_notification_store import SqliteNotificationStore
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.domain.job import JobCounts, JobState, SourceObject, new_job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_settings import NotificationSettings, WebhookChannel, new_webhook_secret
from claimbatch.logic.deliver_notification import Senders
from claimbatch.logic.delivery_policy import DeliveryState, RetrySchedule
from claimbatch.runtime.local_notifier import LocalNotifier, LocalNotifierSettings
from tests.support.webhook_receiver import webhook_receiver

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def ended_event() -> JobEvent:
    job = new_job(SourceObject(bucket="local", key="inbox/acme/claims.csv", version="v1"))
    return JobEvent.of(
        job.model_copy(update={"state": JobState.COMPLETED, "completed_at": datetime.now(UTC), "counts": JobCounts()})
    )


def notifier(db: Path, clock: Clock) -> LocalNotifier:
    settings = LocalNotifierSettings(schedule=RetrySchedule())  # the real schedule: 5 s, 5 min, 30 min, 2 h, …
    return LocalNotifier(SqliteNotificationStore(db), Senders(webhooks=HttpWebhookSender(local=True)), settings, clock)


def test_a_retry_hours_away_survives_a_restart_and_is_sent_when_due(tmp_path: Path):
    secret = new_webhook_secret()
    clock = Clock()
    with webhook_receiver(secret) as receiver:
        receiver.statuses = [503, 503, 503, 503]  # four failures: the next retry is 2 h away
        first = notifier(tmp_path / "claimbatch.db", clock)
        first.store.put_notification_settings(
            "acme", NotificationSettings(webhooks=[WebhookChannel(url=receiver.url, secret=secret)])
        )
        event = ended_event()
        first.job_ended(event)
        first.job_ended(event)  # the aggregator ran twice: still one delivery
        for wait in (0, 5, 300, 1800):
            clock.now += wait
            assert asyncio.run(first.deliver_due()) == 1
        clock.now += 3600  # an hour later: the 2 h retry is not due yet
        assert asyncio.run(first.deliver_due()) == 0
        first.close()

        clock.now += 3600  # the service was down while the retry came due
        second = notifier(tmp_path / "claimbatch.db", clock)
        assert asyncio.run(second.deliver_due()) == 1
        [record] = second.store.deliveries()
        second.close()

    assert [hook.status for hook in receiver.received] == [503, 503, 503, 503, 200]
    assert {hook.webhook_id for hook in receiver.received} == {event.message_id}
    assert all(hook.verified for hook in receiver.received)
    assert (record.state, record.attempts) == (DeliveryState.DELIVERED, 5)
