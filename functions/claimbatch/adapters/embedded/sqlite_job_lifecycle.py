"""JobLifecycle on SQLite: the jobs table's rows and their guarded state moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from claimbatch.adapters.embedded.sqlite_tables import (
    ACCEPTING_ROWS,
    COUNTER_FIELDS,
    SqliteTables,
    job_of_row,
)
from claimbatch.domain.job import Job, JobCounts, JobState, utc_now


class SqliteJobLifecycle(SqliteTables):
    """Jobs by id: state moves as conditional UPDATEs."""

    def create_job(self, job: Job) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO jobs (job_id, state, source, created_at, updated_at, results_key, summary_key,"
                " tenant, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.job_id,
                    job.state.value,
                    job.source.model_dump_json(),
                    job.created_at.isoformat(),
                    job.created_at.isoformat(),
                    job.results_key,
                    job.summary_key,
                    job.tenant,
                    job.source.key,
                ),
            )
            return cursor.rowcount == 1

    def get_job(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else job_of_row(row)

    def transition(
        self,
        job_id: str,
        from_states: Iterable[JobState],
        to_state: JobState,
        *,
        error: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        sources = [state.value for state in from_states]
        sets, params = ["state = ?", "updated_at = ?"], [to_state.value, utc_now().isoformat()]
        if error is not None:
            sets.append("error = ?")
            params.append(error)
        if at is not None:
            sets.append("started_at = ?" if to_state is JobState.SPLITTING else "completed_at = ?")
            params.append(at.isoformat())
        marks = ", ".join("?" for _ in sources)
        return self._update(
            f"UPDATE jobs SET {', '.join(sets)} WHERE job_id = ? AND state IN ({marks})", [*params, job_id, *sources]
        )

    def try_begin_aggregation(self, job_id: str) -> bool:
        return self._update(
            "UPDATE jobs SET state = ?, updated_at = ?"
            " WHERE job_id = ? AND state = ? AND total IS NOT NULL AND done = total",
            (JobState.AGGREGATING.value, utc_now().isoformat(), job_id, JobState.PROCESSING.value),
        )

    def reopen_split(self, job_id: str) -> bool:
        return self._update(
            "UPDATE jobs SET state = ?, rows_split = 0, split_lease_until = 0, updated_at = ?, redrives = redrives + 1"
            " WHERE job_id = ? AND state IN (?, ?, ?)",
            (
                JobState.SPLITTING.value,
                utc_now().isoformat(),
                job_id,
                JobState.RECEIVED.value,
                JobState.SPLITTING.value,
                JobState.PROCESSING.value,
            ),
        )

    def force_aggregation(self, job_id: str) -> bool:
        return self._update(
            "UPDATE jobs SET state = ?, updated_at = ? WHERE job_id = ? AND state IN (?, ?)",
            (JobState.AGGREGATING.value, utc_now().isoformat(), job_id, *ACCEPTING_ROWS),
        )

    def reopen_for_retry(self, job_id: str) -> int | None:
        with self._transaction() as db:
            moved = db.execute(
                "UPDATE jobs SET state = ?, completed_at = NULL, error = NULL, retries = retries + 1, updated_at = ?"
                " WHERE job_id = ? AND state = ?",
                (JobState.PROCESSING.value, utc_now().isoformat(), job_id, JobState.COMPLETED.value),
            )
            if moved.rowcount != 1:
                return None
            return int(db.execute("SELECT retries FROM jobs WHERE job_id = ?", (job_id,)).fetchone()[0])

    def record_counts(self, job_id: str, counts: JobCounts, state: JobState) -> bool:
        values = {name: getattr(counts, name) for name in COUNTER_FIELDS}
        sets = ", ".join(f"{name} = ?" for name in values)
        return self._update(
            f"UPDATE jobs SET {sets}, total = ? WHERE job_id = ? AND state = ?",
            (*values.values(), counts.total, job_id, state.value),
        )
