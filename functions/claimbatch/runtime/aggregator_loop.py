"""The embedded runtime's aggregator: one task writes each finished (or failed, or
cancelled) job's results file and summary, tries again after a crash, and fails
the job when the results cannot be written at all, so that every job ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from claimbatch.domain.job import JobState, utc_now
from claimbatch.logic.aggregate_results import AggregateDeps, aggregate_job
from claimbatch.logic.announce_job_end import announce_job_end
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_store import ObjectStore
from claimbatch.runtime.embedded_settings import STAGE_ATTEMPTS, UNFINISHED_STATES, EmbeddedSettings
from claimbatch.runtime.local_notifier import LocalNotifier

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class AggregatorLoop:
    def __init__(
        self,
        settings: EmbeddedSettings,
        store: JobStore,
        objects: ObjectStore,
        notifier: LocalNotifier | None,
        spawn: Spawn,
        on_done: Callable[[str], None],
    ) -> None:
        self._settings = settings
        self._store = store
        self._deps = AggregateDeps(store=store, objects=objects)
        self._notifier = notifier
        self._spawn = spawn
        self._on_done = on_done  # after each aggregation: the runtime marks a terminal job finished
        self._jobs: asyncio.Queue[str] | None = None

    def start(self) -> None:
        self._jobs = asyncio.Queue()
        self._spawn(self._run())

    async def put(self, job_id: str) -> None:
        assert self._jobs is not None
        await self._jobs.put(job_id)

    async def fail_job(self, job_id: str, error: str) -> None:
        """A job that cannot go on fails with one sentence, and still gets its summary."""
        failed = await asyncio.to_thread(
            self._store.transition, job_id, UNFINISHED_STATES, JobState.FAILED, error=error, at=utc_now()
        )
        if failed:
            await self.put(job_id)

    async def _run(self) -> None:
        assert self._jobs is not None
        failures: dict[str, int] = {}
        while True:
            job_id = await self._jobs.get()
            try:
                await asyncio.to_thread(aggregate_job, job_id, self._deps)
            except Exception:
                failures[job_id] = attempt = failures.get(job_id, 0) + 1
                logger.exception("aggregation failed", extra={"job_id": job_id, "attempt": attempt})
                if attempt < STAGE_ATTEMPTS:
                    self._spawn(self._later(job_id, self._settings.redelivery_delay(attempt)))
                else:  # the results cannot be written (a full disk?): the job must still end
                    await asyncio.to_thread(
                        self._store.transition,
                        job_id,
                        [JobState.AGGREGATING],
                        JobState.FAILED,
                        error="the results file could not be written (details in the log)",
                        at=utc_now(),
                    )
            await self._announce_if_ended(job_id)
            self._on_done(job_id)

    async def _announce_if_ended(self, job_id: str) -> None:
        """Hand a job that ended to the notifier; a failure here never holds up the pipeline."""
        if self._notifier is None:
            return
        try:
            await asyncio.to_thread(announce_job_end, job_id, self._store, self._notifier)
        except Exception:
            logger.exception("job end not announced", extra={"job_id": job_id})

    async def _later(self, job_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.put(job_id)
