"""Finding the job an id names, for one tenant, and showing it as the API does.

An id is a job id, or the upload id that POST /jobs returned: the upload's file
becomes a job (with an id of its own) once it has landed, and is found by its
key. Another tenant's job or upload is not found, whatever its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from claimbatch.api.dependencies import JobApiDeps
from claimbatch.api.errors import JobNotFound
from claimbatch.api.models import ApiJobState, JobCountsView, JobView
from claimbatch.domain.job import INBOX_PREFIX, Job, JobState
from claimbatch.ports.uploads import UploadRecord

UPLOAD_ID = re.compile(r"up-[0-9a-f]{20}")
JOB_ID = re.compile(r"[0-9a-f]{24}")
# Jobs are stamped by another machine (the splitter) than the upload: allow for clock skew.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Found:
    job: Job | None  # None while the upload has not become a job
    upload: UploadRecord | None


def upload_key(tenant: str, upload_id: str, filename: str) -> str:
    return f"{INBOX_PREFIX}{tenant}/{upload_id}/{filename}"


def upload_id_of_key(key: str) -> str | None:
    parts = key.split("/")
    return parts[2] if len(parts) == 4 and UPLOAD_ID.fullmatch(parts[2]) else None


def find_job(tenant: str, job_id: str, deps: JobApiDeps) -> Found:
    store = deps.store
    if JOB_ID.fullmatch(job_id):
        job = store.get_job(job_id)
        if job is not None and job.tenant == tenant:
            return Found(job=job, upload=None)
    elif UPLOAD_ID.fullmatch(job_id):
        upload = store.get_upload(job_id)
        if upload is not None and upload.tenant == tenant:
            return Found(job=_job_of_upload(upload, deps), upload=upload)
    raise JobNotFound


def _job_of_upload(upload: UploadRecord, deps: JobApiDeps) -> Job | None:
    store = deps.store
    if upload.job_id is not None:
        return store.get_job(upload.job_id)
    job = store.find_job_by_source(upload.tenant, upload.key, upload.created_at - CLOCK_SKEW)
    if job is not None:
        store.link_upload(upload.upload_id, job.job_id)
    return job


def results_ready(job: Job) -> bool:
    """A COMPLETED job has its results file. A CANCELLED one has it a moment after it is
    cancelled: its counters are set to what the file holds (every row done) once it is written."""
    if job.state is JobState.COMPLETED:
        return True
    counts = job.counts
    return job.state is JobState.CANCELLED and counts.total is not None and counts.done == counts.total


def job_view(job: Job) -> JobView:
    counts = job.counts
    has_file = results_ready(job)
    return JobView(
        job_id=job.job_id,
        upload_id=upload_id_of_key(job.source.key),
        filename=job.source.key.rsplit("/", 1)[-1],
        state=ApiJobState(job.state.value),
        counts=JobCountsView(**counts.model_dump()),
        progress=100 if job.state is JobState.COMPLETED else counts.progress_percent,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        error=job.error,
        results=f"/jobs/{job.job_id}/results" if has_file else None,
        errors=f"/jobs/{job.job_id}/errors" if has_file else None,
    )


def upload_view(upload: UploadRecord, now: datetime, grace: timedelta) -> JobView:
    expired = now > upload.expires_at + grace
    return JobView(
        job_id=upload.upload_id,
        upload_id=upload.upload_id,
        filename=upload.filename,
        state=ApiJobState.UPLOAD_EXPIRED if expired else ApiJobState.AWAITING_UPLOAD,
        counts=JobCountsView(
            total=None, done=0, succeeded=0, not_found=0, invalid=0, failed=0, cancelled=0, retryable=0
        ),
        progress=0,
        created_at=upload.created_at,
        error="the upload form expired before a file arrived; create a new job" if expired else None,
    )


def view_of(found: Found, deps: JobApiDeps) -> JobView:
    if found.job is not None:
        return job_view(found.job)
    assert found.upload is not None
    return upload_view(found.upload, deps.clock(), deps.settings.pickup_grace)
