"""An object arrived: is it a job, and which one? Idempotent per object version."""

from __future__ import annotations

from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import Job, SourceObject, new_job
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_events import ObjectCreated

__all__ = ["ObjectCreated", "start_job"]


def start_job(event: ObjectCreated, store: JobStore) -> Job | None:
    """The job for this object version, created on first sight; None when the object is not a job."""
    reason = skip_reason(event.key, event.size)
    if reason is not None:
        logger.info("object skipped", extra={"reason": reason})
        return None
    job = new_job(
        SourceObject(bucket=event.bucket, key=event.key, version=event.version, etag=event.etag, size=event.size or 0)
    )
    if store.create_job(job):
        logger.info("job created", extra={"job_id": job.job_id})
        return job
    logger.info("object already has a job", extra={"job_id": job.job_id})
    return store.get_job(job.job_id)
