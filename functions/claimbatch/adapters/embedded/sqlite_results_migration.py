"""A data folder made by a version that stored one row per result (tables `results`
and `counted_chunks`) is moved to the per-chunk layout when it is opened: each job's
rows are grouped by its chunks (its split plan's rows per message), a chunk's row
errors apart from its looked-up rows as the splitter counted them, and a part is
counted when its old marker was there. One transaction: all of it or none."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from claimbatch import defaults
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.domain.result_rows_codec import encode_results

if TYPE_CHECKING:
    import sqlite3

    from claimbatch.adapters.embedded.sqlite_database import SqliteDatabase

_OLD_FIELDS = tuple(ResultRow.__dataclass_fields__)


def migrate_row_results(database: SqliteDatabase) -> None:
    with database._transaction() as db:  # noqa: SLF001  (the tables' own connection)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "results" not in tables:
            return
        counted = set()
        if "counted_chunks" in tables:
            counted = {(row[0], row[1]) for row in db.execute("SELECT job_id, chunk_id FROM counted_chunks")}
        for job_id, plan in db.execute("SELECT job_id, split_plan FROM jobs").fetchall():
            size = json.loads(plan)["rows_per_message"] if plan else defaults.ROWS_PER_MESSAGE
            _move_job(db, job_id, size, counted)
        db.execute("DROP TABLE results")
        db.execute("DROP TABLE IF EXISTS counted_chunks")


def _move_job(db: sqlite3.Connection, job_id: str, rows_per_message: int, counted: set[tuple[str, str]]) -> None:
    parts: dict[tuple[int, bool], list[ResultRow]] = defaultdict(list)
    for record in db.execute("SELECT * FROM results WHERE job_id = ? ORDER BY row", (job_id,)):
        result = ResultRow.from_record({name: record[name] for name in record.keys() if name in _OLD_FIELDS})
        chunk = (result.row - 1) // rows_per_message
        parts[(chunk, result.outcome is RowOutcome.INVALID)].append(result)
    db.executemany(
        "INSERT OR REPLACE INTO chunk_results (job_id, chunk, row_errors, counted, results) VALUES (?, ?, ?, ?, ?)",
        [
            (job_id, chunk, int(errors), int((job_id, _old_chunk_id(chunk, errors)) in counted), encode_results(rows))
            for (chunk, errors), rows in parts.items()
        ],
    )


def _old_chunk_id(chunk: int, row_errors: bool) -> str:
    return f"{chunk}i" if row_errors else str(chunk)
