"""Drives the real Lambda handlers over moto the way AWS does.

A put into the ingest bucket produces an S3 notification (the recorded event
shape) on the split queue; queue messages are received in batches and handed
to the handlers in the Lambda SQS event shape; messages the handler reports as
failed stay on the queue and come back (at once: the visibility timeout is
skipped), with their receive count going up.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3

from claimbatch.domain.job import Job, job_id_for, SourceObject
from claimbatch.handlers import aggregator, dead_letters, splitter, sweeper, wiring, worker
from testkit.lambda_context import FakeLambdaContext

EVENTS = Path(__file__).parent / "events"  # real recorded AWS events
BUCKET = "claimbatch-ingest"
TABLE = "claimbatch-jobs"
SECRET_NAME = "claimbatch/claims-api"
STAGE_ORDER = ("split", "rows", "rows-dlq", "aggregate")  # queues added by a test (notify) come after these
SELF_DEFERRING = frozenset({"rows", "notify"})  # their handlers set the visibility of a message they fail


class SerializedCalls:
    """Each DynamoDB call atomic, as the service makes it. moto's in-memory tables are
    not thread-safe, and the worker calls the store from several threads at once:
    two concurrent ADDs to one item could otherwise lose an update in moto."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name == "get_paginator":
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def recorded_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


class AwsPipeline:
    def __init__(
        self, monkeypatch: Any, claims_api_url: str, table: dict[str, Any] | None = None, **env: str
    ) -> None:
        """`table`: the job table's properties from the synthesized template (KeySchema,
        AttributeDefinitions, GlobalSecondaryIndexes, BillingMode); the tests pass them.
        Without them (the benchmarks, which do not synthesize) the table is made as below."""
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")
        self.ddb = boto3.client("dynamodb")
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        if table is not None:
            self.ddb.create_table(
                TableName=TABLE,
                **{name: table[name] for name in ("KeySchema", "AttributeDefinitions", "BillingMode")},
                GlobalSecondaryIndexes=table.get("GlobalSecondaryIndexes", []),
            )
        else:
            self._create_table()
        self._set_up(monkeypatch, claims_api_url, env)

    def _create_table(self) -> None:
        self.ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("pk", "sk", "active_pk", "active_sk", "tenant_pk", "tenant_sk")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": f"{prefix}_pk", "KeyType": "HASH"},
                        {"AttributeName": f"{prefix}_sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY" if prefix == "active" else "ALL"},
                }
                for index, prefix in (("active-jobs", "active"), ("tenant-jobs", "tenant"))
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def _set_up(self, monkeypatch: Any, claims_api_url: str, env: dict[str, str]) -> None:
        self.queues = {
            name: self.sqs.create_queue(QueueName=f"claimbatch-{name}")["QueueUrl"]
            for name in ("split", "rows", "aggregate", "rows-dlq")
        }
        secret = boto3.client("secretsmanager").create_secret(
            Name=SECRET_NAME, SecretString=json.dumps({"client_id": "demo-client", "client_secret": "demo-secret"})
        )
        settings = {
            "TABLE_NAME": TABLE,
            "SPLIT_QUEUE_URL": self.queues["split"],
            "ROWS_QUEUE_URL": self.queues["rows"],
            "AGGREGATE_QUEUE_URL": self.queues["aggregate"],
            "CLAIMS_API_BASE_URL": claims_api_url,
            "CLAIMS_API_SECRET_ARN": secret["ARN"],
            "CLAIMS_PROVIDER_TIN": "123456789",
            "LAMBDA_TASK_ROOT": "/var/task",  # Powertools then keeps one event loop, as in Lambda
            **env,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        store = wiring.job_store(TABLE)
        store._ddb = SerializedCalls(store._ddb)
        self.handlers: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
            "split": splitter.handler,
            "rows": worker.handler,
            "aggregate": aggregator.handler,
            "rows-dlq": dead_letters.handler,
        }
        self.remaining_ms = 900_000
        self.invocations = {name: 0 for name in self.queues}

    # -- input -----------------------------------------------------------------

    def put_object(self, key: str, data: bytes) -> dict[str, Any]:
        """Upload, and return the S3 notification that AWS would send for it."""
        answer = self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        event = copy.deepcopy(recorded_event("s3_object_created.json"))
        obj = event["Records"][0]["s3"]["object"]
        obj.update(
            key=quote_plus(key, safe="/"),
            size=len(data),
            eTag=answer["ETag"].strip('"'),
            versionId=answer.get("VersionId"),
            sequencer=hashlib.md5(answer["VersionId"].encode()).hexdigest()[:18].upper(),
        )
        event["Records"][0]["s3"]["bucket"]["name"] = BUCKET
        return event

    def notify(self, event: dict[str, Any]) -> None:
        self.sqs.send_message(QueueUrl=self.queues["split"], MessageBody=json.dumps(event))

    def drop(self, key: str, data: bytes) -> str:
        """Put a file into the inbox as a user would; returns its job id."""
        event = self.put_object(key, data)
        self.notify(event)
        version = event["Records"][0]["s3"]["object"]["versionId"]
        return job_id_for(SourceObject(bucket=BUCKET, key=key, version=version))

    # -- running ---------------------------------------------------------------

    def receive(self, queue: str, max_messages: int = 10) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.queues[queue],
            MaxNumberOfMessages=max_messages,
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=30,
        )
        return answer.get("Messages", [])

    def lambda_event(self, queue: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        template = recorded_event("sqs_event.json")["Records"][0]
        records = []
        for message in messages:
            record = copy.deepcopy(template)
            record.update(
                messageId=message["MessageId"],
                receiptHandle=message["ReceiptHandle"],
                body=message["Body"],
                md5OfBody=message["MD5OfBody"],
                eventSourceARN=f"arn:aws:sqs:us-east-1:123456789012:claimbatch-{queue}",
            )
            record["attributes"].update({k: v for k, v in message.get("Attributes", {}).items() if k in record["attributes"]})
            records.append(record)
        return {"Records": records}

    def invoke(self, queue: str, messages: list[dict[str, Any]]) -> set[str]:
        """Run the queue's handler on a batch, settle the messages as the event
        source mapping does, and return the ids of the failed ones."""
        self.invocations[queue] += 1
        try:
            response = self.handlers[queue](
                self.lambda_event(queue, messages), FakeLambdaContext(remaining_ms=self.remaining_ms)
            )
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        except Exception:  # an invocation error: Lambda leaves the whole batch on the queue
            failed = {message["MessageId"] for message in messages}
        for message in messages:
            if message["MessageId"] in failed:
                if queue not in SELF_DEFERRING:  # those set their own delay; others come back at once
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queues[queue], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
            else:
                self.sqs.delete_message(QueueUrl=self.queues[queue], ReceiptHandle=message["ReceiptHandle"])
        return failed

    def sweep(self) -> dict[str, list[str]]:
        """Run the scheduled sweeper once."""
        return sweeper.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, FakeLambdaContext())

    def dead_letter(self, message: dict[str, Any]) -> None:
        """Move a received rows message to the dead-letter queue, as SQS does past maxReceiveCount."""
        self.sqs.send_message(QueueUrl=self.queues["rows-dlq"], MessageBody=message["Body"])
        self.sqs.delete_message(QueueUrl=self.queues["rows"], ReceiptHandle=message["ReceiptHandle"])

    def step(self, queue: str, max_messages: int = 10) -> bool:
        messages = self.receive(queue, max_messages)
        if messages:
            self.invoke(queue, messages)
        return bool(messages)

    def run_until_idle(self, max_rounds: int = 10_000, max_wait_s: float = 120.0) -> None:
        """Deliver until every queue is empty, waiting out messages that are deferred (invisible)."""
        deadline = time.monotonic() + max_wait_s
        for _ in range(max_rounds):
            busy = False
            for queue in (*STAGE_ORDER, *(name for name in self.queues if name not in STAGE_ORDER)):
                busy = self.step(queue) or busy
            if busy:
                continue
            if not any(self.queue_depth(queue) for queue in self.queues):
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        raise AssertionError("pipeline did not go idle")

    # -- output ----------------------------------------------------------------

    def job(self, job_id: str) -> Job:
        job = wiring.job_store(TABLE).get_job(job_id)
        assert job is not None, "job not found"
        return job

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def results_text(self, job_id: str) -> str:
        return self.read(self.job(job_id).results_key).decode()

    def summary(self, job_id: str) -> dict[str, Any]:
        return json.loads(self.read(self.job(job_id).summary_key))

    def queue_depth(self, queue: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queues[queue],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
