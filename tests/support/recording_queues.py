"""A fake of the RowQueue and StageSignals ports that records what it was given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from claimbatch.ports.messages import RowChunk


@dataclass
class RecordingQueues:
    chunks: list[RowChunk] = field(default_factory=list)
    aggregations: list[str] = field(default_factory=list)

    def send_chunks(self, chunks: Sequence[RowChunk]) -> None:
        self.chunks.extend(chunks)

    def request_aggregation(self, job_id: str) -> None:
        self.aggregations.append(job_id)

    def continue_split(self, job_id: str) -> None:
        # Every caller here splits a file in one go; a continuation would be a bug.
        raise AssertionError("no split continuation expected")
