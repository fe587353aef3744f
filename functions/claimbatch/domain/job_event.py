"""What the outside world is told about a job: a snapshot of ids, state, counts and
times, never a row's values. One model for the webhook body, the email, the
EventBridge detail and the message on the notifier's queue."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from claimbatch.domain.job import Job, JobCounts, JobState


class NotificationType(StrEnum):
    COMPLETED = "job.completed"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    TEST = "test"


NOTIFICATION_TYPE_OF_STATE = {
    JobState.COMPLETED: NotificationType.COMPLETED,
    JobState.FAILED: NotificationType.FAILED,
    JobState.CANCELLED: NotificationType.CANCELLED,
}


class JobEvent(BaseModel):
    """A job as it stood at one state change. `file_name` is the input's name without
    its folders; the error is the file-level sentence of a failed job, never a row's."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    job_id: str
    file_name: str
    state: JobState
    counts: JobCounts
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None

    @classmethod
    def of(cls, job: Job) -> JobEvent:
        return cls(
            tenant=job.tenant,
            job_id=job.job_id,
            file_name=job.source.key.rsplit("/", 1)[-1],
            state=job.state,
            counts=job.counts,
            error=job.error if job.state is JobState.FAILED else None,
            created_at=job.created_at,
            started_at=job.started_at,
            completed_at=job.completed_at,
        )

    @property
    def notification_type(self) -> NotificationType | None:
        """The webhook event type of a terminal state; None for a state still on its way."""
        return NOTIFICATION_TYPE_OF_STATE.get(self.state)

    @property
    def message_id(self) -> str:
        """The same for every redelivery of one terminal state (Standard Webhooks' `webhook-id`);
        a retried job that ends again has a new completion time, so a new message."""
        ended = self.completed_at.isoformat() if self.completed_at else ""
        identity = "\x1f".join((self.job_id, self.state.value, ended))
        return "msg_" + hashlib.sha256(identity.encode()).hexdigest()[:32]
