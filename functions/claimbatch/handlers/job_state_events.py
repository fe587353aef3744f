"""Job-events Lambda: the job table's stream in, every job state change out to the
stack's EventBridge bus (`source: claimbatch`, `detail-type: Job State Change`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.adapters.aws.dynamodb_job_stream import job_change
from claimbatch.handlers.notification_wiring import job_event_bus
from claimbatch.logic.publish_state_changes import publish_state_changes
from claimbatch.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord) -> None:
    change = job_change(record.raw_event)
    if change is not None:
        publish_state_changes([change], job_event_bus())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
