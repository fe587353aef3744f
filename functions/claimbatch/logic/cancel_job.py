"""Cancel a running job: it stops taking rows at once, and ends CANCELLED with
its results file and summary (the aggregator writes the rows not yet looked up
as cancelled). Workers drop the chunks of a job that no longer accepts rows."""

from __future__ import annotations

from claimbatch.domain.job import JobState, utc_now
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.queues import StageSignals

# An AGGREGATING job has every row done: it is writing its results, too late to cancel.
CANCELLABLE_STATES = frozenset({JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING})


def cancel_job(job_id: str, store: JobStore, signals: StageSignals) -> bool:
    """True when this call cancelled the job; False when it was not running (any more)."""
    if not store.transition(job_id, CANCELLABLE_STATES, JobState.CANCELLED, at=utc_now()):
        return False
    logger.info("job cancelled", extra={"job_id": job_id})
    signals.request_aggregation(job_id)  # results file and summary of a cancelled job
    return True
