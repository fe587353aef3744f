"""Aggregator Lambda: writes a finished job's results file and summary."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.handlers.wiring import aggregator_deps
from claimbatch.logic.aggregate_results import aggregate_job
from claimbatch.observability import logger, metrics, tracer
from claimbatch.ports.messages import AggregationRequest


class AggregationRecord(SqsRecordModel):
    body: Json[AggregationRequest]  # type: ignore[assignment]


processor = BatchProcessor(event_type=EventType.SQS, model=AggregationRecord, raise_on_entire_batch_failure=False)


def record_handler(record: AggregationRecord) -> None:
    aggregate_job(record.body.job_id, aggregator_deps())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
