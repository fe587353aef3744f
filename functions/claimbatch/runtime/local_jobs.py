"""Making and cancelling jobs of the embedded runtime: a file in the data folder
becomes a job once per object version, as an S3 event does in AWS."""

from __future__ import annotations

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET
from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import Job, JobState, SourceObject, new_job, utc_now
from claimbatch.logic.start_job import start_job
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_events import ObjectCreated
from claimbatch.runtime.embedded_settings import UNFINISHED_STATES


def job_for_object(store: JobStore, key: str, version: str, size: int) -> Job | None:
    """The job for this object version, made on first sight; None when the object is not a job."""
    return start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version=version, size=size), store)


def new_job_for_object(store: JobStore, key: str, version: str, size: int, *, any_name: bool = False) -> Job | None:
    """A job made by this call; None when the object is not a job or already has one
    (made earlier, or by another process on the same data folder). `any_name`: the
    user named the file, so the inbox's rules for names that are not jobs do not apply."""
    if not any_name and skip_reason(key, size) is not None:
        return job_for_object(store, key, version, size)  # logs why it is skipped; None
    job = new_job(SourceObject(bucket=LOCAL_BUCKET, key=key, version=version, size=size))
    if not store.create_job(job):
        logger.info("object already has a job", extra={"job_id": job.job_id})
        return None
    logger.info("job created", extra={"job_id": job.job_id})
    return job


def cancel_unfinished(store: JobStore, job_id: str) -> bool:
    """Give up an unfinished job (a `run` the user interrupted); True when it was cancelled."""
    cancelled = store.transition(job_id, UNFINISHED_STATES, JobState.CANCELLED, at=utc_now())
    if cancelled:
        logger.info("job cancelled", extra={"job_id": job_id})
    return cancelled
