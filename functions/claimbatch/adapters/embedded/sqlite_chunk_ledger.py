"""ChunkLedger on SQLite: a chunk's row in counted_chunks and the job's counters
change in one transaction, so a chunk is counted once."""

from __future__ import annotations

from claimbatch.adapters.embedded.sqlite_tables import ACCEPTING_ROWS, SqliteTables
from claimbatch.domain.job import JobState, OutcomeTally, utc_now


class SqliteChunkLedger(SqliteTables):
    """Chunk markers and counters, together."""

    def count_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        increments = tally.increments()
        if not increments:
            return False
        with self._transaction() as db:
            accepting = db.execute(
                "SELECT 1 FROM jobs WHERE job_id = ? AND state IN (?, ?)", (job_id, *ACCEPTING_ROWS)
            ).fetchone()
            if accepting is None:
                return False
            marked = db.execute(
                "INSERT OR IGNORE INTO counted_chunks (job_id, chunk_id) VALUES (?, ?)", (job_id, chunk_id)
            )
            if marked.rowcount != 1:
                return False
            sets = ", ".join(f"{name} = {name} + ?" for name in increments)
            db.execute(
                f"UPDATE jobs SET {sets}, updated_at = ? WHERE job_id = ?",
                (*increments.values(), utc_now().isoformat(), job_id),
            )
            return True

    def uncount_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        with self._transaction() as db:
            retrying = db.execute(
                "SELECT 1 FROM jobs WHERE job_id = ? AND state = ?", (job_id, JobState.PROCESSING.value)
            ).fetchone()
            if retrying is None:
                return False
            removed = db.execute("DELETE FROM counted_chunks WHERE job_id = ? AND chunk_id = ?", (job_id, chunk_id))
            if removed.rowcount != 1:
                return False
            decrements = tally.increments()
            if decrements:
                sets = ", ".join(f"{name} = {name} - ?" for name in decrements)
                db.execute(f"UPDATE jobs SET {sets} WHERE job_id = ?", (*decrements.values(), job_id))
            return True
