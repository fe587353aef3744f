"""JobStore on SQLite (WAL): the embedded runtime's DynamoDB.

Same semantics as the DynamoDB store: conditional state moves, results
idempotent per row, counters added once per chunk id. One connection guarded
by a lock, so the splitter thread and the worker pool can share it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from claimbatch.domain.job import Job, JobCounts, JobState, OutcomeTally, SourceObject, tenant_of, utc_now
from claimbatch.domain.result_row import ResultRow
from claimbatch.ports.job_store import JobPage
from claimbatch.ports.uploads import UploadRecord

COUNTER_FIELDS = ("done", "succeeded", "not_found", "invalid", "failed", "cancelled", "retryable")
RESULT_FIELDS = tuple(ResultRow.__dataclass_fields__)
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
    retries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at);
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL,
    {", ".join(f"{name} {'INTEGER' if name in ('row', 'retryable') else 'TEXT'}" for name in RESULT_FIELDS)},
    PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counted_chunks (
    job_id TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    PRIMARY KEY (job_id, chunk_id)
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
}
INDEXES = "CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs (tenant, created_at, job_id);"


class SqliteJobStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._add_missing_columns()
            self._db.executescript(INDEXES)

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

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _update(self, sql: str, params: Sequence[object]) -> bool:
        with self._transaction() as db:
            return db.execute(sql, params).rowcount == 1

    # -- jobs ---------------------------------------------------------------------

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
        return None if row is None else _job_of(row)

    def list_jobs(self, states: Iterable[JobState] | None = None) -> list[Job]:
        """Jobs newest first, optionally only those in `states`."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at DESC").fetchall()
        wanted = None if states is None else {state.value for state in states}
        return [_job_of(row) for row in rows if wanted is None or row["state"] in wanted]

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

    def claim_split(self, job_id: str, now: float, lease_until: float) -> bool:
        stamp = utc_now().isoformat()
        return self._update(
            "UPDATE jobs SET state = ?, started_at = COALESCE(started_at, ?), updated_at = ?, split_lease_until = ?"
            " WHERE job_id = ? AND state IN (?, ?) AND split_lease_until < ?",
            (
                JobState.SPLITTING.value,
                stamp,
                stamp,
                lease_until,
                job_id,
                JobState.RECEIVED.value,
                JobState.SPLITTING.value,
                now,
            ),
        )

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

    def try_begin_aggregation(self, job_id: str) -> bool:
        return self._update(
            "UPDATE jobs SET state = ?, updated_at = ?"
            " WHERE job_id = ? AND state = ? AND total IS NOT NULL AND done = total",
            (JobState.AGGREGATING.value, utc_now().isoformat(), job_id, JobState.PROCESSING.value),
        )

    def list_active_jobs(self) -> list[Job]:
        return self.list_jobs([state for state in JobState if not state.is_terminal])

    # -- counting and results ---------------------------------------------------------

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

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        if not results:
            return
        columns = ", ".join(("job_id", *RESULT_FIELDS))
        marks = ", ".join("?" for _ in range(len(RESULT_FIELDS) + 1))
        with self._transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO results ({columns}) VALUES ({marks})",
                [(job_id, *_result_values(result)) for result in results],
            )

    def get_results(self, job_id: str, rows: Sequence[int]) -> dict[int, ResultRow]:
        if not rows:
            return {}
        with self._lock:
            found = self._db.execute(
                "SELECT * FROM results WHERE job_id = ? AND row BETWEEN ? AND ?", (job_id, min(rows), max(rows))
            ).fetchall()
        wanted = set(rows)
        return {record["row"]: _result_of(record) for record in found if record["row"] in wanted}

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
                yield _result_of(record)
            after = records[-1]["row"]

    # -- the job API --------------------------------------------------------------------

    def list_tenant_jobs(
        self, tenant: str, *, state: JobState | None = None, limit: int = 20, after: str | None = None
    ) -> JobPage:
        sql, params = "SELECT * FROM jobs WHERE tenant = ?", [tenant]
        if state is not None:
            sql += " AND state = ?"
            params.append(state.value)
        if after is not None:
            created_at, job_id = _position(after)
            sql += " AND (created_at, job_id) < (?, ?)"
            params += [created_at, job_id]
        sql += " ORDER BY created_at DESC, job_id DESC LIMIT ?"
        params.append(limit + 1)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        jobs = [_job_of(row) for row in rows[:limit]]
        more = len(rows) > limit
        return JobPage(jobs=jobs, next_after=f"{rows[limit - 1]['created_at']}#{jobs[-1].job_id}" if more else None)

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM jobs WHERE tenant = ? AND source_key = ? AND created_at >= ?"
                " ORDER BY created_at DESC, job_id DESC LIMIT 1",
                (tenant, key, created_since.isoformat()),
            ).fetchone()
        return None if row is None else _job_of(row)

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

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        if not rows:
            return
        with self._transaction() as db:
            db.executemany("DELETE FROM results WHERE job_id = ? AND row = ?", [(job_id, row) for row in rows])

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

    # -- uploads --------------------------------------------------------------------------

    def put_upload(self, upload: UploadRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads (upload_id, record) VALUES (?, ?)",
                (upload.upload_id, upload.model_dump_json()),
            )

    def get_upload(self, upload_id: str) -> UploadRecord | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        return None if row is None else UploadRecord.model_validate_json(row["record"])

    def link_upload(self, upload_id: str, job_id: str) -> None:
        upload = self.get_upload(upload_id)
        if upload is not None:
            self.put_upload(upload.model_copy(update={"job_id": job_id}))


def _position(after: str) -> tuple[str, str]:
    created_at, separator, job_id = after.rpartition("#")
    if not separator or not created_at or not job_id:
        raise ValueError("not a position in a job listing")
    return created_at, job_id


def _result_values(result: ResultRow) -> tuple[object, ...]:
    record = result.to_record()
    return tuple(int(record[name]) if name == "retryable" else record[name] for name in RESULT_FIELDS)


def _result_of(record: sqlite3.Row) -> ResultRow:
    return ResultRow.from_record({name: record[name] for name in RESULT_FIELDS})


def _job_of(row: sqlite3.Row) -> Job:
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
    )
