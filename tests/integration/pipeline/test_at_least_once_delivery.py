"""S3 events, SQS messages and Lambda invocations are at least once, and AWS
batch calls fail partially: every row is still counted exactly once."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from claimbatch.domain.job import JobState
from claimbatch.handlers import wiring
from testkit.aws_pipeline import TABLE
from testkit.lambda_context import FakeLambdaContext

from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _file(rows: int, prefix: str = "GEN") -> bytes:
    lines = [member_line(f"{prefix}{n:06d}") for n in range(1, rows + 1)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def _job_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return [item for item in items if item["sk"]["S"] == "JOB"]


def _data_lines(pipeline, job_id: str) -> list[list[str]]:
    return [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]


def test_duplicate_s3_event_makes_one_job(pipeline):
    event = pipeline.put_object("inbox/dup.csv", _file(25))
    pipeline.notify(event)
    pipeline.notify(event)

    pipeline.run_until_idle()

    assert len(_job_items()) == 1
    job_id = _job_items()[0]["job_id"]["S"]
    assert pipeline.job(job_id).counts.done == 25
    assert len(_data_lines(pipeline, job_id)) == 25


def test_same_key_uploaded_again_with_new_content_is_a_new_job(pipeline):
    first = pipeline.drop("inbox/again.csv", _file(3))
    second = pipeline.drop("inbox/again.csv", _file(5))

    pipeline.run_until_idle()

    assert first != second and len(_job_items()) == 2
    assert pipeline.job(second).counts.total == 5


def test_s3_test_event_and_not_a_job_objects_are_skipped(pipeline):
    pipeline.sqs.send_message(
        QueueUrl=pipeline.queues["split"], MessageBody=json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})
    )
    for key in ("inbox/.hidden.csv", "inbox/upload.csv.part", "inbox/x.csv.tmp", "inbox/y.csv~", "outside/z.csv"):
        pipeline.notify(pipeline.put_object(key, _file(1)))
    pipeline.notify(pipeline.put_object("inbox/zero.csv", b""))

    pipeline.run_until_idle()

    assert _job_items() == []
    assert pipeline.queue_depth("split") == 0


def test_same_rows_message_delivered_twice_is_counted_once(pipeline):
    job_id = pipeline.drop("inbox/twice.csv", _file(10))
    pipeline.step("split")
    message = pipeline.receive("rows")[0]

    pipeline.invoke("rows", [message, message])  # one batch holding the same message twice
    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 10 and job.counts.succeeded == 10


def test_worker_finishing_but_message_not_deleted_is_counted_once(pipeline):
    job_id = pipeline.drop("inbox/timeout.csv", _file(10))
    pipeline.step("split")
    message = pipeline.receive("rows")[0]
    pipeline.handlers["rows"](pipeline.lambda_event("rows", [message]), FakeLambdaContext())
    # The invocation "timed out" before the event source mapping deleted the message.
    pipeline.sqs.change_message_visibility(
        QueueUrl=pipeline.queues["rows"], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )

    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 10
    assert len(_data_lines(pipeline, job_id)) == 10


def test_worker_crash_after_writing_results_before_counting(pipeline, monkeypatch):
    job_id = pipeline.drop("inbox/crash.csv", _file(20))
    pipeline.step("split")
    store = wiring.job_store(TABLE)
    real_count = store.count_chunk
    crashes = []

    def crash_once(*args: Any) -> bool:
        if not crashes:
            crashes.append(args)
            raise RuntimeError("execution environment died")
        return real_count(*args)

    monkeypatch.setattr(store, "count_chunk", crash_once)
    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert crashes and job.state is JobState.COMPLETED
    assert job.counts.done == 20 and job.counts.succeeded == 20


class _FlakySqs:
    """Passes calls to moto, but the first SendMessageBatch reports half its entries failed (HTTP 200)."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.failed_entries = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.failed_entries:
            return self._real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)
        kept, dropped = Entries[: len(Entries) // 2], Entries[len(Entries) // 2 :]
        answer = self._real.send_message_batch(QueueUrl=QueueUrl, Entries=kept)
        self.failed_entries = len(dropped)
        answer["Failed"] = [
            {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"} for entry in dropped
        ]
        return answer


def test_send_message_batch_partial_failure_resends_the_failed_entries(pipeline):
    sender = wiring.splitter_deps().rows._sender
    flaky = _FlakySqs(sender._sqs)
    sender._sqs = flaky
    sender._retry.sleep = lambda seconds: None
    job_id = pipeline.drop("inbox/sqsfail.csv", _file(100))

    pipeline.run_until_idle()

    assert flaky.failed_entries == 5
    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 100
    assert [int(line[0]) for line in _data_lines(pipeline, job_id)] == list(range(1, 101))


class _ContendedDynamo:
    """Passes calls to moto, but every other TransactWriteItems is cancelled by a conflict, as under contention."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.conflicts = 0
        self._calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        self._calls += 1
        if self._calls % 2:
            self.conflicts += 1
            reasons = [{"Code": "TransactionConflict", "Message": "conflict"}, {"Code": "None"}]
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
            raise ClientError({"Error": error, "CancellationReasons": reasons}, "TransactWriteItems")
        return self._real.transact_write_items(**kwargs)


def test_transaction_conflicts_are_tried_again(pipeline):
    store = wiring.job_store(TABLE)
    contended = _ContendedDynamo(store._ddb)
    store._ddb = contended
    store._retry.sleep = lambda seconds: None
    job_id = pipeline.drop("inbox/ddbfail.csv", _file(30))

    pipeline.run_until_idle()

    assert contended.conflicts > 0
    lines = _data_lines(pipeline, job_id)
    assert len(lines) == 30 and all(line[7] == "True" for line in lines)
    assert pipeline.job(job_id).counts.done == 30


def test_last_row_finishing_before_the_splitter_records_the_total(pipeline, monkeypatch):
    job_id = pipeline.drop("inbox/race.csv", _file(30))
    store = wiring.job_store(TABLE)
    real_finish = store.finish_split

    def workers_first(job: str, total: int) -> bool:
        while pipeline.step("rows"):  # every row is done while the job is still SPLITTING
            pass
        assert pipeline.job(job).state is JobState.SPLITTING and pipeline.job(job).counts.done == 30
        return real_finish(job, total)

    monkeypatch.setattr(store, "finish_split", workers_first)
    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 30


def test_splitter_continues_a_large_file_in_a_next_invocation(pipeline):
    pipeline.remaining_ms = 30_000  # below the hand-over margin: every invocation stops at its first safe point
    job_id = pipeline.drop("inbox/long.csv", _file(250))

    pipeline.run_until_idle()

    assert pipeline.invocations["split"] >= 3
    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 250
    assert [int(line[0]) for line in _data_lines(pipeline, job_id)] == list(range(1, 251))


def test_splitter_crashing_mid_file_is_resumed_without_duplicates(pipeline, monkeypatch):
    job_id = pipeline.drop("inbox/splitcrash.csv", _file(250))
    rows_queue = wiring.splitter_deps().rows
    real_send = rows_queue.send_chunks
    sends = []

    def crash_on_second_send(chunks):
        sends.append(len(chunks))
        if len(sends) == 2:
            raise RuntimeError("splitter died")
        return real_send(chunks)

    monkeypatch.setattr(rows_queue, "send_chunks", crash_on_second_send)
    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 250
    assert [int(line[0]) for line in _data_lines(pipeline, job_id)] == list(range(1, 251))
