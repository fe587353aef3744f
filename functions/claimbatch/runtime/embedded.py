"""The embedded runtime: the pipeline on one machine, no AWS.

Same use cases as the Lambda functions (split_job, process_chunk,
aggregate_job) behind the same ports, with local adapters: a data folder for
objects, SQLite for jobs and results, a bounded asyncio queue and a pool of
worker tasks in place of SQS and Lambda concurrency.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import random
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.claims.provider import ClaimStatusProvider
from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import Job, JobState, SourceObject, new_job, utc_now
from claimbatch.logic.aggregate_results import AggregateDeps, aggregate_job
from claimbatch.logic.announce_job_end import announce_job_end
from claimbatch.logic.process_chunk import ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.logic.split_file import SplitDeps, SplitSettings, split_job
from claimbatch.logic.sweep_jobs import SweepSettings, sweep_jobs
from claimbatch.logic.start_job import start_job
from claimbatch.observability import logger
from claimbatch.ports.messages import RowChunk
from claimbatch.ports.object_events import ObjectCreated
from claimbatch.runtime.local_notifier import LocalNotifier

STAGE_ATTEMPTS = 5  # a splitter or aggregator that keeps crashing fails its job after this many tries
DB_NAME = "claimbatch.db"
UNFINISHED_STATES = (JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING)
_STOP_SPLITTERS_S = 10.0  # how long stop() waits for splitter threads to let go of the store


class RuntimeStopping(Exception):
    """The runtime is shutting down: a splitter thread gives up handing on rows."""


@dataclass(frozen=True)
class EmbeddedSettings:
    data_dir: Path
    concurrency: int = 16  # lookups in flight
    rows_per_message: int = 100
    limits: InputLimits = field(default_factory=InputLimits)
    # A row whose lookups failed transiently (throttled, API down) is written as failed only
    # once its chunk has waited row_patience_s since its first delivery (or used up
    # max_deliveries). Each delivery gives a row the client's whole retry budget; between
    # deliveries the chunk waits a jittered base * 2**delivery, at most max_redelivery_delay_s.
    row_patience_s: float = 900.0
    max_deliveries: int = 200
    redelivery_base_s: float = 1.0
    max_redelivery_delay_s: float = 30.0
    # The sweeper: a job without progress this long is split again (see logic/sweep_jobs.py).
    stall_after_s: float = 1800.0
    sweep_every_s: float = 60.0
    split_threads: int = 4  # files split at once; more wait their turn


class _QueueBridge:
    """RowQueue and StageSignals for code running in the splitter's thread:
    hands chunks to the event loop, blocking while the queue is full, so
    memory stays flat whatever the file size."""

    def __init__(self, runtime: EmbeddedRuntime) -> None:
        self._runtime = runtime

    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        for chunk in chunks:
            self._runtime._call_in_loop(self._runtime._chunks.put((chunk, 1, None)))

    def request_aggregation(self, job_id: str) -> None:
        self._runtime._call_in_loop(self._runtime._aggregations.put(job_id))

    def continue_split(self, job_id: str) -> None:
        self._runtime._call_in_loop(self._runtime._start_split(job_id))


class EmbeddedRuntime:
    def __init__(
        self, settings: EmbeddedSettings, provider: ClaimStatusProvider, notifier: LocalNotifier | None = None
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.notifier = notifier  # told of each job's end; delivers on its own task
        self.store = SqliteJobStore(settings.data_dir / DB_NAME)
        self.objects = LocalObjectStore(settings.data_dir)
        self.queues = _QueueBridge(self)  # for code on other threads: splitters, the sweeper, the job API
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._finished: dict[str, asyncio.Event] = {}
        self._stopping = False
        self._splitters: set[asyncio.Future[object]] = set()  # splits running, waited for by stop()
        # Splitters block while the chunk queue is full. In their own threads they can never
        # take all of the default executor, which the workers need to reach the store.
        self._split_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.split_threads, thread_name_prefix="claimbatch-splitter"
        )

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        # (chunk, delivery, first delivered at): as an SQS message's receive count and first-receive time
        self._chunks: asyncio.Queue[tuple[RowChunk, int, float | None]] = asyncio.Queue(maxsize=self._workers() * 4)
        self._aggregations: asyncio.Queue[str] = asyncio.Queue()
        for _ in range(self._workers()):
            self._spawn(self._worker())
        self._spawn(self._aggregator())
        self._spawn(self._sweeper())
        if self.notifier is not None:
            self._spawn(self.notifier.run())

    async def stop(self) -> None:
        """Stop at once: lookups in flight are abandoned (their rows run again after a
        restart), splitter threads let go, then the store is closed."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._splitters:
            await asyncio.wait(self._splitters, timeout=_STOP_SPLITTERS_S)
        self._split_pool.shutdown(wait=False, cancel_futures=True)
        await self.provider.aclose()
        if self.notifier is not None:
            self.notifier.close()
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
        # Each worker looks up a whole chunk at once and the client caps lookups in flight.
        # A chunk finishes with its slowest row (retries back off for seconds), so keep
        # twice the chunks the API can serve, and a few more, on the way: the pool never idles.
        return max(4, 2 * math.ceil(self.settings.concurrency / self.settings.rows_per_message) + 2)

    def _call_in_loop(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run `coroutine` on the event loop from a splitter thread and wait for it;
        raises RuntimeStopping instead of waiting forever once stop() has begun."""
        assert self._loop is not None
        if self._stopping:
            coroutine.close()
            raise RuntimeStopping
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        while True:
            try:
                future.result(timeout=0.2)
                return
            except concurrent.futures.TimeoutError:
                if self._stopping:
                    future.cancel()
                    raise RuntimeStopping from None

    # -- jobs ---------------------------------------------------------------------

    def create_job(self, key: str, version: str, size: int) -> Job | None:
        """The job for this object version, made on first sight; None when the object is not a job."""
        return start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version=version, size=size), self.store)

    def create_new_job(self, key: str, version: str, size: int, *, any_name: bool = False) -> Job | None:
        """A job made by this call; None when the object is not a job or already has one
        (made earlier, or by another process on the same data folder). `any_name`: the
        user named the file, so the inbox's rules for names that are not jobs do not apply."""
        if not any_name and skip_reason(key, size) is not None:
            return self.create_job(key, version, size)  # logs why it is skipped; None
        job = new_job(SourceObject(bucket=LOCAL_BUCKET, key=key, version=version, size=size))
        if not self.store.create_job(job):
            logger.info("object already has a job", extra={"job_id": job.job_id})
            return None
        logger.info("job created", extra={"job_id": job.job_id})
        return job

    def unfinished_jobs(self) -> list[Job]:
        return self.store.list_jobs(UNFINISHED_STATES)

    def cancel_job(self, job_id: str) -> bool:
        """Give up an unfinished job (a `run` the user interrupted); True when it was cancelled."""
        cancelled = self.store.transition(job_id, UNFINISHED_STATES, JobState.CANCELLED, at=utc_now())
        if cancelled:
            logger.info("job cancelled", extra={"job_id": job_id})
        return cancelled

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

    async def _start_split(self, job_id: str, attempt: int = 1) -> None:
        deps = SplitDeps(
            store=self.store,
            objects=self.objects,
            rows=self.queues,
            signals=self.queues,
            settings=SplitSettings(rows_per_message=self.settings.rows_per_message, limits=self.settings.limits),
        )
        assert self._loop is not None
        thread = self._loop.run_in_executor(self._split_pool, split_job, job_id, deps, lambda: math.inf)
        self._splitters.add(thread)
        thread.add_done_callback(self._splitters.discard)

        async def split() -> None:
            try:
                await asyncio.shield(thread)
            except RuntimeStopping:
                logger.info("splitter stopped", extra={"job_id": job_id})
                return
            except OSError as error:  # the input went away or cannot be read: no use trying again
                logger.warning("input unreadable", extra={"job_id": job_id, "error_type": type(error).__name__})
                await self._fail_job(job_id, f"cannot read the input file: {error.strerror or type(error).__name__}")
            except Exception:
                logger.exception("splitter failed", extra={"job_id": job_id, "attempt": attempt})
                if attempt < STAGE_ATTEMPTS:
                    await asyncio.sleep(self._redelivery_delay(attempt + 1))
                    await self._start_split(job_id, attempt + 1)
                    return
                await self._fail_job(job_id, "the input file could not be split (details in the log)")
            # A terminal job is marked finished by the aggregator, once its summary is written.

        self._spawn(split())

    async def _fail_job(self, job_id: str, error: str) -> None:
        """A job that cannot go on fails with one sentence, and still gets its summary."""
        failed = await asyncio.to_thread(
            self.store.transition, job_id, UNFINISHED_STATES, JobState.FAILED, error=error, at=utc_now()
        )
        if failed:
            await self._aggregations.put(job_id)

    def _mark_if_terminal(self, job_id: str) -> None:
        job = self.store.get_job(job_id)
        if job is not None and job.state.is_terminal and job_id in self._finished:
            self._finished[job_id].set()

    # -- the pool -------------------------------------------------------------------

    async def _worker(self) -> None:
        deps = WorkerDeps(
            store=self.store,
            provider=self.provider,
            signals=self.queues,
            max_deliveries=self.settings.max_deliveries,
            patience_s=self.settings.row_patience_s,
        )
        while True:
            chunk, delivery, first_delivered_at = await self._chunks.get()
            first_delivered_at = first_delivered_at or time.time()
            try:
                await process_chunk(chunk, delivery, deps, first_delivered_at)
            except ChunkDeferred:
                logger.info(
                    "chunk deferred: rows failed transiently",
                    extra={"job_id": chunk.job_id, "chunk": chunk.chunk, "delivery": delivery},
                )
                self._redeliver(chunk, delivery + 1, first_delivered_at)
            except Exception:
                logger.exception("chunk failed, redelivering", extra={"job_id": chunk.job_id, "chunk": chunk.chunk})
                self._redeliver(chunk, delivery + 1, first_delivered_at)
            finally:
                self._chunks.task_done()

    def _redelivery_delay(self, delivery: int) -> float:
        ceiling = min(self.settings.max_redelivery_delay_s, self.settings.redelivery_base_s * 2 ** min(delivery, 16))
        return random.uniform(ceiling / 2, ceiling)  # jittered, but never next to nothing

    def _redeliver(self, chunk: RowChunk, delivery: int, first_delivered_at: float) -> None:
        delay = self._redelivery_delay(delivery)

        async def later() -> None:
            await asyncio.sleep(delay)
            await self._chunks.put((chunk, delivery, first_delivered_at))

        self._spawn(later())

    async def _sweeper(self) -> None:
        """The embedded twin of the scheduled sweeper Lambda: no job stays unfinished."""
        settings = SweepSettings(stall_after=timedelta(seconds=self.settings.stall_after_s))
        while True:
            await asyncio.sleep(self.settings.sweep_every_s)
            try:
                await asyncio.to_thread(sweep_jobs, self.store, self.queues, settings, utc_now())
            except RuntimeStopping:
                return
            except Exception:
                logger.exception("sweep failed")

    async def _aggregator(self) -> None:
        deps = AggregateDeps(store=self.store, objects=self.objects)
        failures: dict[str, int] = {}
        while True:
            job_id = await self._aggregations.get()
            try:
                await asyncio.to_thread(aggregate_job, job_id, deps)
            except Exception:
                failures[job_id] = attempt = failures.get(job_id, 0) + 1
                logger.exception("aggregation failed", extra={"job_id": job_id, "attempt": attempt})
                if attempt < STAGE_ATTEMPTS:
                    self._spawn(self._aggregate_later(job_id, self._redelivery_delay(attempt + 1)))
                else:  # the results cannot be written (a full disk?): the job must still end
                    await asyncio.to_thread(
                        self.store.transition,
                        job_id,
                        [JobState.AGGREGATING],
                        JobState.FAILED,
                        error="the results file could not be written (details in the log)",
                        at=utc_now(),
                    )
            await self._announce_if_ended(job_id)
            self._mark_if_terminal(job_id)

    async def _announce_if_ended(self, job_id: str) -> None:
        """Hand a job that ended to the notifier; a failure here never holds up the pipeline."""
        if self.notifier is None:
            return
        try:
            await asyncio.to_thread(announce_job_end, job_id, self.store, self.notifier)
        except Exception:
            logger.exception("job end not announced", extra={"job_id": job_id})

    async def _aggregate_later(self, job_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._aggregations.put(job_id)
