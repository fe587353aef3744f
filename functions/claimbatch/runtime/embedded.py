"""The embedded runtime: the pipeline on one machine, no AWS.

Same use cases as the Lambda functions (split_job, process_chunk,
aggregate_job, sweep_jobs) behind the same ports, with local adapters: a data
folder for objects, SQLite for jobs and results, and in place of SQS and Lambda
concurrency, the parts this class starts and stops together:

    splitter_threads.py  files split in threads of their own
    worker_pool.py       a bounded chunk queue and the tasks that look rows up
    lookup_process.py    the claims lookups of whole chunks in a child process (when the
                         runtime is given a LookupProcess; a provider instance runs in-process)
    aggregator_loop.py   results files and summaries written, jobs ended
    sweeper_loop.py      stalled jobs re-driven
    thread_queues.py     the queue ports for code on other threads (splitters, sweeper, job API)
    local_jobs.py        jobs made from files, cancelled
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from claimbatch.adapters.embedded.local_object_store import LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.claims.provider import ClaimStatusProvider
from claimbatch.domain.job import Job, JobState
from claimbatch.runtime.aggregator_loop import AggregatorLoop
from claimbatch.runtime.embedded_settings import DB_NAME, UNFINISHED_STATES, EmbeddedSettings
from claimbatch.runtime.local_jobs import cancel_unfinished, job_for_object, new_job_for_object
from claimbatch.runtime.local_notifier import LocalNotifier
from claimbatch.runtime.lookup_process import LookupProcess
from claimbatch.runtime.splitter_threads import SplitterThreads
from claimbatch.runtime.sweeper_loop import sweep_forever
from claimbatch.runtime.thread_handoff import LoopHandoff, RuntimeStopping
from claimbatch.runtime.thread_queues import ThreadQueues
from claimbatch.runtime.worker_pool import WorkerPool

__all__ = ["DB_NAME", "EmbeddedRuntime", "EmbeddedSettings", "RuntimeStopping"]


class EmbeddedRuntime:
    def __init__(
        self, settings: EmbeddedSettings, provider: ClaimStatusProvider, notifier: LocalNotifier | None = None
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.notifier = notifier  # told of each job's end; delivers on its own task
        self.store = SqliteJobStore(settings.data_dir / DB_NAME)
        self.objects = LocalObjectStore(settings.data_dir)
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: dict[str, asyncio.Event] = {}
        self._handoff = LoopHandoff()
        self._pool = WorkerPool(settings, self.store, provider, self._spawn)
        self._aggregator = AggregatorLoop(settings, self.store, self.objects, notifier, self._spawn, self._mark_if_terminal)
        self._splitters = SplitterThreads(settings, self.store, self.objects, self._handoff, self._spawn)
        # For code on other threads: splitters, the sweeper, the job API's routes.
        self.queues = ThreadQueues(
            self._handoff, send_chunk=self._pool.put, aggregate=self._aggregator.put, split=self._splitters.start
        )
        self._splitters.connect(self.queues, self._aggregator.fail_job)

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        self._handoff.loop = asyncio.get_running_loop()
        if isinstance(self.provider, LookupProcess):
            await self.provider.start()  # ready before the first chunk: a child takes a second to start
        self._pool.start(self.queues)
        self._aggregator.start()
        self._spawn(sweep_forever(self.settings, self.store, self.queues))
        if self.notifier is not None:
            self._spawn(self.notifier.run())

    async def stop(self) -> None:
        """Stop at once: lookups in flight are abandoned (their rows run again after a
        restart), splitter threads let go, then the store is closed."""
        self._handoff.stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self._splitters.stop()
        await self.provider.aclose()
        if self.notifier is not None:
            self.notifier.close()
        self.store.close()

    async def __aenter__(self) -> EmbeddedRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def worker_count(self) -> int:
        return self._pool.worker_count

    # -- jobs ---------------------------------------------------------------------

    def create_job(self, key: str, version: str, size: int) -> Job | None:
        """The job for this object version, made on first sight; None when the object is not a job."""
        return job_for_object(self.store, key, version, size)

    def create_new_job(self, key: str, version: str, size: int, *, any_name: bool = False) -> Job | None:
        """A job made by this call; None when the object is not a job or already has one."""
        return new_job_for_object(self.store, key, version, size, any_name=any_name)

    def unfinished_jobs(self) -> list[Job]:
        return self.store.list_jobs(UNFINISHED_STATES)

    def cancel_job(self, job_id: str) -> bool:
        """Give up an unfinished job (a `run` the user interrupted); True when it was cancelled."""
        return cancel_unfinished(self.store, job_id)

    async def submit(self, job_id: str) -> asyncio.Event:
        """Start (or resume) a job once per process; the returned event is set when it is terminal."""
        if job_id in self._finished:
            return self._finished[job_id]
        finished = self._finished[job_id] = asyncio.Event()
        job = self.store.get_job(job_id)
        if job is None or job.state.is_terminal:
            finished.set()
        elif job.state is JobState.AGGREGATING:
            await self._aggregator.put(job_id)
        else:
            self.store.reopen_split(job_id)  # nothing of it is in this process's queue yet
            await self._splitters.start(job_id)
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

    def _mark_if_terminal(self, job_id: str) -> None:
        job = self.store.get_job(job_id)
        if job is not None and job.state.is_terminal and job_id in self._finished:
            self._finished[job_id].set()
