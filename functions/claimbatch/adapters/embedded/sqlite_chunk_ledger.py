"""ChunkLedger on SQLite: a chunk part's results with its `counted` mark, and the job's
counters, change in one transaction, so a chunk is counted once."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

from claimbatch.adapters.embedded.sqlite_row_results import PART, part_key
from claimbatch.adapters.embedded.sqlite_tables import ACCEPTING_ROWS, SqliteTables
from claimbatch.domain.job import JobState, OutcomeTally, utc_now
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.result_rows_codec import decode_results, encode_results, without_rows
from claimbatch.ports.chunk_ledger import ChunkId

class SqliteChunkLedger(SqliteTables):
    """Counted chunk parts and counters, together."""

    def count_chunk(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> bool:
        return self.count_chunks(job_id, [(chunk, results)])[0]

    def count_chunks(self, job_id: str, parts: Sequence[tuple[ChunkId, Sequence[ResultRow]]]) -> list[bool]:
        """One transaction for all the parts; a part counted before adds nothing."""
        counted = [False] * len(parts)
        if not any(results for _, results in parts):
            return counted
        with self._transaction() as db:
            accepting = db.execute(
                "SELECT 1 FROM jobs WHERE job_id = ? AND state IN (?, ?)", (job_id, *ACCEPTING_ROWS)
            ).fetchone()
            if accepting is None:
                return counted
            added: Counter[str] = Counter()
            for index, (chunk, results) in enumerate(parts):
                increments = OutcomeTally.of(results).increments()
                if increments and self._mark_counted(db, job_id, chunk, results):
                    added.update(increments)
                    counted[index] = True
            if added:
                sets = ", ".join(f"{name} = {name} + ?" for name in added)
                db.execute(
                    f"UPDATE jobs SET {sets}, updated_at = ? WHERE job_id = ?",
                    (*added.values(), utc_now().isoformat(), job_id),
                )
        return counted

    @staticmethod
    def _mark_counted(db: sqlite3.Connection, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> bool:
        """Store the part's results marked counted; False when it was counted before."""
        marked = db.execute(
            "INSERT INTO chunk_results (job_id, chunk, row_errors, counted, results) VALUES (?, ?, ?, 1, ?)"
            " ON CONFLICT (job_id, chunk, row_errors) DO UPDATE SET counted = 1, results = excluded.results"
            " WHERE counted = 0",
            (*part_key(job_id, chunk), encode_results(results)),
        )
        return marked.rowcount == 1

    def uncount_chunk(self, job_id: str, chunk: ChunkId, forget: Sequence[int]) -> bool:
        with self._transaction() as db:
            retrying = db.execute(
                "SELECT 1 FROM jobs WHERE job_id = ? AND state = ?", (job_id, JobState.PROCESSING.value)
            ).fetchone()
            record = db.execute(
                f"SELECT results FROM chunk_results WHERE {PART} AND counted = 1", part_key(job_id, chunk)
            ).fetchone()
            if retrying is None or record is None:
                return False
            stored = decode_results(record["results"])
            kept = without_rows(stored, forget)
            if kept:
                db.execute(
                    f"UPDATE chunk_results SET counted = 0, results = ? WHERE {PART}",
                    (encode_results(kept), *part_key(job_id, chunk)),
                )
            else:
                db.execute(f"DELETE FROM chunk_results WHERE {PART}", part_key(job_id, chunk))
            decrements = OutcomeTally.of(stored).increments()
            if decrements:
                sets = ", ".join(f"{name} = {name} - ?" for name in decrements)
                db.execute(f"UPDATE jobs SET {sets} WHERE job_id = ?", (*decrements.values(), job_id))
            return True
