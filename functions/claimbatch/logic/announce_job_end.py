"""A job that reached a terminal state is handed to the notifier, once its results
file and summary are written (so the counts are final and the links work)."""

from __future__ import annotations

from claimbatch.domain.job_event import JobEvent
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.notifications import JobEndOutbox


def announce_job_end(job_id: str, store: JobStore, outbox: JobEndOutbox) -> JobEvent | None:
    """The event handed on; None when the job is unknown or not terminal (a retry reopened it)."""
    job = store.get_job(job_id)
    if job is None or not job.state.is_terminal:
        return None
    event = JobEvent.of(job)
    outbox.job_ended(event)
    logger.info("job end announced", extra={"job_id": job_id, "message_id": event.message_id})
    return event
