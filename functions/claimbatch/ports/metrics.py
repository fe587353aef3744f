"""Figures the pipeline reports about rows, free of patient data."""

from __future__ import annotations

from typing import Protocol

from claimbatch.domain.job import OutcomeTally


class PipelineMetrics(Protocol):
    def rows_finished(self, tally: OutcomeTally) -> None: ...

    def rows_deferred(self, count: int) -> None:
        """Rows sent back to the queue after a transient lookup failure."""
        ...

    def lookup_latency_ms(self, milliseconds: float) -> None: ...


class NoMetrics:
    def rows_finished(self, tally: OutcomeTally) -> None:
        pass

    def rows_deferred(self, count: int) -> None:
        pass

    def lookup_latency_ms(self, milliseconds: float) -> None:
        pass
