"""The queues between the stages (SQS; in-process queues in the embedded runtime)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from claimbatch.ports.messages import RowChunk


class RowQueue(Protocol):
    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        """Enqueue every chunk or raise; entries that fail are re-sent first."""
        ...


class MessageDeferral(Protocol):
    """A message a consumer received comes back after a delay, not before (SQS: its
    visibility timeout); how a chunk with deferred rows, or a notification with a
    retry due, waits."""

    def defer(self, receipt_handle: str, delay_s: float) -> None: ...


class StageSignals(Protocol):
    """The pipeline's own wake-up calls between stages."""

    def request_aggregation(self, job_id: str) -> None: ...

    def continue_split(self, job_id: str) -> None: ...
