"""Aggregator Lambda: writes a finished job's results file and summary."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.handlers.notification_wiring import job_end_outbox
from claimbatch.handlers.wiring import aggregator_deps
from claimbatch.logic.aggregate_results import aggregate_job
from claimbatch.logic.announce_job_end import announce_job_end
from claimbatch.observability import logger, metrics, tracer
from claimbatch.ports.messages import AggregationRequest


class AggregationRecord(SqsRecordModel):
    body: Json[AggregationRequest]  # type: ignore[assignment]


processor = BatchProcessor(event_type=EventType.SQS, model=AggregationRecord, raise_on_entire_batch_failure=False)


def record_handler(record: AggregationRecord) -> None:
    deps = aggregator_deps()
    state = aggregate_job(record.body.job_id, deps)
    outbox = job_end_outbox()
    if state is not None and state.is_terminal and outbox is not None:
        announce_job_end(record.body.job_id, deps.store, outbox)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
