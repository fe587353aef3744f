"""The job's last step: whoever finishes the last rows starts the aggregation, once."""

from __future__ import annotations

from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.queues import StageSignals


def complete_if_done(job_id: str, store: JobStore, signals: StageSignals) -> bool:
    """Move PROCESSING → AGGREGATING when every row is counted, and ask for the
    results file. The conditional move makes exactly one caller do it."""
    if not store.try_begin_aggregation(job_id):
        return False
    logger.info("all rows done, aggregating", extra={"job_id": job_id})
    signals.request_aggregation(job_id)
    return True
