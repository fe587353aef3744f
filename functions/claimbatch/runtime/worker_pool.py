"""The embedded runtime's stand-in for the rows queue and the worker Lambdas: a
bounded queue of chunks and a pool of tasks that look them up. A chunk that is
deferred (rows failed transiently) or fails goes back on the queue after a
growing delay, with its delivery count and first-delivery time, as SQS would."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from claimbatch.claims.provider import ClaimStatusProvider
from claimbatch.claims.settings import DEFAULT_MAX_IN_FLIGHT
from claimbatch.logic.process_chunk import ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.messages import RowChunk
from claimbatch.ports.queues import StageSignals
from claimbatch.runtime.embedded_settings import EmbeddedSettings

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class WorkerPool:
    def __init__(self, settings: EmbeddedSettings, store: JobStore, provider: ClaimStatusProvider, spawn: Spawn) -> None:
        self._settings = settings
        self._store = store
        self._provider = provider
        self._spawn = spawn
        # (chunk, delivery, first delivered at): as an SQS message's receive count and first-receive time
        self._chunks: asyncio.Queue[tuple[RowChunk, int, float | None]] | None = None

    @property
    def worker_count(self) -> int:
        # Each worker looks up a whole chunk at once and the client caps lookups in flight.
        # A chunk finishes with its slowest row (a long-tailed answer, a retry backing off),
        # so keep four times the chunks the client may have in flight, and a few more, on
        # the way: the client always has rows to send while chunks wait for their last ones.
        in_flight = self._settings.concurrency or DEFAULT_MAX_IN_FLIGHT
        return max(4, 4 * math.ceil(in_flight / self._settings.rows_per_message) + 2)

    def start(self, signals: StageSignals) -> None:
        """Make the queue (on the running loop) and spawn the workers."""
        self._chunks = asyncio.Queue(maxsize=self.worker_count * 4)
        for _ in range(self.worker_count):
            self._spawn(self._worker(signals))

    async def put(self, chunk: RowChunk) -> None:
        """A chunk's first delivery; waits while the queue is full."""
        assert self._chunks is not None
        await self._chunks.put((chunk, 1, None))

    async def _worker(self, signals: StageSignals) -> None:
        assert self._chunks is not None
        deps = WorkerDeps(
            store=self._store,
            provider=self._provider,
            signals=signals,
            max_deliveries=self._settings.max_deliveries,
            patience_s=self._settings.row_patience_s,
            redelivery=self._settings.redelivery,
        )
        while True:
            chunk, delivery, first_delivered_at = await self._chunks.get()
            first_delivered_at = first_delivered_at or time.time()
            try:
                await process_chunk(chunk, delivery, deps, first_delivered_at)
            except ChunkDeferred as deferred:
                logger.info(
                    "chunk deferred: rows failed transiently",
                    extra={"job_id": chunk.job_id, "chunk": chunk.chunk, "delivery": delivery},
                )
                self._redeliver(chunk, delivery + 1, first_delivered_at, deferred.delay_s)
            except Exception:
                logger.exception("chunk failed, redelivering", extra={"job_id": chunk.job_id, "chunk": chunk.chunk})
                self._redeliver(chunk, delivery + 1, first_delivered_at, deps.redelivery_delay(delivery))
            finally:
                self._chunks.task_done()

    def _redeliver(self, chunk: RowChunk, delivery: int, first_delivered_at: float, delay: float) -> None:
        """As SQS does with a message whose visibility the worker set to `delay`."""
        chunks = self._chunks
        assert chunks is not None

        async def later() -> None:
            await asyncio.sleep(delay)
            await chunks.put((chunk, delivery, first_delivered_at))

        self._spawn(later())
