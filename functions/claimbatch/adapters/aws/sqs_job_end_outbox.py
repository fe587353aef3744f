"""A job's end on its way to the notifier function: one message on the notify queue."""

from __future__ import annotations

from typing import Any

from claimbatch.domain.job_event import JobEvent


class SqsJobEndOutbox:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._sqs = client
        self._queue_url = queue_url

    def job_ended(self, event: JobEvent) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=event.model_dump_json())
