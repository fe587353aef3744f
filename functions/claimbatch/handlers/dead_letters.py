"""Dead-letter Lambda: rows messages that exhausted their receives become failed, retryable rows."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.handlers.wiring import dead_letter_deps
from claimbatch.handlers.worker import RowChunkRecord
from claimbatch.logic.account_dead_chunk import account_dead_chunk
from claimbatch.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS, model=RowChunkRecord, raise_on_entire_batch_failure=False)


def record_handler(record: RowChunkRecord) -> None:
    store, signals = dead_letter_deps()
    account_dead_chunk(record.body, int(record.attributes.ApproximateReceiveCount), store, signals)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
