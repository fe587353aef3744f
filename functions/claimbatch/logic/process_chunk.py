"""The worker's use case: look up one chunk's rows and record each exactly once.

A row whose lookup failed transiently is not written as a failure while the
message still has deliveries left: the chunk goes back to the queue, the rows
answered so far are kept as its partial results, and only the others are looked
up again. A finished chunk's results are stored and counted in one write.

A worker with a deadline (the Lambda worker: its remaining time less a margin to
store results and return) stops waiting for lookups at the deadline; the rows
not answered by then go back with the chunk like transient failures, after
the time the requests left running may still take (docs/aws-design.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from claimbatch import defaults
from claimbatch.claims.provider import ChunkLookups, ClaimStatusProvider
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.job import JobState, OutcomeTally
from claimbatch.domain.result_row import ResultRow, RowOutcome, result_from_lookup
from claimbatch.logic.completion import complete_if_done
from claimbatch.logic.redelivery import RedeliveryPolicy
from claimbatch.observability import logger
from claimbatch.ports.job_store import ChunkId, JobStore
from claimbatch.ports.messages import QueuedRow, RowChunk
from claimbatch.ports.metrics import NoMetrics, PipelineMetrics
from claimbatch.ports.queues import StageSignals

ACCEPTING_ROWS = frozenset({JobState.SPLITTING, JobState.PROCESSING})


class ChunkDeferred(Exception):
    """Some rows failed transiently, or were not answered by the deadline: deliver the chunk
    again after `delay_s`."""

    def __init__(self, job_id: str, chunk: int, deferred_rows: int, delay_s: float, reason: str) -> None:
        super().__init__(f"job {job_id} chunk {chunk}: {deferred_rows} rows deferred ({reason})")
        self.delay_s = delay_s


# Seconds left before the worker must stop looking up and store what it has; None: no deadline.
TimeLeft = Callable[[], float]
NOT_ANSWERED_IN_TIME = "claims API did not answer within the worker's time"


@dataclass
class WorkerDeps:
    store: JobStore
    provider: ClaimStatusProvider
    signals: StageSignals
    max_deliveries: int = defaults.MAX_ROW_RECEIVES
    # How long a row may keep failing transiently (an outage, throttling) before
    # it is written as a failed, retryable row. Counted from the chunk's first delivery.
    patience_s: float = defaults.ROW_PATIENCE_S
    redelivery: RedeliveryPolicy = field(default_factory=RedeliveryPolicy)
    metrics: PipelineMetrics = NoMetrics()
    clock: Callable[[], float] = time.time
    # How long a request already sent when the deadline came may still run (the claims
    # client's request deadline): it keeps its slot until it ends.
    abandoned_request_s: float = 0.0

    def redelivery_delay(self, delivery: int) -> float:
        """The wait before the next delivery of a chunk whose `delivery`-th one did not finish it."""
        return self.redelivery.delay_s(delivery)


@dataclass(frozen=True)
class _Looked:
    result: ResultRow
    redeliver: bool  # a transient failure worth another delivery (see LookupOutcome.redeliver)

    @classmethod
    def of(cls, row: QueuedRow, outcome: LookupOutcome) -> _Looked:
        return cls(result_from_lookup(row.row, row.claim_number, outcome), outcome.redeliver)

    @property
    def transient(self) -> bool:
        return self.redeliver and self.result.outcome is RowOutcome.FAILED and self.result.retryable


async def _look_up(row: QueuedRow, deps: WorkerDeps) -> _Looked:
    started = time.perf_counter()
    outcome = await deps.provider.lookup(row.query())
    deps.metrics.lookup_latency_ms((time.perf_counter() - started) * 1000)
    return _Looked.of(row, outcome)


async def _look_up_all(todo: list[QueuedRow], deps: WorkerDeps, time_left: TimeLeft | None) -> list[_Looked]:
    """Each row's lookup: the chunk's in one call when the provider takes whole chunks
    (it runs them elsewhere: no per-lookup latency to measure), else one at a time, gathered.
    With a deadline, only the lookups answered by then (the others are cancelled)."""
    if time_left is None:
        if not isinstance(deps.provider, ChunkLookups):
            return list(await asyncio.gather(*(_look_up(row, deps) for row in todo)))
        outcomes = await deps.provider.lookup_many([row.query() for row in todo]) if todo else []
        return [_Looked.of(row, outcome) for row, outcome in zip(todo, outcomes, strict=True)]
    seconds = time_left()
    if seconds <= 0 or not todo:
        return []
    tasks = [asyncio.ensure_future(_look_up(row, deps)) for row in todo]
    await asyncio.wait(tasks, timeout=seconds)
    late = [task for task in tasks if not task.done()]
    for task in late:
        task.cancel()  # the client stops what is not sent yet; what is sent ends on its own
    await asyncio.gather(*late, return_exceptions=True)
    return [task.result() for task in tasks if not task.cancelled()]


def _stored_so_far(chunk: RowChunk, deps: WorkerDeps) -> dict[int, ResultRow] | None:
    """The chunk's rows already answered (by row); None when its job no longer accepts rows.
    One trip to the store's thread for both reads."""
    job = deps.store.get_job(chunk.job_id)
    if job is None or job.state not in ACCEPTING_ROWS:
        return None
    return deps.store.chunk_results(chunk.job_id, ChunkId(chunk.chunk))


def _count_and_complete(chunk: RowChunk, results: list[ResultRow], deps: WorkerDeps) -> bool:
    """Store and count the finished chunk, then end the job's processing if it was the last;
    True when this delivery counted it. One trip to the store's thread for both writes."""
    counted = deps.store.count_chunk(chunk.job_id, ChunkId(chunk.chunk), results)
    complete_if_done(chunk.job_id, deps.store, deps.signals)
    return counted


async def process_chunk(
    chunk: RowChunk,
    delivery: int,
    deps: WorkerDeps,
    first_delivered_at: float | None = None,
    time_left: TimeLeft | None = None,
) -> None:
    """Process one delivery (1-based) of a chunk; raises ChunkDeferred to have it redelivered.

    `first_delivered_at` (epoch seconds) is when the chunk was first handed to a
    worker; past the patience, transient failures are written as failed rows.
    `time_left`: the seconds left until the deadline, if the worker has one."""
    store, job_id = deps.store, chunk.job_id
    stored = await asyncio.to_thread(_stored_so_far, chunk, deps)
    if stored is None:
        logger.info("chunk dropped: job does not accept rows", extra={"job_id": job_id, "chunk": chunk.chunk})
        return

    todo = [row for row in chunk.rows if row.row not in stored]
    fresh = await _look_up_all(todo, deps, time_left)
    answered = {looked.result.row for looked in fresh}
    late = [row for row in todo if row.row not in answered]

    waited = deps.clock() - first_delivered_at if first_delivered_at is not None else 0.0
    last_delivery = delivery >= deps.max_deliveries or waited >= deps.patience_s
    deferred = [] if last_delivery else [looked.result for looked in fresh if looked.transient]
    final = [looked.result for looked in fresh if last_delivery or not looked.transient]
    if last_delivery:  # no delivery left to answer them: failed, retryable, like a transient failure
        final += [_not_answered(row) for row in late]
    elif late or deferred:
        if final:  # kept, so the next delivery looks up only the deferred rows
            chunk_id = ChunkId(chunk.chunk)
            await asyncio.to_thread(store.put_partial_results, job_id, chunk_id, [*stored.values(), *final])
        deps.metrics.rows_deferred(len(deferred) + len(late))
        raise _deferral(chunk, delivery, deps, len(deferred), len(late))

    results = [*stored.values(), *final]
    if await asyncio.to_thread(_count_and_complete, chunk, results, deps):
        tally = OutcomeTally.of(results)
        deps.metrics.rows_finished(tally)
        logger.info(
            "chunk done",
            extra={"job_id": job_id, "chunk": chunk.chunk, "delivery": delivery, **tally.increments()},
        )


def _not_answered(row: QueuedRow) -> ResultRow:
    outcome = LookupOutcome.failed(NOT_ANSWERED_IN_TIME, retryable=True, redeliver=True)
    return result_from_lookup(row.row, row.claim_number, outcome)


def _deferral(chunk: RowChunk, delivery: int, deps: WorkerDeps, failed: int, late: int) -> ChunkDeferred:
    """Rows that failed transiently come back after the growing wait. Rows late at the deadline
    come back no sooner than their requests, still running and holding slots, may end: sooner,
    the same (resumed) environment would send the same slow rows again behind them, paying twice
    for exactly those rows with fewer slots, and throwing the first answers away."""
    wait_out_requests_s = deps.abandoned_request_s if late else 0.0
    if failed:
        delay_s = max(deps.redelivery_delay(delivery), wait_out_requests_s)
        return ChunkDeferred(chunk.job_id, chunk.chunk, failed + late, delay_s, "transient failures")
    logger.info("chunk deferred: worker out of time", extra={"job_id": chunk.job_id, "chunk": chunk.chunk, "rows": late})
    return ChunkDeferred(chunk.job_id, chunk.chunk, late, wait_out_requests_s, "not answered by the deadline")
