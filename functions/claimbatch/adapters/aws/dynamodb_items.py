"""The job table's items: keys, (de)serialization, and the table access every role of
the store shares (dynamodb_job_store.py lists the item types)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from claimbatch.adapters.aws.retrying import PartialFailureError, PartialRetry
from claimbatch.domain.job import Job, JobCounts, JobState, SourceObject, SplitPlan

COUNTER_FIELDS = ("done", "succeeded", "not_found", "invalid", "failed", "cancelled", "retryable")
ACCEPTING_ROWS = (JobState.SPLITTING, JobState.PROCESSING)
ACTIVE_INDEX = "active-jobs"
TENANT_INDEX = "tenant-jobs"
ACTIVE = "ACTIVE"
TTL_ATTRIBUTE = "expires_at"  # epoch seconds; DynamoDB's TTL deletes the item after it
UPLOAD_RECORD_KEPT = timedelta(days=30)  # how long an upload id resolves after its form expired

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def is_condition_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"



def job_of_item(item: dict[str, Any]) -> Job:
    """A job from its item, deserialized (the table's, or a stream record's image)."""
    counts = {name: int(item.get(name, 0)) for name in COUNTER_FIELDS}
    total = item.get("total")
    return Job(
        job_id=item["job_id"],
        source=SourceObject.model_validate({k: (int(v) if k == "size" else v) for k, v in item["source"].items()}),
        state=JobState(item["state"]),
        counts=JobCounts(total=None if total is None else int(total), **counts),
        error=item.get("error"),
        created_at=datetime.fromisoformat(item["created_at"]),
        started_at=datetime.fromisoformat(item["started_at"]) if item.get("started_at") else None,
        completed_at=datetime.fromisoformat(item["completed_at"]) if item.get("completed_at") else None,
        updated_at=datetime.fromisoformat(item["updated_at"]) if item.get("updated_at") else None,
        redrives=int(item.get("redrives", 0)),
        results_key=item["results_key"],
        summary_key=item["summary_key"],
        split_plan=plan_of_item(item),
    )


def plan_of_item(item: dict[str, Any]) -> SplitPlan | None:
    plan = item.get("split_plan")
    return None if plan is None else SplitPlan(**{name: int(value) for name, value in plan.items()})


def as_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))  # DynamoDB numbers go through Decimal, not float


class DynamoTable:
    """The job table and what every role of the store does with it: conditional
    updates, transactions retried as DynamoDB asks, paginated queries."""

    def __init__(self, table_name: str, client: Any, retry: PartialRetry | None = None) -> None:
        self._table = table_name
        self._ddb = client
        self._retry = retry or PartialRetry()

    def _job_item(self, job_id: str) -> dict[str, Any] | None:
        answer = self._ddb.get_item(
            TableName=self._table, Key=to_item({"pk": job_pk(job_id), "sk": "JOB"}), ConsistentRead=True
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    def _conditional_update(
        self, job_id: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def _transact(self, transaction: list[dict[str, Any]], what: str) -> bool:
        """Run a conditional transaction: True when it was written, False when a condition
        failed; a conflict with another transaction is retried with backoff."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                self._ddb.transact_write_items(TransactItems=transaction)
                return True
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons or not reasons:
                    return False
                self._retry.pause(attempt)  # TransactionConflict and the like: try again
        raise PartialFailureError(f"could not {what}")

    def _query(
        self, pk: str, between: tuple[str, str] | None = None, consistent: bool = False
    ) -> Iterator[dict[str, Any]]:
        condition = "pk = :pk" + (" AND sk BETWEEN :low AND :high" if between else "")
        values: dict[str, Any] = {":pk": pk}
        if between:
            values.update({":low": between[0], ":high": between[1]})
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
            ConsistentRead=consistent,
        ):
            for item in page["Items"]:
                yield from_item(item)
