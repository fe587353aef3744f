"""The result of each input row of a job, stored once it is final."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from claimbatch.domain.result_row import ResultRow


class RowResults(Protocol):
    """Per-row results: written idempotently, read back by row or in row order."""

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        """Store final row results; idempotent (a row written twice holds the last value)."""
        ...

    def get_results(self, job_id: str, rows: Sequence[int]) -> dict[int, ResultRow]:
        """The stored results among `rows`, strongly consistent."""
        ...

    def iter_results(self, job_id: str) -> Iterator[ResultRow]:
        """Every stored result of the job, in row order, streaming."""
        ...

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        """Forget the stored results of `rows` (so a worker looks them up again)."""
        ...
