"""Splitter Lambda: S3 object-created events (and continuations) from the split queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.adapters.aws.s3_events import parse_split_message
from claimbatch.handlers.wiring import splitter_deps
from claimbatch.logic.split_file import split_job
from claimbatch.logic.start_job import start_job
from claimbatch.observability import logger, metrics, tracer
from claimbatch.ports.messages import SplitContinuation

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    deps = splitter_deps()
    message = parse_split_message(record.body)

    def remaining_s() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000

    if isinstance(message, SplitContinuation):
        split_job(message.job_id, deps, remaining_s)
        return
    for created in message:
        job = start_job(created, deps.store)
        if job is not None:
            split_job(job.job_id, deps, remaining_s)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
