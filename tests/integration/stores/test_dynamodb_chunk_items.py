"""What only the DynamoDB store has to care about: a chunk's item stays small (writes are
billed by the kilobyte) and under the 400 KB item limit whatever its rows hold, and a
transaction cancelled by a conflict is tried again while one whose condition failed is not."""

from __future__ import annotations

import random
import string
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from claimbatch.adapters.aws.dynamodb_chunk_items import RESULTS_LIMIT_BYTES
from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.domain.job import MAX_ROWS_PER_MESSAGE, JobState, SourceObject, SplitPlan, new_job
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.ports.chunk_ledger import ChunkId
from moto import mock_aws

from tests.support.template_resources import REGION

PLAN = SplitPlan(rows_per_message=100, max_rows=1_000_000, max_bytes=1 << 30)


@pytest.fixture
def table(job_table_properties: dict[str, Any]) -> Any:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="jobs",
            KeySchema=job_table_properties["KeySchema"],
            AttributeDefinitions=job_table_properties["AttributeDefinitions"],
            GlobalSecondaryIndexes=job_table_properties["GlobalSecondaryIndexes"],
            BillingMode=job_table_properties["BillingMode"],
        )
        yield client


def _processing_job(store: DynamoJobStore) -> str:
    job = new_job(SourceObject(bucket="b", key="inbox/acme/c.csv", version="1", etag="e", size=10))
    assert store.create_job(job)
    assert store.claim_split(job.job_id, 0.0, 60.0, PLAN)
    assert store.get_job(job.job_id).state is JobState.SPLITTING
    return job.job_id


def _stored_item(client: Any, job_id: str, chunk: ChunkId) -> dict[str, Any]:
    key = {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": f"CHUNK#{chunk.key}"}}
    return client.get_item(TableName="jobs", Key=key, ConsistentRead=True)["Item"]


def _answered(row: int, rng: random.Random) -> ResultRow:
    return ResultRow(
        row=row,
        claim_number=f"ZE{rng.randrange(10**8):08d}",
        outcome=RowOutcome.SUCCEEDED,
        status="Finalized",
        patient_name=f"{rng.choice(['ANA', 'JOHN', 'MARIA'])} {rng.choice(['LIMA', 'SMITH', 'GARCIA'])}",
        total_charged=f"{rng.randrange(100, 9_999)}.00",
        total_paid=f"{rng.randrange(10, 999)}.00",
        processed_date=f"0{rng.randrange(1, 9)}/{rng.randrange(10, 28)}/2025",
        status_category="F1",
        status_code="65",
        payment_number=f"P{rng.randrange(10**7)}",
        payment_date=f"0{rng.randrange(1, 9)}/{rng.randrange(10, 28)}/2025",
    )


def test_a_chunk_of_a_hundred_answered_rows_is_one_small_item(table) -> None:
    store = DynamoJobStore("jobs", table)
    job_id = _processing_job(store)
    rng = random.Random(7)
    rows = [_answered(row, rng) for row in range(1, 101)]

    assert store.count_chunk(job_id, ChunkId(0), rows)

    item = _stored_item(table, job_id, ChunkId(0))
    assert len(item["results"]["B"]) < 4_000, "about 30 bytes a row: 4 write units in the transaction, not 100"
    assert list(store.iter_results(job_id)) == rows


def test_the_largest_chunk_with_the_longest_fields_fits_one_item(table) -> None:
    store = DynamoJobStore("jobs", table)
    job_id = _processing_job(store)
    rng = random.Random(3)
    noise = string.ascii_letters + string.digits + "é✓\"\\\x01"

    def huge(row: int) -> ResultRow:  # a row error whose claim is at the input's field limit
        claim = "".join(rng.choices(noise, k=10_000))
        return ResultRow(row=row, claim_number=claim, outcome=RowOutcome.INVALID, error="x" * 3_000 + claim[:500])

    rows = [huge(row) for row in range(1, MAX_ROWS_PER_MESSAGE + 1)]

    assert store.count_chunk(job_id, ChunkId(0, row_errors=True), rows)

    assert len(_stored_item(table, job_id, ChunkId(0, row_errors=True))["results"]["B"]) <= RESULTS_LIMIT_BYTES
    stored = list(store.iter_results(job_id))
    assert [result.row for result in stored] == list(range(1, MAX_ROWS_PER_MESSAGE + 1)), "every row is kept"
    for original, kept in zip(rows, stored, strict=True):
        assert kept.outcome is RowOutcome.INVALID and kept.claim_number.endswith("…")
        assert original.claim_number.startswith(kept.claim_number[:-1])
    assert store.get_job(job_id).counts.invalid == MAX_ROWS_PER_MESSAGE


class _Conflicting:
    """moto's client, but the first `conflicts` transactions are cancelled as DynamoDB does under contention."""

    def __init__(self, real: Any, conflicts: int, reason: str = "TransactionConflict") -> None:
        self._real = real
        self.conflicts = conflicts
        self.reason = reason
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.conflicts:
            self.conflicts -= 1
            reasons = [{"Code": "None"}, {"Code": self.reason, "Message": "cancelled"}]
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
            raise ClientError({"Error": error, "CancellationReasons": reasons}, "TransactWriteItems")
        return self._real.transact_write_items(**kwargs)


def test_a_transaction_conflict_is_tried_again_and_counts_once(table) -> None:
    client = _Conflicting(table, conflicts=2)
    store = DynamoJobStore("jobs", client)
    store._retry.sleep = lambda seconds: None
    job_id = _processing_job(store)
    rows = [ResultRow(row=1, claim_number="C1", outcome=RowOutcome.SUCCEEDED)]

    assert store.count_chunk(job_id, ChunkId(0), rows)

    assert client.calls == 3
    assert store.get_job(job_id).counts.done == 1
    assert store.chunk_results(job_id, ChunkId(0)) == {1: rows[0]}


def test_a_failed_condition_is_not_tried_again(table) -> None:
    client = _Conflicting(table, conflicts=1, reason="ConditionalCheckFailed")
    store = DynamoJobStore("jobs", client)
    job_id = _processing_job(store)

    rows = [ResultRow(row=1, claim_number="C1", outcome=RowOutcome.SUCCEEDED)]

    assert not store.count_chunk(job_id, ChunkId(0), rows)

    assert client.calls == 1
    assert store.get_job(job_id).counts.done == 0
