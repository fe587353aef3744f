"""Job-end notifications of the embedded runtime: the outbox the aggregator hands
a finished job to, and the loop that delivers, retries and gives up by the same
policy as the notifier Lambda (logic/delivery_policy.py).

Deliveries and their retry times live in SQLite beside the jobs, so a restart of
`claimbatch serve` goes on with what was pending. Sends run in their own small
thread pool: a slow or dead endpoint never holds up the pipeline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from claimbatch.adapters.embedded.sqlite_notification_store import PendingDelivery, SqliteNotificationStore
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.api.notification_deps import NotificationApiDeps
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_settings import Channel
from claimbatch.logic.deliver_notification import DeliveryContext, Senders, deliver_job_end
from claimbatch.logic.delivery_policy import RetrySchedule
from claimbatch.observability import logger

SEND_THREADS = 4
_DUE_PER_PASS = 20


@dataclass(frozen=True)
class LocalNotifierSettings:
    schedule: RetrySchedule = RetrySchedule()
    poll_s: float = 1.0  # how often due retries are looked for when nothing wakes the loop
    extra_channels: Sequence[Channel] = ()  # `claimbatch run --notify-…`: for its job, beside the tenant's


class LocalNotifier:
    def __init__(
        self,
        store: SqliteNotificationStore,
        senders: Senders,
        settings: LocalNotifierSettings = LocalNotifierSettings(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.context = DeliveryContext(senders=senders, schedule=settings.schedule)
        self._settings = settings
        self._clock = clock
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="notify")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._one_pass = asyncio.Lock()  # the loop and drain() never attempt one delivery twice at once

    @classmethod
    def open(
        cls, db_path: Path, senders: Senders, settings: LocalNotifierSettings = LocalNotifierSettings()
    ) -> LocalNotifier:
        return cls(SqliteNotificationStore(db_path), senders, settings)

    def api_deps(self) -> NotificationApiDeps:
        return NotificationApiDeps(settings=self.store, senders=self.context.senders)

    def set_api_base_url(self, base_url: str | None) -> None:
        self.context.api_base_url = base_url

    # -- the outbox (JobEndOutbox) -------------------------------------------------------

    def job_ended(self, event: JobEvent) -> None:
        """Called from any thread: one pending delivery per channel, due now."""
        channels = [*self.store.get_notification_settings(event.tenant).channels, *self._settings.extra_channels]
        if channels and self.store.add_deliveries(event, channels, due_at=self._clock()):
            self._nudge()

    def _nudge(self) -> None:
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- delivering ----------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver what is due, for ever (a task of the runtime)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            try:
                await self.deliver_due()
            except Exception:
                logger.exception("notification pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._settings.poll_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def deliver_due(self) -> int:
        """Attempt every delivery due now, at once; how many were attempted."""
        loop = asyncio.get_running_loop()
        async with self._one_pass:
            due = await loop.run_in_executor(self._pool, self.store.due_deliveries, self._clock(), _DUE_PER_PASS)
            await asyncio.gather(*(loop.run_in_executor(self._pool, self._deliver, pending) for pending in due))
        return len(due)

    def _deliver(self, pending: PendingDelivery) -> None:
        now = datetime.fromtimestamp(self._clock(), UTC)
        step = deliver_job_end(pending.event, pending.channel, pending.attempts, self.context, now)
        self.store.record_step(pending.message_id, pending.channel.channel_id, step)

    async def drain(self, timeout_s: float) -> int:
        """Deliver until nothing is due now or `timeout_s` has passed (`claimbatch run`, before
        it exits); how many deliveries are still pending (their retries are kept for later)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and await self.deliver_due():
            pass
        return self.store.pending_count()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        webhooks = self.context.senders.webhooks
        if isinstance(webhooks, HttpWebhookSender):
            webhooks.close()
        self.store.close()
