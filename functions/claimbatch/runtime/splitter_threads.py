"""The embedded runtime's splitters: each file is split in a thread of a small pool
of its own (a splitter blocks while the chunk queue is full, and must never take
the default executor the workers need to reach the store). A splitter that
crashes is tried again after a growing delay, then its job fails."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
from collections.abc import Callable, Coroutine
from typing import Any

from claimbatch.logic.split_file import SplitDeps, SplitSettings, split_job
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_store import ObjectStore
from claimbatch.runtime.embedded_settings import STAGE_ATTEMPTS, EmbeddedSettings
from claimbatch.runtime.thread_handoff import LoopHandoff, RuntimeStopping
from claimbatch.runtime.thread_queues import ThreadQueues

STOP_WAIT_S = 10.0  # how long stop() waits for splitter threads to let go of the store
Spawn = Callable[[Coroutine[Any, Any, None]], None]
FailJob = Callable[[str, str], Coroutine[Any, Any, None]]


class SplitterThreads:
    def __init__(
        self, settings: EmbeddedSettings, store: JobStore, objects: ObjectStore, handoff: LoopHandoff, spawn: Spawn
    ) -> None:
        self._settings = settings
        self._store = store
        self._objects = objects
        self._handoff = handoff
        self._spawn = spawn
        self._running: set[asyncio.Future[object]] = set()  # waited for by stop()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.split_threads, thread_name_prefix="claimbatch-splitter"
        )

    def connect(self, queues: ThreadQueues, fail_job: FailJob) -> None:
        """Where split rows go, and how a job that cannot be split fails (both made after this)."""
        self._queues = queues
        self._fail_job = fail_job

    async def start(self, job_id: str, attempt: int = 1) -> None:
        """Split (or go on splitting) the job in a thread; returns at once."""
        deps = SplitDeps(
            store=self._store,
            objects=self._objects,
            rows=self._queues,
            signals=self._queues,
            settings=SplitSettings(rows_per_message=self._settings.rows_per_message, limits=self._settings.limits),
        )
        assert self._handoff.loop is not None
        thread = self._handoff.loop.run_in_executor(self._pool, split_job, job_id, deps, lambda: math.inf)
        self._running.add(thread)
        thread.add_done_callback(self._running.discard)
        self._spawn(self._watch(thread, job_id, attempt))

    async def _watch(self, thread: asyncio.Future[object], job_id: str, attempt: int) -> None:
        try:
            await asyncio.shield(thread)
        except RuntimeStopping:
            logger.info("splitter stopped", extra={"job_id": job_id})
        except OSError as error:  # the input went away or cannot be read: no use trying again
            logger.warning("input unreadable", extra={"job_id": job_id, "error_type": type(error).__name__})
            await self._fail_job(job_id, f"cannot read the input file: {error.strerror or type(error).__name__}")
        except Exception:
            logger.exception("splitter failed", extra={"job_id": job_id, "attempt": attempt})
            if attempt < STAGE_ATTEMPTS:
                await asyncio.sleep(self._settings.redelivery_delay(attempt))
                await self.start(job_id, attempt + 1)
                return
            await self._fail_job(job_id, "the input file could not be split (details in the log)")
        # A terminal job is marked finished by the aggregator, once its summary is written.

    async def stop(self) -> None:
        if self._running:
            await asyncio.wait(self._running, timeout=STOP_WAIT_S)
        self._pool.shutdown(wait=False, cancel_futures=True)
