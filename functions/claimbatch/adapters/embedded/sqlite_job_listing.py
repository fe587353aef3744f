"""JobListing on SQLite: jobs by state, a tenant's jobs newest first, the job of an object."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from claimbatch.adapters.embedded.sqlite_tables import SqliteTables, job_of_row, position_after
from claimbatch.domain.job import Job, JobState
from claimbatch.ports.job_listing import JobPage


class SqliteJobListing(SqliteTables):
    """Jobs found by what they are."""

    def list_jobs(self, states: Iterable[JobState] | None = None) -> list[Job]:
        """Jobs newest first, optionally only those in `states`."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at DESC").fetchall()
        wanted = None if states is None else {state.value for state in states}
        return [job_of_row(row) for row in rows if wanted is None or row["state"] in wanted]

    def list_active_jobs(self) -> list[Job]:
        return self.list_jobs([state for state in JobState if not state.is_terminal])

    def list_tenant_jobs(
        self, tenant: str, *, state: JobState | None = None, limit: int = 20, after: str | None = None
    ) -> JobPage:
        sql, params = "SELECT * FROM jobs WHERE tenant = ?", [tenant]
        if state is not None:
            sql += " AND state = ?"
            params.append(state.value)
        if after is not None:
            created_at, job_id = position_after(after)
            sql += " AND (created_at, job_id) < (?, ?)"
            params += [created_at, job_id]
        sql += " ORDER BY created_at DESC, job_id DESC LIMIT ?"
        params.append(limit + 1)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        jobs = [job_of_row(row) for row in rows[:limit]]
        more = len(rows) > limit
        return JobPage(jobs=jobs, next_after=f"{rows[limit - 1]['created_at']}#{jobs[-1].job_id}" if more else None)

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM jobs WHERE tenant = ? AND source_key = ? AND created_at >= ?"
                " ORDER BY created_at DESC, job_id DESC LIMIT 1",
                (tenant, key, created_since.isoformat()),
            ).fetchone()
        return None if row is None else job_of_row(row)
