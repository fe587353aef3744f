"""Sending many messages with SendMessageBatch: batches of at most ten entries and
at most SQS_BATCH_MAX_BYTES of bodies (long non-ASCII names make a rows message
hundreds of KB), every message sent once and in order; a message SQS could never
take is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from claimbatch.adapters.aws.sqs_queues import (
    SQS_BATCH_LIMIT,
    SQS_BATCH_MAX_BYTES,
    SQS_MESSAGE_MAX_BYTES,
    MessageTooLargeError,
    SqsRowQueue,
    SqsSender,
)
from claimbatch.domain.job import MAX_ROWS_PER_MESSAGE
from claimbatch.domain.value_rules import MAX_ID_CHARS, MAX_NAME_CHARS, check_name
from claimbatch.ports.messages import QueuedRow, RowChunk
from moto import mock_aws

REGION = "us-east-1"


class RecordingSqs:
    """An SQS client that accepts every entry and keeps each SendMessageBatch's entries."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.batches.append([entry["MessageBody"] for entry in Entries])
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries]}


def _body(number: int, size: int, char: str = "é") -> str:
    prefix = f"{number:06d}:"
    return prefix + char * ((size - len(prefix)) // len(char.encode()))


@pytest.mark.parametrize(
    "bodies",
    [
        [_body(n, 100) for n in range(25)],  # small: ten to a batch
        [_body(n, 60_000) for n in range(25)],  # four fit under the batch limit
        [_body(n, 60_000, "a") for n in range(13)],
        [_body(n, 300_000) for n in range(3)] + [_body(n, 1_000) for n in range(3, 8)],  # each over it: alone
    ],
    ids=["small", "non-ascii-60kb", "ascii-60kb", "over-batch-limit"],
)
def test_batches_stay_under_the_entry_and_size_limits_and_keep_every_message_in_order(bodies) -> None:
    sqs = RecordingSqs()

    SqsSender(sqs).send_batch("url", bodies)

    assert [body for batch in sqs.batches for body in batch] == bodies
    for batch in sqs.batches:
        assert 1 <= len(batch) <= SQS_BATCH_LIMIT
        assert len(batch) == 1 or sum(len(body.encode()) for body in batch) <= SQS_BATCH_MAX_BYTES


def test_small_messages_go_ten_to_a_batch_and_large_ones_as_many_as_fit() -> None:
    sqs = RecordingSqs()

    SqsSender(sqs).send_batch("url", [_body(n, 100) for n in range(25)] + [_body(n, 60_000) for n in range(9)])

    assert [len(batch) for batch in sqs.batches] == [10, 10, 9, 4, 1], "5 small + 4 of 60 KB, then 4 + 1"


def test_a_message_over_the_sqs_limit_is_refused_before_anything_is_sent() -> None:
    sqs = RecordingSqs()
    bodies = [_body(0, 1_000), _body(1, SQS_MESSAGE_MAX_BYTES + 2)]

    with pytest.raises(MessageTooLargeError, match="over SQS's 1,048,576-byte limit"):
        SqsSender(sqs).send_batch("url", bodies)

    assert sqs.batches == []


@pytest.fixture
def queue() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        yield client, client.create_queue(QueueName="rows")["QueueUrl"]


def test_ten_large_rows_messages_reach_the_queue_where_one_batch_of_them_is_refused(queue) -> None:
    client, url = queue
    bodies = [_body(n, 400_000) for n in range(SQS_BATCH_LIMIT)]  # 200,000 characters each
    with pytest.raises(client.exceptions.BatchRequestTooLong):
        client.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])

    SqsSender(client).send_batch(url, bodies)

    received: list[str] = []
    while answer := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        received += [message["Body"] for message in answer]
    assert sorted(received) == bodies


def _longest_chunk(job_id: str, chunk: int) -> RowChunk:
    """MAX_ROWS_PER_MESSAGE rows at the longest valid values: ids of MAX_ID_CHARS, names
    of MAX_NAME_CHARS letters of four UTF-8 bytes each."""
    name = "\U0001d538" * MAX_NAME_CHARS  # MATHEMATICAL DOUBLE-STRUCK CAPITAL A, a letter
    first = chunk * MAX_ROWS_PER_MESSAGE + 1
    rows = [
        QueuedRow(row, "C" * MAX_ID_CHARS, name, name, date(1975, 5, 10), "S" * MAX_ID_CHARS)
        for row in range(first, first + MAX_ROWS_PER_MESSAGE)
    ]
    return RowChunk(job_id=job_id, chunk=chunk, rows=rows)


def test_a_chunk_of_the_most_rows_at_their_longest_fits_one_sqs_message() -> None:
    longest_name = "\U0001d538" * MAX_NAME_CHARS
    assert check_name("first_name", longest_name) == longest_name, "a valid name"
    body = _longest_chunk("job", 0).to_json()

    assert SQS_BATCH_MAX_BYTES < len(body.encode()) <= SQS_MESSAGE_MAX_BYTES


def test_chunks_of_long_non_ascii_names_all_reach_the_rows_queue(queue) -> None:
    client, url = queue
    chunks = [_longest_chunk("job", chunk) for chunk in range(SQS_BATCH_LIMIT)]

    SqsRowQueue(SqsSender(client), url).send_chunks(chunks)

    received: list[RowChunk] = []
    while answer := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        received += [RowChunk.from_json(message["Body"]) for message in answer]
    assert sorted(chunk.chunk for chunk in received) == list(range(SQS_BATCH_LIMIT))
    assert all(len(chunk.rows) == MAX_ROWS_PER_MESSAGE for chunk in received)
