"""RowResults on SQLite: one row of the results table per input row."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from claimbatch.adapters.embedded.sqlite_tables import RESULT_FIELDS, SqliteTables, result_of, result_values
from claimbatch.domain.result_row import ResultRow


class SqliteRowResults(SqliteTables):
    """Per-row results."""

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        if not results:
            return
        columns = ", ".join(("job_id", *RESULT_FIELDS))
        marks = ", ".join("?" for _ in range(len(RESULT_FIELDS) + 1))
        with self._transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO results ({columns}) VALUES ({marks})",
                [(job_id, *result_values(result)) for result in results],
            )

    def get_results(self, job_id: str, rows: Sequence[int]) -> dict[int, ResultRow]:
        if not rows:
            return {}
        with self._lock:
            found = self._db.execute(
                "SELECT * FROM results WHERE job_id = ? AND row BETWEEN ? AND ?", (job_id, min(rows), max(rows))
            ).fetchall()
        wanted = set(rows)
        return {record["row"]: result_of(record) for record in found if record["row"] in wanted}

    def iter_results(self, job_id: str, page: int = 5_000) -> Iterator[ResultRow]:
        after = 0
        while True:
            with self._lock:
                records = self._db.execute(
                    "SELECT * FROM results WHERE job_id = ? AND row > ? ORDER BY row LIMIT ?", (job_id, after, page)
                ).fetchall()
            if not records:
                return
            for record in records:
                yield result_of(record)
            after = records[-1]["row"]

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        if not rows:
            return
        with self._transaction() as db:
            db.executemany("DELETE FROM results WHERE job_id = ? AND row = ?", [(job_id, row) for row in rows])
