"""Retry a COMPLETED job: only the rows whose lookup failed with a retryable error
(API unavailable, throttled, timed out, given up after redeliveries, or missing)
are looked up again; the results file is then rebuilt.

How the counting stays exact: a row is counted as part of its chunk (chunk k is
input rows k*n+1 .. (k+1)*n, n = rows per message). Each chunk that holds a row
to retry is *uncounted* in one store transaction (its tally taken off the
counters, its stored results kept as a partial chunk but for the rows retried),
and the chunk is sent again under its own id with all its valid rows: the worker
looks up only the rows without a result and counts the chunk once more. Since the ids and row sets are those of
the first split, a re-split by the sweeper (or by the embedded runtime after a
restart) in the middle of a retry counts the same rows under the same ids:
nothing is counted twice, nothing stays uncounted.

Order, so that any crash leaves a job that still ends: the stored results are
checked against the counters (every counted row must have its result, else a row
taken for missing would be counted twice and done would pass total: such a job is
refused), and the input is read (while the job is still COMPLETED, so a changed or
unreadable file refuses the retry without touching anything); then the job is reopened (COMPLETED →
PROCESSING, exactly one caller wins); then chunk by chunk: uncount (forgetting
the retried rows); then the chunks are sent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from claimbatch import defaults
from claimbatch.domain.claim_row import ValidRow
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.input_reader import InputLimits, read_claim_rows
from claimbatch.domain.job import Job, JobState, SplitPlan
from claimbatch.domain.result_row import ResultRow, RowOutcome, result_from_invalid
from claimbatch.domain.results_order import one_result_per_row
from claimbatch.logic.completion import complete_if_done
from claimbatch.logic.split_file import SEND_BATCH, chunk_id_of_invalid_rows
from claimbatch.observability import logger
from claimbatch.ports.job_store import ChunkId, JobStore
from claimbatch.ports.messages import QueuedRow, RowChunk
from claimbatch.ports.object_store import ObjectStore
from claimbatch.ports.queues import RowQueue, StageSignals


class RetryRefused(Exception):
    """The job cannot be retried now; the message says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RetryDeps:
    store: JobStore
    objects: ObjectStore
    rows: RowQueue
    signals: StageSignals
    # For a job split before jobs recorded their split plan: the splitter's chunk size and limits.
    rows_per_message: int = defaults.ROWS_PER_MESSAGE
    limits: InputLimits = field(default_factory=InputLimits)

    def plan_of(self, job: Job) -> SplitPlan:
        """The chunks and limits of the job's own split (chunk ids name its row ranges)."""
        return job.split_plan or SplitPlan(
            rows_per_message=self.rows_per_message, max_rows=self.limits.max_rows, max_bytes=self.limits.max_bytes
        )


@dataclass(frozen=True)
class RetryStarted:
    job_id: str
    rows: int  # rows that run again; 0: nothing to retry, the job is unchanged
    attempt: int | None = None  # 1 for the job's first retry, …


@dataclass
class _Plan:
    rows: dict[int, str]  # row → claim number stored with its failed result ("" when missing)
    chunks: dict[int, list[QueuedRow]] = field(default_factory=lambda: defaultdict(list))  # every valid row
    row_errors: list[ResultRow] = field(default_factory=list)  # missing rows that turn out to be row errors


def is_retryable(result: ResultRow) -> bool:
    return result.outcome is RowOutcome.FAILED and result.retryable


def retry_job(job_id: str, deps: RetryDeps) -> RetryStarted:
    store = deps.store
    job = store.get_job(job_id)
    if job is None:
        raise RetryRefused("no such job")
    if job.state is not JobState.COMPLETED:
        raise RetryRefused(f"only a COMPLETED job can be retried; this one is {job.state.value}")
    total = job.counts.total or 0
    stored = list(store.iter_results(job_id))
    _refuse_results_not_all_stored(job, stored)
    results = one_result_per_row(stored, total)
    rows = {result.row: result.claim_number for result in results if is_retryable(result)}
    if not rows:
        return RetryStarted(job_id=job_id, rows=0)
    plan = _read_plan(job, rows, deps)

    attempt = store.reopen_for_retry(job_id)
    if attempt is None:
        raise RetryRefused("the job is being retried already")
    logger.info("retry started", extra={"job_id": job_id, "attempt": attempt, "rows": len(rows)})
    for chunk, queued in sorted(plan.chunks.items()):
        retried = [row.row for row in queued if row.row in rows]
        if not store.uncount_chunk(job_id, ChunkId(chunk), retried):
            current = store.get_job(job_id)
            if current is None or current.state is not JobState.PROCESSING:
                # Cancelled meanwhile: what was uncounted is written as cancelled.
                raise RetryRefused("the job changed while the retry was starting")
            # Never counted (a job the sweeper had to finish): the resent chunk counts it,
            # looking up again the rows to retry that an earlier delivery kept.
            store.forget_results(job_id, ChunkId(chunk), retried)
    _record_row_errors(job, plan.row_errors, deps)
    outgoing = [RowChunk(job_id=job_id, chunk=chunk, rows=queued) for chunk, queued in sorted(plan.chunks.items())]
    for start in range(0, len(outgoing), SEND_BATCH):
        deps.rows.send_chunks(outgoing[start : start + SEND_BATCH])
    complete_if_done(job_id, store, deps.signals)  # only row errors to record: done at once
    return RetryStarted(job_id=job_id, rows=len(rows), attempt=attempt)


def _refuse_results_not_all_stored(job: Job, stored: list[ResultRow]) -> None:
    """A job whose counters hold rows that have no stored result (a job finished before
    results were stored per chunk, read by a later version): a retry would take those
    rows as missing and count them a second time, so it is refused before anything changes."""
    total = job.counts.total or 0
    covered = len({result.row for result in stored if 1 <= result.row <= total})
    if covered < job.counts.done:
        logger.warning(
            "retry refused: stored results cover fewer rows than counted",
            extra={"job_id": job.job_id, "stored_rows": covered, "counted_rows": job.counts.done},
        )
        raise RetryRefused(_PREDATES)


_PREDATES = (
    "this job's stored results predate the current storage layout, so it cannot be retried;"
    " upload the file again as a new job"
)


def _read_plan(job: Job, rows: dict[int, str], deps: RetryDeps) -> _Plan:
    """Read the input again: the valid rows of every chunk that holds a row to retry."""
    split = deps.plan_of(job)
    chunks = {split.chunk_of(row) for row in rows}
    plan = _Plan(rows=rows)
    seen = 0
    source = job.source
    read = deps.objects.read_chunks(source.bucket, source.key, source.version)
    try:
        for parsed in read_claim_rows(read, split.limits(deps.limits)):
            chunk = split.chunk_of(parsed.row)
            if chunk not in chunks:
                continue
            retried = parsed.row in rows
            if isinstance(parsed, ValidRow):
                if retried and rows[parsed.row] and rows[parsed.row] != parsed.query.claim_number:
                    raise RetryRefused(_CHANGED)
                plan.chunks[chunk].append(QueuedRow.of(parsed))
            elif retried:
                plan.row_errors.append(result_from_invalid(parsed))
            seen += retried
    except InputFileError as error:
        raise RetryRefused(f"the input file cannot be read again: {error.message}") from None
    except OSError as error:
        raise RetryRefused(f"the input file cannot be read again: {error.strerror or type(error).__name__}") from None
    if seen != len(rows):
        raise RetryRefused(_CHANGED)
    # A chunk goes out again only for a valid row to look up (row errors are recorded apart).
    plan.chunks = {chunk: queued for chunk, queued in plan.chunks.items() if any(row.row in rows for row in queued)}
    return plan


_CHANGED = "the input file has changed since the job ran; upload it again as a new job"


def _record_row_errors(job: Job, results: list[ResultRow], deps: RetryDeps) -> None:
    """Rows whose result was missing and that are row errors: stored and counted as the splitter does."""
    split = deps.plan_of(job)
    by_chunk: dict[int, list[ResultRow]] = defaultdict(list)
    for result in results:
        by_chunk[split.chunk_of(result.row)].append(result)
    for chunk, chunk_results in by_chunk.items():
        deps.store.count_chunk(job.job_id, chunk_id_of_invalid_rows(chunk), chunk_results)
