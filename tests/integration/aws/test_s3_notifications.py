"""The notification moto sends for a real put_object starts a job.

The ingest bucket, its notification configuration and the split queue come from
the synthesized template; the notification is whatever moto generates (it has
no userIdentity, requestParameters, responseElements, ownerIdentity, versionId
or sequencer); the splitter runs by its template Handler string with exactly its
template environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from claimbatch.adapters.aws.s3_events import parse_split_message
from claimbatch.domain.job import JobState, SourceObject, job_id_for
from claimbatch.handlers import wiring
from moto import mock_aws

from tests.support.claims_data import claims_csv
from testkit.lambda_context import FakeLambdaContext
from tests.support.lambda_invoke import import_handler, sqs_event
from tests.support.synth import Synthesized
from tests.support.template_resources import TemplateResources

SPLITTER = "claimbatch.handlers.splitter.handler"


@pytest.fixture
def stack(synthesized: Synthesized, monkeypatch: pytest.MonkeyPatch) -> Iterator[TemplateResources]:
    with mock_aws():
        resources = TemplateResources(synthesized.document, parameters={}).create()
        for name, value in resources.function_by_handler(SPLITTER).environment.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        yield resources
        wiring.reset()


def _ingest_bucket(stack: TemplateResources) -> str:
    (bucket,) = [
        stack.physical(logical_id)["Ref"]
        for logical_id, resource in stack.of_type("AWS::S3::Bucket").items()
        if "NotificationConfiguration" in resource["Properties"]
    ]
    return bucket


def _split_queue(stack: TemplateResources) -> tuple[str, str]:
    splitter = stack.function_by_handler(SPLITTER).logical_id
    (source,) = [source for source in stack.event_sources() if source.function_logical_id == splitter]
    return source.queue_url, source.queue_arn


def _receive(url: str) -> list[dict]:
    return boto3.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages", [])


def test_a_put_into_the_inbox_notifies_the_split_queue_and_the_splitter_makes_the_job(stack) -> None:
    bucket = _ingest_bucket(stack)
    url, arn = _split_queue(stack)
    data = claims_csv(3).encode()
    (configured,) = _receive(url)  # S3's test event, sent when the notification was configured
    assert parse_split_message(configured["Body"]) == []

    boto3.client("s3").put_object(Bucket=bucket, Key="inbox/acme/claims august.csv", Body=data)
    (message,) = _receive(url)
    body = json.loads(message["Body"])
    (created,) = parse_split_message(message["Body"])

    # moto's notification lacks what real S3 adds; the splitter does not need it.
    assert "userIdentity" not in body["Records"][0]
    assert "versionId" not in body["Records"][0]["s3"]["object"]
    assert (created.bucket, created.key, created.size) == (bucket, "inbox/acme/claims august.csv", len(data))

    splitter = import_handler(SPLITTER)
    for delivered in (configured, message):  # the event source's batch size is 1
        assert splitter(sqs_event(arn, [delivered]), FakeLambdaContext()) == {"batchItemFailures": []}

    job = wiring.job_store(stack.function_by_handler(SPLITTER).environment["TABLE_NAME"]).get_job(
        job_id_for(SourceObject(bucket=bucket, key=created.key, version=created.version))
    )
    assert job is not None
    assert job.state is JobState.PROCESSING
    assert job.counts.total == 3


def test_objects_outside_the_inbox_notify_nothing(stack) -> None:
    bucket = _ingest_bucket(stack)
    url, _ = _split_queue(stack)

    _receive(url)  # S3's test event
    boto3.client("s3").put_object(Bucket=bucket, Key="results/acme/claims.results.csv", Body=b"row\n")

    assert _receive(url) == []
