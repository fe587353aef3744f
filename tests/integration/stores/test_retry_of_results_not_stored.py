"""A retry is refused, and the job left as it is, when the job's counters hold rows whose
results the store no longer reads: a job finished before results were stored per chunk
(its DynamoDB items are bare chunk markers to the current version). Taking those rows for
missing would look them up and count them a second time, past the job's total."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.domain.job import Job, JobState, SourceObject, SplitPlan, new_job
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.logic.retry_job import RetryDeps, RetryRefused, retry_job
from claimbatch.ports.chunk_ledger import ChunkId

from tests.support.recording_queues import RecordingQueues

KEY = "inbox/acme/claims.csv"
PLAN = SplitPlan(rows_per_message=2, max_rows=1_000, max_bytes=1 << 20)
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _answered(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number=f"C{row}", outcome=RowOutcome.SUCCEEDED, status="Finalized")


def _failed(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number=f"C{row}", outcome=RowOutcome.FAILED, error="timed out", retryable=True)


def _completed_job(store, objects: LocalObjectStore) -> Job:
    """Four rows in two chunks of two, rows 2 and 3 failed retryably."""
    path = objects.path_of(KEY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"C{row},ANA,LIMA,01/02/1975,S{row}\n" for row in range(1, 5)))
    job = new_job(SourceObject(bucket=LOCAL_BUCKET, key=KEY, version="1"))
    assert store.create_job(job)
    assert store.claim_split(job.job_id, 1.0, 61.0, PLAN)
    assert store.finish_split(job.job_id, 4)
    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _failed(2)])
    assert store.count_chunk(job.job_id, ChunkId(1), [_failed(3), _answered(4)])
    assert store.try_begin_aggregation(job.job_id)
    assert store.transition(job.job_id, [JobState.AGGREGATING], JobState.COMPLETED, at=datetime.now(UTC))
    return store.get_job(job.job_id)


def _as_the_previous_layout_left_it(store, job_id: str) -> None:
    """The job's counted chunks without the results the current version reads from them."""
    if isinstance(store, DynamoJobStore):
        # The previous version's chunk markers held no results (those were per-row items).
        client, table = store._ddb, store._table
        items = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :chunk)",
            ExpressionAttributeValues={":pk": {"S": f"JOB#{job_id}"}, ":chunk": {"S": "CHUNK#"}},
        )["Items"]
        assert len(items) == 2
        for item in items:
            client.update_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]}, UpdateExpression="REMOVE results")
    else:
        with store._transaction() as db:
            assert db.execute("DELETE FROM chunk_results WHERE job_id = ?", (job_id,)).rowcount == 2
    assert list(store.iter_results(job_id)) == []


def _retry(store, objects: LocalObjectStore, queues: RecordingQueues, job_id: str):  # type: ignore[no-untyped-def]
    return retry_job(job_id, RetryDeps(store, objects, queues, queues))


def test_a_job_with_its_results_stored_is_retried(store, tmp_path: Path) -> None:
    objects, queues = LocalObjectStore(tmp_path), RecordingQueues()
    job = _completed_job(store, objects)

    started = _retry(store, objects, queues, job.job_id)

    assert (started.rows, started.attempt) == (2, 1)
    assert sorted(chunk.chunk for chunk in queues.chunks) == [0, 1]
    assert store.get_job(job.job_id).state is JobState.PROCESSING


def test_a_job_counted_with_results_no_longer_read_is_refused_and_left_unchanged(store, tmp_path: Path) -> None:
    objects, queues = LocalObjectStore(tmp_path), RecordingQueues()
    job = _completed_job(store, objects)
    _as_the_previous_layout_left_it(store, job.job_id)

    with pytest.raises(RetryRefused, match="predate the current storage layout") as refused:
        _retry(store, objects, queues, job.job_id)

    assert "\n" not in refused.value.message and "upload the file again" in refused.value.message
    assert store.get_job(job.job_id) == job
    assert queues.chunks == [] and queues.aggregations == []
    assert store.reopen_for_retry(job.job_id) == 1, "never reopened: this is its first retry"
