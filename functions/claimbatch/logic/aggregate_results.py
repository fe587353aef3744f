"""The aggregator's use case: stream the results file and the summary, then
mark the job COMPLETED. Idempotent: run twice, it writes the same files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from claimbatch.domain.job import JobCounts, JobState, OutcomeTally, utc_now
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.results_order import one_result_per_row
from claimbatch.domain.results_writer import iter_results_csv
from claimbatch.domain.summary import summary_json_bytes
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_store import ObjectStore

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


@dataclass
class AggregateDeps:
    store: JobStore
    objects: ObjectStore


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
    objects.write_stream(bucket, job.results_key, iter_results_csv(counted(rows)), CSV_CONTENT_TYPE)

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
