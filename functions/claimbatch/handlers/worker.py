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

from claimbatch.handlers.wiring import rows_deferral, worker_deps
from claimbatch.logic.process_chunk import ChunkDeferred, process_chunk
from claimbatch.observability import logger, metrics, tracer
from claimbatch.ports.messages import RowChunk


class RowChunkRecord(SqsRecordModel):
    body: Json[RowChunk]  # type: ignore[assignment]


# A batch whose every chunk is deferred is still a partial response, not an invocation error.
processor = AsyncBatchProcessor(event_type=EventType.SQS, model=RowChunkRecord, raise_on_entire_batch_failure=False)


async def record_handler(record: RowChunkRecord) -> None:
    attributes = record.attributes
    delivery = int(attributes.ApproximateReceiveCount)
    deps = worker_deps()
    try:
        await process_chunk(record.body, delivery, deps, attributes.ApproximateFirstReceiveTimestamp.timestamp())
    except ChunkDeferred as deferred:
        # Back on the queue, but not at once: the delay grows with every delivery.
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
