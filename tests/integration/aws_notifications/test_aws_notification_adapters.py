"""The AWS side of notifications on moto: channels and delivery records in the job
table, email through SES, and job state changes from the table's stream to the
stack's EventBridge bus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from claimbatch.adapters.aws.dynamodb_job_stream import job_change
from claimbatch.adapters.aws.dynamodb_notification_store import DynamoNotificationStore
from claimbatch.adapters.aws.eventbridge_job_events import DETAIL_TYPE, SOURCE, EventBridgeJobEvents
from claimbatch.adapters.aws.ses_email_sender import SesEmailSender
from claimbatch.domain.delivery_record import DeliveryState, DeliveryStep
from claimbatch.domain.job import JobState, SourceObject, new_job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import job_notification
from claimbatch.domain.notification_settings import NotificationSettings
from claimbatch.logic.publish_state_changes import publish_state_changes
from claimbatch.ports.notifications import SendFailure

TABLE = "claimbatch-jobs"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        yield


def completed_job():
    job = new_job(SourceObject(bucket="b", key="inbox/acme/claims.csv", version="v1"))
    return job.model_copy(update={"state": JobState.COMPLETED, "completed_at": datetime.now(UTC)})


def test_channels_are_kept_per_tenant(aws):
    store = DynamoNotificationStore(TABLE, boto3.client("dynamodb"))
    settings, _ = NotificationSettings().with_new(["https://hooks.acme.example/"], ["billing@acme.example"])
    store.put_notification_settings("acme", settings)
    assert store.get_notification_settings("acme") == settings
    assert store.get_notification_settings("beta") == NotificationSettings()


def test_a_delivery_record_keeps_its_state_attempts_and_due_time(aws):
    store = DynamoNotificationStore(TABLE, boto3.client("dynamodb"))
    due = datetime(2026, 12, 1, 12, 5, tzinfo=UTC)
    assert store.get_delivery("msg_1", "webhook:a") is None
    store.put_delivery("msg_1", "webhook:a", DeliveryStep(DeliveryState.PENDING, 2, due, "answered 503"))
    assert store.get_delivery("msg_1", "webhook:a") == DeliveryStep(DeliveryState.PENDING, 2, due, "answered 503")
    item = boto3.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "NOTIFY#msg_1"}, "sk": {"S": "CHANNEL#webhook:a"}})
    expires = datetime.fromtimestamp(int(item["Item"]["expires_at"]["N"]), UTC)
    assert expires > datetime.now(UTC) + timedelta(days=7)  # kept longer than any retry schedule


def test_ses_sends_from_a_verified_identity_and_refuses_otherwise(aws):
    ses = boto3.client("sesv2")
    ses.create_email_identity(EmailIdentity="claimbatch@acme.example")
    notification = job_notification(JobEvent.of(completed_job()), None)

    sent = SesEmailSender(ses, "claimbatch@acme.example").send("billing@acme.example", notification)
    unverified = SesEmailSender(ses, "nobody@elsewhere.example").send("billing@acme.example", notification)

    assert sent.failure is None
    assert unverified.failure is SendFailure.PERMANENT


def stream_record(old_state: str | None, new_state: str, sk: str = "JOB") -> dict:
    job = completed_job()
    image = {
        "pk": {"S": f"JOB#{job.job_id}"},
        "sk": {"S": sk},
        "job_id": {"S": job.job_id},
        "state": {"S": new_state},
        "source": {"M": {k: {"S": str(v)} if k != "size" else {"N": str(v)} for k, v in job.source.model_dump().items()}},
        "created_at": {"S": job.created_at.isoformat()},
        "results_key": {"S": job.results_key},
        "summary_key": {"S": job.summary_key},
        "done": {"N": "3"},
    }
    change = {"Keys": {"pk": image["pk"], "sk": image["sk"]}, "NewImage": image}
    if old_state is not None:
        change["OldImage"] = {**image, "state": {"S": old_state}}
    return {"eventName": "MODIFY" if old_state else "INSERT", "dynamodb": change}


def test_state_changes_reach_the_bus_and_counter_updates_do_not(aws):
    # Given a rule on the stack's bus that copies claimbatch's events to a queue
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="claimbatch")
    queue_url = sqs.create_queue(QueueName="seen")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName="claimbatch", EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule="all", EventBusName="claimbatch", Targets=[{"Id": "q", "Arn": queue_arn}])
    bus = EventBridgeJobEvents(events, "claimbatch")

    # When the stream brings a creation, a state change, a counter update and a row item
    records = [
        stream_record(None, "RECEIVED"),
        stream_record("AGGREGATING", "COMPLETED"),
        stream_record("PROCESSING", "PROCESSING"),
        stream_record(None, "PROCESSING", sk="CHUNK#1"),
    ]
    published = sum(publish_state_changes([change], bus) for record in records if (change := job_change(record)))

    # Then the creation and the state change were published, as Job State Change events
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    seen = [json.loads(message["Body"]) for message in messages]
    assert published == 2
    assert sorted(event["detail"]["state"] for event in seen) == ["COMPLETED", "RECEIVED"]
    assert {event["detail-type"] for event in seen} == {DETAIL_TYPE}
    assert {event["detail"]["file_name"] for event in seen} == {"claims.csv"}
