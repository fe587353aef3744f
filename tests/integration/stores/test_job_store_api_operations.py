"""What the job API asks of a job store, held to by both: DynamoDB (on moto, the template's table) and SQLite."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.domain.job import Job, JobCounts, JobState, SourceObject, new_job
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.ports.chunk_ledger import ChunkId
from claimbatch.ports.uploads import UploadRecord

T0 = datetime(2025, 8, 8, 17, 0, tzinfo=UTC)


def _job(store, key: str, minutes: int, state: JobState = JobState.COMPLETED) -> Job:
    job = new_job(SourceObject(bucket="b", key=key, version=f"v{minutes}"))
    job = job.model_copy(update={"created_at": T0 + timedelta(minutes=minutes)})
    assert store.create_job(job)
    if state is not JobState.RECEIVED:
        assert store.transition(job.job_id, [JobState.RECEIVED], state)
    return job


def test_a_tenants_jobs_are_listed_newest_first_in_pages(store):
    mine = [_job(store, f"inbox/acme/{n}.csv", n, JobState.COMPLETED if n % 2 else JobState.FAILED) for n in range(7)]
    _job(store, "inbox/beta/theirs.csv", 8)
    _job(store, "inbox/straight-in.csv", 9)  # the default tenant's

    pages, after = [], None
    while True:
        page = store.list_tenant_jobs("acme", limit=3, after=after)
        pages.append([job.job_id for job in page.jobs])
        if page.next_after is None:
            break
        after = page.next_after

    assert pages == [[job.job_id for job in reversed(mine)][i : i + 3] for i in (0, 3, 6)]
    completed = store.list_tenant_jobs("acme", state=JobState.COMPLETED, limit=2)
    assert [job.job_id for job in completed.jobs] == [mine[5].job_id, mine[3].job_id]
    rest = store.list_tenant_jobs("acme", state=JobState.COMPLETED, limit=2, after=completed.next_after)
    assert [job.job_id for job in rest.jobs] == [mine[1].job_id] and rest.next_after is None
    assert [job.source.key for job in store.list_tenant_jobs("default").jobs] == ["inbox/straight-in.csv"]
    assert store.list_tenant_jobs("nobody").jobs == []


def test_the_job_of_an_uploaded_key_is_found_for_its_tenant_only(store):
    old = _job(store, "inbox/acme/up-1/claims.csv", 0)
    new = _job(store, "inbox/acme/up-1/claims.csv", 5)  # the same key uploaded again: a new job
    _job(store, "inbox/acme/up-2/claims.csv", 6)

    assert store.find_job_by_source("acme", "inbox/acme/up-1/claims.csv", T0).job_id == new.job_id
    assert store.find_job_by_source("acme", "inbox/acme/up-1/claims.csv", T0 + timedelta(minutes=6)) is None
    assert store.find_job_by_source("beta", "inbox/acme/up-1/claims.csv", T0) is None
    assert old.job_id != new.job_id


def test_uploads_are_kept_and_linked_to_their_job(store):
    upload = UploadRecord(
        upload_id="up-00000000000000000001",
        tenant="acme",
        key="inbox/acme/up-00000000000000000001/c.csv",
        filename="c.csv",
        created_at=T0,
        expires_at=T0 + timedelta(minutes=15),
    )
    store.put_upload(upload)
    assert store.get_upload(upload.upload_id) == upload

    store.link_upload(upload.upload_id, "0123456789abcdef01234567")

    assert store.get_upload(upload.upload_id).job_id == "0123456789abcdef01234567"
    assert store.get_upload("up-ffffffffffffffffffff") is None


def _results(*outcomes: RowOutcome) -> list[ResultRow]:
    return [
        ResultRow(row=n, claim_number=f"C{n}", outcome=o, retryable=o is RowOutcome.FAILED)
        for n, o in enumerate(outcomes, 1)
    ]


def test_a_retry_reopens_once_and_uncounts_a_counted_chunk_once(store):
    job = _job(store, "inbox/acme/c.csv", 0, JobState.PROCESSING)
    results = _results(RowOutcome.SUCCEEDED, RowOutcome.FAILED, RowOutcome.NOT_FOUND)
    assert store.count_chunk(job.job_id, ChunkId(0), results)
    assert store.get_job(job.job_id).counts.retryable == 1  # the failed row, transient: a retry runs it again
    assert store.transition(job.job_id, [JobState.PROCESSING], JobState.COMPLETED, at=T0)

    assert store.uncount_chunk(job.job_id, ChunkId(0), [2]) is False  # not reopened: untouched
    assert store.reopen_for_retry(job.job_id) == 1
    assert store.reopen_for_retry(job.job_id) is None  # one caller wins
    reopened = store.get_job(job.job_id)
    assert reopened.state is JobState.PROCESSING and reopened.completed_at is None

    assert store.uncount_chunk(job.job_id, ChunkId(0), [2]) is True
    assert store.uncount_chunk(job.job_id, ChunkId(0), [2]) is False  # once
    assert store.get_job(job.job_id).counts == JobCounts(total=None)
    assert sorted(store.chunk_results(job.job_id, ChunkId(0))) == [1, 3]  # the row retried is forgotten
    assert store.count_chunk(job.job_id, ChunkId(0), results)  # counted again, as a worker does
    assert store.get_job(job.job_id).counts.done == 3


def test_a_second_retry_has_the_next_number_and_makes_the_job_active_again(store):
    job = _job(store, "inbox/acme/c.csv", 0, JobState.COMPLETED)
    assert store.reopen_for_retry(job.job_id) == 1
    assert job.job_id in [active.job_id for active in store.list_active_jobs()]
    assert store.transition(job.job_id, [JobState.PROCESSING], JobState.COMPLETED, at=T0)
    assert store.reopen_for_retry(job.job_id) == 2


def test_a_cancelled_jobs_counts_are_set_to_its_files(store):
    job = _job(store, "inbox/acme/c.csv", 0, JobState.CANCELLED)
    counts = JobCounts(total=4, done=4, succeeded=1, invalid=1, cancelled=2)

    assert store.record_counts(job.job_id, counts, JobState.CANCELLED)
    assert store.get_job(job.job_id).counts == counts
    assert not store.record_counts(job.job_id, counts, JobState.PROCESSING)


def test_an_older_sqlite_database_gets_the_new_columns(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, source TEXT NOT NULL, total INTEGER,"
            " done INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT NULL DEFAULT 0,"
            " not_found INTEGER NOT NULL DEFAULT 0, invalid INTEGER NOT NULL DEFAULT 0,"
            " failed INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0,"
            " error TEXT, created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT, updated_at TEXT,"
            " results_key TEXT NOT NULL, summary_key TEXT NOT NULL, rows_split INTEGER NOT NULL DEFAULT 0,"
            " split_lease_until REAL NOT NULL DEFAULT 0, redrives INTEGER NOT NULL DEFAULT 0)"
        )
        db.execute(
            "INSERT INTO jobs (job_id, state, source, created_at, results_key, summary_key) VALUES (?, ?, ?, ?, ?, ?)",
            (
                "0123456789abcdef01234567",
                "COMPLETED",
                '{"bucket": "local", "key": "inbox/acme/a.csv", "version": "1"}',
                T0.isoformat(),
                "results/acme/a.results.csv",
                "results/acme/a.summary.json",
            ),
        )

    store = SqliteJobStore(path)

    assert [job.job_id for job in store.list_tenant_jobs("acme").jobs] == ["0123456789abcdef01234567"]
    assert store.get_job("0123456789abcdef01234567").counts.retryable == 0
    assert store.find_job_by_source("acme", "inbox/acme/a.csv", T0) is not None
    store.close()


def test_an_older_sqlite_databases_row_results_move_to_their_chunks(tmp_path):
    path = tmp_path / "old.db"
    job_id = "0123456789abcdef01234567"
    fields = (  # an old release's columns
        "row INTEGER, claim_number TEXT, outcome TEXT, status TEXT, patient_name TEXT, total_charged TEXT,"
        " total_paid TEXT, processed_date TEXT, error TEXT, retryable INTEGER"
    )
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, source TEXT NOT NULL, total INTEGER,"
            " done INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT NULL DEFAULT 0,"
            " not_found INTEGER NOT NULL DEFAULT 0, invalid INTEGER NOT NULL DEFAULT 0,"
            " failed INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0,"
            " error TEXT, created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT, updated_at TEXT,"
            " results_key TEXT NOT NULL, summary_key TEXT NOT NULL, rows_split INTEGER NOT NULL DEFAULT 0,"
            " split_lease_until REAL NOT NULL DEFAULT 0, redrives INTEGER NOT NULL DEFAULT 0)"
        )
        db.execute(f"CREATE TABLE results (job_id TEXT NOT NULL, {fields}, PRIMARY KEY (job_id, row)) WITHOUT ROWID")
        db.execute("CREATE TABLE counted_chunks (job_id TEXT, chunk_id TEXT, PRIMARY KEY (job_id, chunk_id))")
        db.execute(
            "INSERT INTO jobs (job_id, state, source, total, done, succeeded, invalid, created_at, results_key,"
            " summary_key) VALUES (?, 'PROCESSING', ?, 150, 2, 1, 1, ?, 'r.csv', 's.json')",
            (job_id, '{"bucket": "local", "key": "inbox/acme/a.csv", "version": "1"}', T0.isoformat()),
        )
        db.executemany(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?, '', '', '', '', ?, ?)",
            [
                (job_id, 1, "C1", "succeeded", "Finalized", "", 0),
                (job_id, 2, "C2", "invalid", "", "bad date", 0),
                (job_id, 150, "C150", "failed", "", "timed out", 1),  # a deferred chunk's answered row
            ],
        )
        db.executemany("INSERT INTO counted_chunks VALUES (?, ?)", [(job_id, "0"), (job_id, "0i")])

    store = SqliteJobStore(path)

    assert [(r.row, r.outcome) for r in store.iter_results(job_id)] == [
        (1, RowOutcome.SUCCEEDED), (2, RowOutcome.INVALID), (150, RowOutcome.FAILED)
    ]
    assert store.chunk_results(job_id, ChunkId(0))[1].status == "Finalized"
    assert store.chunk_results(job_id, ChunkId(1))[150].retryable is True
    assert not store.count_chunk(job_id, ChunkId(0), [ResultRow(1, "C1", RowOutcome.SUCCEEDED)]), "was counted"
    assert not store.count_chunk(job_id, ChunkId(0, row_errors=True), [ResultRow(2, "C2", RowOutcome.INVALID)])
    assert store.count_chunk(job_id, ChunkId(1), [ResultRow(150, "C150", RowOutcome.SUCCEEDED)]), "was partial"
    store.close()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"results", "counted_chunks"}.isdisjoint(tables)
    SqliteJobStore(path).close()  # opened again: nothing left to move
