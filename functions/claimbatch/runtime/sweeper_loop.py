"""The embedded twin of the scheduled sweeper Lambda: no job stays unfinished."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from claimbatch.domain.job import utc_now
from claimbatch.logic.sweep_jobs import SweepSettings, sweep_jobs
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.runtime.embedded_settings import EmbeddedSettings
from claimbatch.runtime.thread_handoff import RuntimeStopping
from claimbatch.runtime.thread_queues import ThreadQueues


async def sweep_forever(settings: EmbeddedSettings, store: JobStore, queues: ThreadQueues) -> None:
    sweep = SweepSettings(stall_after=timedelta(seconds=settings.stall_after_s))
    while True:
        await asyncio.sleep(settings.sweep_every_s)
        try:
            await asyncio.to_thread(sweep_jobs, store, queues, sweep, utc_now())
        except RuntimeStopping:
            return
        except Exception:
            logger.exception("sweep failed")
