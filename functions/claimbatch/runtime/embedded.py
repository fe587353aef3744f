"""The embedded runtime: the pipeline on one machine, no AWS.

Same use cases as the Lambda functions (split_job, process_chunk,
aggregate_job) behind the same ports, with local adapters: a data folder for
objects, SQLite for jobs and results, a bounded asyncio queue and a pool of
worker tasks in place of SQS and Lambda concurrency.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.claims.provider import ClaimStatusProvider
from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import Job, JobState
from claimbatch.logic.aggregate_results import AggregateDeps, aggregate_job
from claimbatch.logic.process_chunk import ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.logic.split_file import SplitDeps, SplitSettings, split_job
from claimbatch.logic.start_job import ObjectCreated, start_job
from claimbatch.observability import logger
from claimbatch.ports.messages import RowChunk

DB_NAME = "claimbatch.db"


@dataclass(frozen=True)
class EmbeddedSettings:
    data_dir: Path
    concurrency: int = 16  # lookups in flight
    rows_per_message: int = 100
    limits: InputLimits = field(default_factory=InputLimits)
    max_deliveries: int = 5
    redelivery_base_s: float = 1.0  # a deferred chunk waits base * 2**delivery (jittered) before it comes back


class _QueueBridge:
    """RowQueue and StageSignals for code running in the splitter's thread:
    hands chunks to the event loop, blocking while the queue is full, so
    memory stays flat whatever the file size."""

    def __init__(self, runtime: EmbeddedRuntime) -> None:
        self._runtime = runtime

    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        for chunk in chunks:
            self._runtime._call_in_loop(self._runtime._chunks.put((chunk, 1)))

    def request_aggregation(self, job_id: str) -> None:
        self._runtime._call_in_loop(self._runtime._aggregations.put(job_id))

    def continue_split(self, job_id: str) -> None:
        self._runtime._call_in_loop(self._runtime._start_split(job_id))


class EmbeddedRuntime:
    def __init__(self, settings: EmbeddedSettings, provider: ClaimStatusProvider) -> None:
        self.settings = settings
        self.provider = provider
        self.store = SqliteJobStore(settings.data_dir / DB_NAME)
        self.objects = LocalObjectStore(settings.data_dir)
        self._bridge = _QueueBridge(self)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._finished: dict[str, asyncio.Event] = {}

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._chunks: asyncio.Queue[tuple[RowChunk, int]] = asyncio.Queue(maxsize=self._workers() * 4)
        self._aggregations: asyncio.Queue[str] = asyncio.Queue()
        for _ in range(self._workers()):
            self._spawn(self._worker())
        self._spawn(self._aggregator())

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.provider.aclose()
        self.store.close()

    async def __aenter__(self) -> EmbeddedRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _spawn(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _workers(self) -> int:
        # Each worker looks up a whole chunk at once; the client caps lookups in flight.
        return max(2, math.ceil(self.settings.concurrency / self.settings.rows_per_message) + 1)

    def _call_in_loop(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    # -- jobs ---------------------------------------------------------------------

    def create_job(self, key: str, version: str, size: int) -> Job | None:
        return start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version=version, size=size), self.store)

    async def submit(self, job_id: str) -> asyncio.Event:
        """Start (or resume) a job once per process; the returned event is set when it is terminal."""
        if job_id in self._finished:
            return self._finished[job_id]
        finished = self._finished[job_id] = asyncio.Event()
        job = self.store.get_job(job_id)
        if job is None or job.state.is_terminal:
            finished.set()
        elif job.state is JobState.AGGREGATING:
            await self._aggregations.put(job_id)
        else:
            self.store.reopen_split(job_id)  # nothing of it is in this process's queue yet
            await self._start_split(job_id)
        return finished

    async def run_job(self, job_id: str, on_progress: Callable[[Job], None] | None = None) -> Job:
        finished = await self.submit(job_id)
        while not finished.is_set():
            try:
                await asyncio.wait_for(finished.wait(), timeout=0.25)
            except TimeoutError:
                pass
            if on_progress is not None:
                job = self.store.get_job(job_id)
                if job is not None:
                    on_progress(job)
        job = self.store.get_job(job_id)
        assert job is not None
        return job

    async def _start_split(self, job_id: str) -> None:
        deps = SplitDeps(
            store=self.store,
            objects=self.objects,
            rows=self._bridge,
            signals=self._bridge,
            settings=SplitSettings(rows_per_message=self.settings.rows_per_message, limits=self.settings.limits),
        )

        async def split() -> None:
            try:
                await asyncio.to_thread(split_job, job_id, deps, lambda: math.inf)
            except Exception:
                logger.exception("splitter failed", extra={"job_id": job_id})
            self._mark_if_terminal(job_id)

        self._spawn(split())

    def _mark_if_terminal(self, job_id: str) -> None:
        job = self.store.get_job(job_id)
        if job is not None and job.state.is_terminal and job_id in self._finished:
            self._finished[job_id].set()

    # -- the pool -------------------------------------------------------------------

    async def _worker(self) -> None:
        deps = WorkerDeps(
            store=self.store, provider=self.provider, signals=self._bridge, max_deliveries=self.settings.max_deliveries
        )
        while True:
            chunk, delivery = await self._chunks.get()
            try:
                await process_chunk(chunk, delivery, deps)
            except ChunkDeferred:
                self._redeliver(chunk, delivery + 1)
            except Exception:
                logger.exception("chunk failed, redelivering", extra={"job_id": chunk.job_id, "chunk": chunk.chunk})
                self._redeliver(chunk, delivery + 1)
            finally:
                self._chunks.task_done()

    def _redeliver(self, chunk: RowChunk, delivery: int) -> None:
        delay = random.uniform(0, self.settings.redelivery_base_s * 2 ** min(delivery, 6))

        async def later() -> None:
            await asyncio.sleep(delay)
            await self._chunks.put((chunk, delivery))

        self._spawn(later())

    async def _aggregator(self) -> None:
        deps = AggregateDeps(store=self.store, objects=self.objects)
        while True:
            job_id = await self._aggregations.get()
            try:
                await asyncio.to_thread(aggregate_job, job_id, deps)
            except Exception:
                logger.exception("aggregation failed", extra={"job_id": job_id})
            self._mark_if_terminal(job_id)
