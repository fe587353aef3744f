"""A rows message that exhausted its deliveries (it reached the dead-letter
queue) still ends as results, so its job completes: each row without a final
result is written as failed and retryable."""

from __future__ import annotations

from claimbatch.domain.job import JobState
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.logic.completion import complete_if_done
from claimbatch.observability import logger
from claimbatch.ports.job_store import ChunkId, JobStore
from claimbatch.ports.messages import RowChunk
from claimbatch.ports.queues import StageSignals

ACCEPTING_ROWS = frozenset({JobState.SPLITTING, JobState.PROCESSING})


def gave_up_error(deliveries: int) -> str:
    return f"gave up after {deliveries} attempts; retry the job to look this row up again"


def account_dead_chunk(chunk: RowChunk, deliveries: int, store: JobStore, signals: StageSignals) -> None:
    job = store.get_job(chunk.job_id)
    if job is None or job.state not in ACCEPTING_ROWS:
        return
    chunk_id = ChunkId(chunk.chunk)
    stored = store.chunk_results(chunk.job_id, chunk_id)
    given_up = [
        ResultRow(
            row=row.row,
            claim_number=row.claim_number,
            outcome=RowOutcome.FAILED,
            error=gave_up_error(deliveries),
            retryable=True,
        )
        for row in chunk.rows
        if row.row not in stored
    ]
    if store.count_chunk(chunk.job_id, chunk_id, [*stored.values(), *given_up]):
        logger.warning(
            "dead-lettered chunk written as failed rows",
            extra={"job_id": chunk.job_id, "chunk": chunk.chunk, "rows": len(given_up)},
        )
    complete_if_done(chunk.job_id, store, signals)
