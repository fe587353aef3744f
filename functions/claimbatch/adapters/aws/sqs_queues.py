"""RowQueue and StageSignals on SQS. SendMessageBatch answers HTTP 200 with a
list of failed entries: those are re-sent with backoff, never dropped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from claimbatch.adapters.aws.retrying import PartialFailureError, PartialRetry
from claimbatch.observability import logger
from claimbatch.ports.messages import AggregationRequest, RowChunk, SplitContinuation

SQS_BATCH_LIMIT = 10
# SendMessageBatch refuses (BatchRequestTooLong, on every attempt) a request whose
# message bodies and attributes total more than its payload limit: 256 KiB until
# 2025, 1 MiB since. Batches are kept under the older figure, so they fit on any
# endpoint or queue still held to it; a larger message goes in a batch of its own.
SQS_BATCH_MAX_BYTES = 262_144
# SQS's most for one message (a queue may set less): a larger one can never be sent.
SQS_MESSAGE_MAX_BYTES = 1_048_576


class MessageTooLargeError(ValueError):
    """A message over SQS's size limit: sending it again can never succeed."""


def size_groups(bodies: Sequence[str]) -> list[list[str]]:
    """The bodies in order, in groups of at most SQS_BATCH_LIMIT that total at most
    SQS_BATCH_MAX_BYTES of UTF-8 (no attributes are sent), a larger body alone.
    Raises MessageTooLargeError, before anything is sent, for a body SQS cannot take."""
    groups: list[list[str]] = []
    group_bytes = 0
    for body in bodies:
        size = len(body.encode())
        if size > SQS_MESSAGE_MAX_BYTES:
            raise MessageTooLargeError(
                f"a queue message of {size:,} bytes is over SQS's {SQS_MESSAGE_MAX_BYTES:,}-byte limit"
            )
        if not groups or len(groups[-1]) == SQS_BATCH_LIMIT or group_bytes + size > SQS_BATCH_MAX_BYTES:
            groups.append([])
            group_bytes = 0
        groups[-1].append(body)
        group_bytes += size
    return groups


class SqsSender:
    def __init__(self, client: Any, retry: PartialRetry | None = None) -> None:
        self._sqs = client
        self._retry = retry or PartialRetry()

    def send_batch(self, queue_url: str, bodies: Sequence[str]) -> None:
        for group in size_groups(bodies):
            self._send_until_accepted(queue_url, {str(i): body for i, body in enumerate(group)})

    def _send_until_accepted(self, queue_url: str, pending: dict[str, str]) -> None:
        for attempt in range(1, self._retry.attempts + 1):
            answer = self._sqs.send_message_batch(
                QueueUrl=queue_url, Entries=[{"Id": i, "MessageBody": body} for i, body in pending.items()]
            )
            failed = answer.get("Failed") or []
            if not failed:
                return
            sender_faults = [entry for entry in failed if entry.get("SenderFault")]
            if sender_faults:  # a malformed entry never succeeds by retrying
                raise PartialFailureError(f"SQS rejected {len(sender_faults)} entries: {sender_faults[0].get('Code')}")
            logger.warning("SQS batch entries failed, re-sending", extra={"failed": len(failed), "attempt": attempt})
            pending = {entry["Id"]: pending[entry["Id"]] for entry in failed}
            self._retry.pause(attempt)
        raise PartialFailureError(f"{len(pending)} SQS entries still failing after retries")

    def send(self, queue_url: str, body: str) -> None:
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=body)


MAX_VISIBILITY_S = 43_200  # SQS: twelve hours at most; a longer wait is taken in steps


class SqsDeferral:
    """MessageDeferral on an SQS queue: the message's visibility timeout, in whole
    seconds rounded up (never back sooner than asked), within SQS's bounds."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._sqs = client
        self._url = queue_url

    def defer(self, receipt_handle: str, delay_s: float) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self._url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(math.ceil(delay_s), MAX_VISIBILITY_S)),
        )


class SqsRowQueue:
    def __init__(self, sender: SqsSender, queue_url: str) -> None:
        self._sender = sender
        self._url = queue_url

    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        self._sender.send_batch(self._url, [chunk.to_json() for chunk in chunks])


class SqsStageSignals:
    def __init__(self, sender: SqsSender, aggregate_queue_url: str, split_queue_url: str | None = None) -> None:
        self._sender = sender
        self._aggregate_url = aggregate_queue_url
        self._split_url = split_queue_url

    def request_aggregation(self, job_id: str) -> None:
        self._sender.send(self._aggregate_url, AggregationRequest(job_id=job_id).model_dump_json())

    def continue_split(self, job_id: str) -> None:
        if self._split_url is None:
            raise RuntimeError("this function has no split queue to continue on")
        self._sender.send(self._split_url, SplitContinuation(job_id=job_id).model_dump_json())
