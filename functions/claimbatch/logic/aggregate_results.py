"""The aggregator's use case: stream the results file and the summary, then
mark the job COMPLETED. Idempotent: run twice, it writes the same files.

A CANCELLED job gets its results file and summary too: rows already looked up
keep their result, row errors stay row errors, every other row is written as
cancelled. The input is read again for that, since a job cancelled while it was
being split does not know its rows yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from claimbatch.domain.claim_row import ParsedRow, ValidRow
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.input_reader import InputLimits, read_claim_rows
from claimbatch.domain.job import Job, JobCounts, JobState, OutcomeTally, job_results_key, utc_now
from claimbatch.domain.result_row import ResultRow, RowOutcome, result_from_invalid
from claimbatch.domain.results_order import one_result_per_row
from claimbatch.domain.results_writer import iter_results_csv
from claimbatch.domain.summary import summary_json_bytes
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_store import ObjectStore

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
CANCELLED_ERROR = "cancelled"


@dataclass
class AggregateDeps:
    store: JobStore
    objects: ObjectStore
    limits: InputLimits = field(default_factory=InputLimits)  # for re-reading a cancelled job's input


def _log_missing(job_id: str):
    def on_missing(row: int) -> None:
        logger.error("row result missing at aggregation", extra={"job_id": job_id, "row": row})

    return on_missing


def aggregate_job(job_id: str, deps: AggregateDeps) -> JobState | None:
    """Write what the job's state calls for; returns the state the job ends in."""
    store, objects = deps.store, deps.objects
    job = store.get_job(job_id)
    if job is None:
        logger.warning("aggregation for an unknown job", extra={"job_id": job_id})
        return None
    bucket = job.source.bucket

    if job.state is JobState.FAILED:
        objects.write_stream(bucket, job.summary_key, [summary_json_bytes(job, None)], JSON_CONTENT_TYPE)
        return job.state
    if job.state is JobState.CANCELLED:
        _write_cancelled(job, deps)
        return job.state
    if job.state is not JobState.AGGREGATING:
        logger.info("aggregation not due", extra={"job_id": job_id, "state": job.state.value})
        return job.state

    total = job.counts.total or 0
    tally = OutcomeTally()

    def counted(rows: Iterable[ResultRow]) -> Iterator[ResultRow]:
        for result in rows:
            tally.add(result)
            yield result

    rows = one_result_per_row(store.iter_results(job_id), total, _log_missing(job_id))
    _write_results(objects, job, iter_results_csv(counted(rows)))

    # The summary counts what the file holds, so a job the sweeper had to finish
    # reports its missing rows as failed.
    completed_at = utc_now()
    counts = JobCounts(total=total, **tally.model_dump())
    finished = job.model_copy(update={"state": JobState.COMPLETED, "completed_at": completed_at, "counts": counts})
    location = objects.location(bucket, job.results_key)
    objects.write_stream(bucket, job.summary_key, [summary_json_bytes(finished, location)], JSON_CONTENT_TYPE)
    store.transition(job_id, [JobState.AGGREGATING], JobState.COMPLETED, at=completed_at)
    logger.info("job completed", extra={"job_id": job_id, "rows": total})
    return JobState.COMPLETED


def _write_results(objects: ObjectStore, job: Job, lines: Iterable[bytes]) -> None:
    """The job's own copy first (its results link serves it, whatever later jobs of the
    same input name write), then the file users see at the documented path."""
    own = job_results_key(job)
    objects.write_stream(job.source.bucket, own, lines, CSV_CONTENT_TYPE)
    objects.copy(job.source.bucket, own, job.results_key)


def cancelled_row(row: int, claim_number: str) -> ResultRow:
    return ResultRow(row=row, claim_number=claim_number, outcome=RowOutcome.CANCELLED, error=CANCELLED_ERROR)


def _write_cancelled(job: Job, deps: AggregateDeps) -> None:
    """Results and summary of a cancelled job; its counters become what the file holds."""

    def write(rows: Iterable[ResultRow]) -> OutcomeTally:
        tally = OutcomeTally()

        def counted() -> Iterator[ResultRow]:
            for result in rows:
                tally.add(result)
                yield result

        _write_results(deps.objects, job, iter_results_csv(counted()))
        return tally

    try:
        tally = write(_merge_with_input(job, deps))
    except InputFileError:  # the file would have failed the job: write what is known
        logger.info("cancelled job's input unreadable, writing the rows known", extra={"job_id": job.job_id})
        tally = write(_known_rows(job, deps))
    counts = JobCounts(total=tally.done, **tally.model_dump())
    deps.store.record_counts(job.job_id, counts, JobState.CANCELLED)
    finished = job.model_copy(update={"counts": counts})
    location = deps.objects.location(job.source.bucket, job.results_key)
    deps.objects.write_stream(
        job.source.bucket, job.summary_key, [summary_json_bytes(finished, location)], JSON_CONTENT_TYPE
    )
    logger.info("cancelled job's results written", extra={"job_id": job.job_id, **tally.increments()})


def _merge_with_input(job: Job, deps: AggregateDeps) -> Iterator[ResultRow]:
    source = job.source
    limits = job.split_plan.limits(deps.limits) if job.split_plan else deps.limits  # as the job was split
    parsed_rows = read_claim_rows(deps.objects.read_chunks(source.bucket, source.key, source.version), limits)
    stored = _StoredInRowOrder(deps.store.iter_results(job.job_id))
    for parsed in parsed_rows:
        yield stored.get(parsed.row) or _unfinished(parsed)


def _unfinished(parsed: ParsedRow) -> ResultRow:
    if isinstance(parsed, ValidRow):
        return cancelled_row(parsed.row, parsed.query.claim_number)
    return result_from_invalid(parsed)


def _known_rows(job: Job, deps: AggregateDeps) -> Iterator[ResultRow]:
    last_row = job.counts.total if job.counts.total is not None else deps.store.split_cursor(job.job_id)
    stored = _StoredInRowOrder(deps.store.iter_results(job.job_id))
    for row in range(1, last_row + 1):
        yield stored.get(row) or cancelled_row(row, "")


class _StoredInRowOrder:
    """The stored results, asked for by increasing row: one pass over the store's stream."""

    def __init__(self, results: Iterator[ResultRow]) -> None:
        self._results = results
        self._next: ResultRow | None = next(results, None)

    def get(self, row: int) -> ResultRow | None:
        while self._next is not None and self._next.row < row:
            self._next = next(self._results, None)
        if self._next is not None and self._next.row == row:
            return self._next
        return None
