"""SplitProgress on SQLite: the split lease and cursor are columns of the job's row."""

from __future__ import annotations

from claimbatch.adapters.embedded.sqlite_tables import SqliteTables
from claimbatch.domain.job import JobState, SplitPlan, utc_now


class SqliteSplitProgress(SqliteTables):
    """The split lease and cursor."""

    def claim_split(self, job_id: str, now: float, lease_until: float, plan: SplitPlan) -> SplitPlan | None:
        stamp = utc_now().isoformat()
        with self._transaction() as db:
            claimed = db.execute(
                "UPDATE jobs SET state = ?, started_at = COALESCE(started_at, ?), updated_at = ?,"
                " split_lease_until = ?, split_plan = COALESCE(split_plan, ?) WHERE job_id = ? AND state IN (?, ?) AND split_lease_until < ?",
                (
                    JobState.SPLITTING.value,
                    stamp,
                    stamp,
                    lease_until,
                    plan.model_dump_json(),
                    job_id,
                    JobState.RECEIVED.value,
                    JobState.SPLITTING.value,
                    now,
                ),
            )
            if claimed.rowcount != 1:
                return None
            recorded = db.execute("SELECT split_plan FROM jobs WHERE job_id = ?", (job_id,)).fetchone()[0]
        return SplitPlan.model_validate_json(recorded)

    def save_split_cursor(self, job_id: str, rows_split: int, lease_until: float) -> None:
        self._update(
            "UPDATE jobs SET rows_split = ?, split_lease_until = ?, updated_at = ? WHERE job_id = ?",
            (rows_split, lease_until, utc_now().isoformat(), job_id),
        )

    def split_cursor(self, job_id: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT rows_split FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return int(row[0]) if row else 0

    def finish_split(self, job_id: str, total: int) -> bool:
        return self._update(
            "UPDATE jobs SET total = ?, state = ?, split_lease_until = 0, updated_at = ? WHERE job_id = ? AND state = ?",
            (total, JobState.PROCESSING.value, utc_now().isoformat(), job_id, JobState.SPLITTING.value),
        )
