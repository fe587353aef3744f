"""Notifier Lambda: each message of the notify queue is one job's end; its tenant's
webhooks and emails are sent what is due, and the message comes back (visibility
delay) when a retry is. Deliveries are recorded per channel, so a message seen
twice sends nothing twice."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.domain.job_event import JobEvent
from claimbatch.handlers.notification_wiring import notifier_deps, notify_deferral
from claimbatch.logic.notify_job_end import notify_job_end
from claimbatch.observability import logger, metrics, tracer


class JobEventRecord(SqsRecordModel):
    body: Json[JobEvent]  # type: ignore[assignment]


class DeliveryPending(Exception):
    """Some channel is to be tried again: the message stays on the queue until then."""


processor = BatchProcessor(event_type=EventType.SQS, model=JobEventRecord, raise_on_entire_batch_failure=False)


def record_handler(record: JobEventRecord) -> None:
    wait = notify_job_end(record.body, notifier_deps())
    if wait is not None:
        notify_deferral().defer(record.receiptHandle, wait.total_seconds())
        raise DeliveryPending(record.body.message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
