"""The port every claims API sits behind, so another payer API can be added
without touching the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery


@dataclass
class ProviderStats:
    """What a provider did on the wire, for summaries and benchmarks."""

    requests: int = 0  # inquiry requests sent
    retries: int = 0  # of which were retries
    throttled: int = 0  # 429 answers
    server_errors: int = 0  # 5xx, timeouts, connection errors, E1/E2
    token_requests: int = 0


class ClaimStatusProvider(Protocol):
    stats: ProviderStats

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        """Look one claim up. Never raises for API trouble: failures come back
        as a LookupOutcome with `retryable` set as the error deserves."""
        ...

    async def aclose(self) -> None: ...
