"""The RowQueue and StageSignals ports for code on the runtime's other threads:
each call is handed to the event loop, blocking while the chunk queue is full,
so memory stays flat whatever the file size."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from claimbatch.ports.messages import RowChunk
from claimbatch.runtime.thread_handoff import LoopHandoff

Step = Callable[[Any], Coroutine[Any, Any, Any]]


class ThreadQueues:
    def __init__(self, handoff: LoopHandoff, *, send_chunk: Step, aggregate: Step, split: Step) -> None:
        self._handoff = handoff
        self._send_chunk = send_chunk
        self._aggregate = aggregate
        self._split = split

    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        if chunks:  # the whole batch in one trip to the loop: a hand-off costs more than a put
            self._handoff.call(self._send_all(list(chunks)))

    async def _send_all(self, chunks: list[RowChunk]) -> None:
        for chunk in chunks:
            await self._send_chunk(chunk)

    def request_aggregation(self, job_id: str) -> None:
        self._handoff.call(self._aggregate(job_id))

    def continue_split(self, job_id: str) -> None:
        self._handoff.call(self._split(job_id))
