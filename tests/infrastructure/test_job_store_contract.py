"""The job table as synthesized serves the job store's index queries.

A moto table is created from the template's own key schema, attribute
definitions and global secondary indexes (projections included), and the real
`DynamoJobStore` runs against it: a KEYS_ONLY index that the store read a
non-key attribute from would come back empty here, as it would in AWS.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.domain.job import JobState, SourceObject, new_job
from moto import mock_aws

from tests.infrastructure.conftest import Synthesized


@pytest.fixture
def store(synthesized: Synthesized, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="jobs",
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            GlobalSecondaryIndexes=properties["GlobalSecondaryIndexes"],
            BillingMode=properties["BillingMode"],
        )
        yield DynamoJobStore("jobs", client), client


def test_the_sweepers_index_lists_exactly_the_unfinished_jobs(store: Any) -> None:
    jobs, _ = store
    running = new_job(SourceObject(bucket="b", key="inbox/acme/one.csv", version="1"))
    finished = new_job(SourceObject(bucket="b", key="inbox/acme/two.csv", version="1"))
    for job in (running, finished):
        assert jobs.create_job(job)
    assert jobs.transition(finished.job_id, [JobState.RECEIVED], JobState.FAILED, error="unreadable")

    assert [job.job_id for job in jobs.list_active_jobs()] == [running.job_id]


def test_the_tenant_index_lists_a_tenants_jobs_with_their_state(store: Any) -> None:
    jobs, client = store
    job = new_job(SourceObject(bucket="b", key="inbox/acme/one.csv", version="1"))
    assert jobs.create_job(job)

    items = client.query(
        TableName="jobs",
        IndexName="tenant-jobs",
        KeyConditionExpression="tenant_pk = :tenant",
        ExpressionAttributeValues={":tenant": {"S": job.tenant}},
        ScanIndexForward=False,
    )["Items"]

    assert [(item["job_id"]["S"], item["state"]["S"]) for item in items] == [(job.job_id, "RECEIVED")]
