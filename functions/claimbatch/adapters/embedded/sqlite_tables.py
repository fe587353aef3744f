"""The SQLite job store's tables: schema (migrated forward when an older data folder
is opened), the shared connection, and how rows become jobs.

A job's results are kept per chunk part (ports/chunk_ledger.py's ChunkId): one row of
chunk_results holds the part's rows (domain/result_rows_codec.py), `counted` once the
part is counted into the job's counters (its marker), 0 while it is partial."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from claimbatch.adapters.embedded.sqlite_database import SqliteDatabase
from claimbatch.adapters.embedded.sqlite_results_migration import migrate_row_results
from claimbatch.domain.job import Job, JobCounts, JobState, SourceObject, SplitPlan, tenant_of

COUNTER_FIELDS = ("done", "succeeded", "not_found", "invalid", "failed", "cancelled", "retryable")
ACCEPTING_ROWS = (JobState.SPLITTING.value, JobState.PROCESSING.value)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    total INTEGER,
    {", ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in COUNTER_FIELDS)},
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    updated_at TEXT,
    results_key TEXT NOT NULL,
    summary_key TEXT NOT NULL,
    rows_split INTEGER NOT NULL DEFAULT 0,
    split_lease_until REAL NOT NULL DEFAULT 0,
    redrives INTEGER NOT NULL DEFAULT 0,
    tenant TEXT NOT NULL DEFAULT 'default',
    source_key TEXT NOT NULL DEFAULT '',
    retries INTEGER NOT NULL DEFAULT 0,
    split_plan TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at);
CREATE TABLE IF NOT EXISTS chunk_results (
    job_id TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    row_errors INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    results BLOB NOT NULL,
    PRIMARY KEY (job_id, chunk, row_errors)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    record TEXT NOT NULL
) WITHOUT ROWID;
"""
# Columns added after the first release: a data folder made by an older version gets them
# (filled from the job's source) when it is opened.
ADDED_JOB_COLUMNS = {
    "tenant": "TEXT NOT NULL DEFAULT 'default'",
    "source_key": "TEXT NOT NULL DEFAULT ''",
    "retries": "INTEGER NOT NULL DEFAULT 0",
    "retryable": "INTEGER NOT NULL DEFAULT 0",
    "split_plan": "TEXT",
}
INDEXES = "CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs (tenant, created_at, job_id);"


class SqliteTables(SqliteDatabase):
    """The database file and what every role of the store does with it: one WAL
    connection behind a lock (the splitter threads and the worker pool share it),
    immediate transactions, conditional updates."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints, never corrupt
            self._add_missing_columns()
            self._db.executescript(INDEXES)
            migrate_row_results(self)

    def _add_missing_columns(self) -> None:
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        missing = [name for name in ADDED_JOB_COLUMNS if name not in present]
        if not missing:
            return
        with self._transaction() as db:
            for name in missing:
                db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {ADDED_JOB_COLUMNS[name]}")
            for row in db.execute("SELECT job_id, source FROM jobs").fetchall():
                key = json.loads(row["source"])["key"]
                db.execute(
                    "UPDATE jobs SET tenant = ?, source_key = ? WHERE job_id = ?", (tenant_of(key), key, row["job_id"])
                )

    def _update(self, sql: str, params: Sequence[object]) -> bool:
        with self._transaction() as db:
            return db.execute(sql, params).rowcount == 1


def position_after(after: str) -> tuple[str, str]:
    created_at, separator, job_id = after.rpartition("#")
    if not separator or not created_at or not job_id:
        raise ValueError("not a position in a job listing")
    return created_at, job_id


def job_of_row(row: sqlite3.Row) -> Job:
    return Job(
        job_id=row["job_id"],
        source=SourceObject.model_validate(json.loads(row["source"])),
        state=JobState(row["state"]),
        counts=JobCounts(total=row["total"], **{name: row[name] for name in COUNTER_FIELDS}),
        error=row["error"],
        created_at=datetime.fromisoformat(row["created_at"]),
        started_at=datetime.fromisoformat(row["started_at"]) if row["started_at"] else None,
        completed_at=datetime.fromisoformat(row["completed_at"]) if row["completed_at"] else None,
        updated_at=datetime.fromisoformat(row["updated_at"]) if row["updated_at"] else None,
        redrives=row["redrives"],
        results_key=row["results_key"],
        summary_key=row["summary_key"],
        split_plan=SplitPlan.model_validate_json(row["split_plan"]) if row["split_plan"] else None,
    )
