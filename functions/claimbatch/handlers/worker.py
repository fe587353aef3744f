"""Worker Lambda: chunks of rows from the rows queue, looked up concurrently."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.handlers.env_vars import worker_env
from claimbatch.handlers.wiring import rows_deferral, worker_deps
from claimbatch.logic.process_chunk import ChunkDeferred, TimeLeft, process_chunk
from claimbatch.observability import logger, metrics, tracer
from claimbatch.ports.messages import RowChunk


class RowChunkRecord(SqsRecordModel):
    body: Json[RowChunk]  # type: ignore[assignment]


# A batch whose every chunk is deferred is still a partial response, not an invocation error.
processor = AsyncBatchProcessor(event_type=EventType.SQS, model=RowChunkRecord, raise_on_entire_batch_failure=False)


def time_left(context: LambdaContext) -> TimeLeft:
    """Seconds until the worker must stop looking up: Lambda's remaining time, less the
    margin it needs to store what it has and return before it is timed out."""
    margin_s = worker_env().deadline_margin_s
    return lambda: context.get_remaining_time_in_millis() / 1000 - margin_s


async def record_handler(record: RowChunkRecord, lambda_context: LambdaContext) -> None:
    attributes = record.attributes
    delivery = int(attributes.ApproximateReceiveCount)
    deps = worker_deps()
    first_delivered_at = attributes.ApproximateFirstReceiveTimestamp.timestamp()
    try:
        await process_chunk(record.body, delivery, deps, first_delivered_at, time_left(lambda_context))
    except ChunkDeferred as deferred:
        # Back on the queue after a wait that grows with every delivery, or, when it only ran out of
        # time, the request deadline (its requests still running must end first): its visibility timeout.
        rows_deferral().defer(record.receiptHandle, deferred.delay_s)
        raise
    except Exception:
        rows_deferral().defer(record.receiptHandle, deps.redelivery_delay(delivery))
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
