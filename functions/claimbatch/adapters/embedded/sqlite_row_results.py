"""RowResults on SQLite: one row of chunk_results per chunk part (sqlite_tables.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from claimbatch.adapters.embedded.sqlite_tables import SqliteTables
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.result_rows_codec import decode_results, encode_results, without_rows
from claimbatch.domain.results_order import rows_of_chunks
from claimbatch.ports.chunk_ledger import ChunkId

PART = "job_id = ? AND chunk = ? AND row_errors = ?"


def part_key(job_id: str, chunk: ChunkId) -> tuple[str, int, int]:
    return job_id, chunk.chunk, int(chunk.row_errors)


class SqliteRowResults(SqliteTables):
    """Results by chunk part, partial ones included."""

    def chunk_results(self, job_id: str, chunk: ChunkId) -> dict[int, ResultRow]:
        with self._lock:
            record = self._db.execute(
                f"SELECT results FROM chunk_results WHERE {PART}", part_key(job_id, chunk)
            ).fetchone()
        return {} if record is None else {result.row: result for result in decode_results(record["results"])}

    def put_partial_results(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> None:
        if not results:
            return
        with self._transaction() as db:
            db.execute(
                "INSERT INTO chunk_results (job_id, chunk, row_errors, counted, results) VALUES (?, ?, ?, 0, ?)"
                " ON CONFLICT (job_id, chunk, row_errors) DO UPDATE SET results = excluded.results WHERE counted = 0",
                (*part_key(job_id, chunk), encode_results(results)),
            )

    def forget_results(self, job_id: str, chunk: ChunkId, rows: Sequence[int]) -> None:
        if not rows:
            return
        with self._transaction() as db:
            record = db.execute(
                f"SELECT results FROM chunk_results WHERE {PART} AND counted = 0", part_key(job_id, chunk)
            ).fetchone()
            if record is None:
                return
            key = part_key(job_id, chunk)
            kept = without_rows(decode_results(record["results"]), rows)
            if kept:
                db.execute(f"UPDATE chunk_results SET results = ? WHERE {PART}", (encode_results(kept), *key))
            else:
                db.execute(f"DELETE FROM chunk_results WHERE {PART}", key)

    def iter_results(self, job_id: str, chunks_per_read: int = 100) -> Iterator[ResultRow]:
        return rows_of_chunks(self._parts(job_id, chunks_per_read))

    def _parts(self, job_id: str, chunks_per_read: int) -> Iterator[tuple[int, list[ResultRow]]]:
        """(chunk, rows) of every part in chunk order, a range of chunks per read (both parts of a chunk in one)."""
        with self._lock:
            last = self._db.execute("SELECT MAX(chunk) FROM chunk_results WHERE job_id = ?", (job_id,)).fetchone()[0]
        if last is None:
            return
        for low in range(0, last + 1, chunks_per_read):
            with self._lock:
                records = self._db.execute(
                    "SELECT chunk, results FROM chunk_results WHERE job_id = ? AND chunk BETWEEN ? AND ?"
                    " ORDER BY chunk, row_errors",
                    (job_id, low, low + chunks_per_read - 1),
                ).fetchall()
            for record in records:
                yield record["chunk"], decode_results(record["results"])
