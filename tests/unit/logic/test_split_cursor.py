"""The splitter saves its cursor (and renews its lease) about once a second while rows
flow, not at every send, and a splitter started again from a saved cursor sends each
row's chunk again with the same id, so nothing is counted twice."""

from __future__ import annotations

import time
from pathlib import Path

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.domain.job import JobState
from claimbatch.logic.split_file import SplitDeps, SplitOutcome, SplitSettings, split_job
from claimbatch.logic.start_job import start_job
from claimbatch.ports.object_events import ObjectCreated

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


class Queue:
    def __init__(self) -> None:
        self.sent: list = []

    def send_chunks(self, chunks) -> None:
        self.sent.extend(chunks)

    def request_aggregation(self, job_id: str) -> None:
        pass

    def continue_split(self, job_id: str) -> None:
        pass


class CursorLog(SqliteJobStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.saved: list[tuple[int, float]] = []

    def save_split_cursor(self, job_id: str, rows: int, lease_until: float) -> None:
        self.saved.append((rows, lease_until))
        super().save_split_cursor(job_id, rows, lease_until)


def test_the_cursor_is_saved_about_once_a_second_at_a_send(tmp_path: Path) -> None:
    store, objects, queue = CursorLog(tmp_path / "jobs.db"), LocalObjectStore(tmp_path), Queue()
    lines = "".join(f"C{n:05d},ANNE,LI,05/10/1975,{n}\n" for n in range(1, 3001))
    objects.write_stream(LOCAL_BUCKET, "inbox/a.csv", [(HEADER + lines).encode()], "text/csv")
    job = start_job(ObjectCreated(bucket=LOCAL_BUCKET, key="inbox/a.csv", version="1", size=None), store)
    ticks = iter(range(10**6))
    settings = SplitSettings(rows_per_message=10)  # 300 chunks, 30 sends

    start = time.time()
    deps = SplitDeps(store, objects, queue, queue, settings, clock=lambda: start + next(ticks) * 0.25)
    outcome = split_job(job.job_id, deps, remaining_s=lambda: 1e9)

    assert outcome is SplitOutcome.FINISHED and store.get_job(job.job_id).state is not JobState.FAILED
    during = [rows for rows, lease_until in store.saved if lease_until > 0]
    assert 5 <= len(during) <= 10  # one send in four, not all 30
    assert during == sorted(during) and all(rows % 100 == 0 for rows in during)  # at send boundaries
    assert all(lease_until >= start + settings.lease_s for _, lease_until in store.saved if lease_until > 0)


def test_a_split_started_again_from_an_older_cursor_sends_the_same_chunks(tmp_path: Path) -> None:
    store, objects, queue = CursorLog(tmp_path / "jobs.db"), LocalObjectStore(tmp_path), Queue()
    lines = "".join(f"C{n:05d},ANNE,LI,05/10/1975,{n}\n" for n in range(1, 301))
    objects.write_stream(LOCAL_BUCKET, "inbox/b.csv", [(HEADER + lines).encode()], "text/csv")
    job = start_job(ObjectCreated(bucket=LOCAL_BUCKET, key="inbox/b.csv", version="1", size=None), store)
    store.claim_split(job.job_id, 0.0, 1.0, SplitSettings(rows_per_message=10).plan)
    store.save_split_cursor(job.job_id, 100, 0.0)  # as a splitter that died after saving row 100 leaves it

    deps = SplitDeps(store, objects, queue, queue, SplitSettings(rows_per_message=10))
    assert split_job(job.job_id, deps, remaining_s=lambda: 1e9) is SplitOutcome.FINISHED

    assert [chunk.chunk for chunk in queue.sent] == list(range(10, 30))
    assert [row.row for chunk in queue.sent for row in chunk.rows] == list(range(101, 301))
