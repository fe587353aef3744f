"""The job-events Lambda handler on moto: stream records of real job items (as the
DynamoDB job store writes them) in, Job State Change events on the bus out; a
batch it cannot publish is reported record by record, for the stream to retry."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.domain.job import JobState, SourceObject, new_job
from claimbatch.handlers import job_state_events, wiring
from testkit.aws_pipeline import recorded_event
from testkit.lambda_context import FakeLambdaContext

TABLE = "claimbatch-jobs"
BUS = "claimbatch-jobs"


@pytest.fixture
def aws(monkeypatch) -> Iterator[str]:
    """The table, the bus, and a rule copying the bus's claimbatch events to a queue (its URL)."""
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        events, sqs = boto3.client("events"), boto3.client("sqs")
        events.create_event_bus(Name=BUS)
        queue_url = sqs.create_queue(QueueName="seen")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["claimbatch"]}))
        events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
        monkeypatch.setenv("EVENT_BUS_NAME", BUS)
        wiring.reset()
        yield queue_url
        wiring.reset()


def job_item(job_id: str) -> dict[str, Any]:
    key = {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": "JOB"}}
    return boto3.client("dynamodb").get_item(TableName=TABLE, Key=key)["Item"]


def stream_event(*changes: tuple[dict[str, Any] | None, dict[str, Any]]) -> dict[str, Any]:
    template = recorded_event("dynamodb_stream_event.json")["Records"][0]
    records = []
    for number, (old, new) in enumerate(changes, start=1):
        record = copy.deepcopy(template)
        record["eventID"] = str(number)
        record["eventName"] = "MODIFY" if old else "INSERT"
        change = {"Keys": {"pk": new["pk"], "sk": new["sk"]}, "NewImage": new, "SequenceNumber": f"{number}00"}
        if old:
            change["OldImage"] = old
        record["dynamodb"] = {**record["dynamodb"], **change}
        records.append(record)
    return {"Records": records}


def seen_states(queue_url: str) -> list[str]:
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted(json.loads(message["Body"])["detail"]["state"] for message in messages)


def test_creations_and_state_changes_are_published_and_counter_updates_are_not(aws):
    store = DynamoJobStore(TABLE, boto3.client("dynamodb"))
    job = new_job(SourceObject(bucket="b", key="inbox/acme/claims.csv", version="v1"))
    store.create_job(job)
    received = job_item(job.job_id)
    store.transition(job.job_id, [JobState.RECEIVED], JobState.FAILED, error="empty file", at=datetime.now(UTC))
    failed = job_item(job.job_id)

    event = stream_event((None, received), (received, failed), (failed, failed))
    answer = job_state_events.handler(event, FakeLambdaContext())

    assert answer["batchItemFailures"] == []
    assert seen_states(aws) == ["FAILED", "RECEIVED"]


def test_records_that_cannot_be_published_are_reported_for_the_stream_to_retry(aws, monkeypatch):
    store = DynamoJobStore(TABLE, boto3.client("dynamodb"))
    job = new_job(SourceObject(bucket="b", key="inbox/acme/claims.csv", version="v2"))
    store.create_job(job)
    monkeypatch.setenv("EVENT_BUS_NAME", "no-such-bus")
    wiring.reset()

    answer = job_state_events.handler(stream_event((None, job_item(job.job_id))), FakeLambdaContext())

    assert answer["batchItemFailures"] == [{"itemIdentifier": "100"}]
