"""Finding jobs other than by id: the unfinished ones (the sweeper), a tenant's
(the job API's listings), the one an uploaded object became."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from claimbatch.domain.job import Job, JobState


@dataclass(frozen=True)
class JobPage:
    """One page of a tenant's jobs, newest first. `next_after` is the position to go
    on from (opaque to callers: `<created_at>#<job_id>` of the last job), None at the end."""

    jobs: list[Job]
    next_after: str | None


class JobListing(Protocol):
    """Jobs by what they are, not by id."""

    def list_active_jobs(self) -> list[Job]:
        """Every job not yet in a terminal state (for the sweeper)."""
        ...

    def list_tenant_jobs(
        self, tenant: str, *, state: JobState | None = None, limit: int = 20, after: str | None = None
    ) -> JobPage:
        """The tenant's jobs newest first, `limit` at most, starting after the position `after`."""
        ...

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        """The newest job of the tenant made from object `key` since `created_since`."""
        ...
