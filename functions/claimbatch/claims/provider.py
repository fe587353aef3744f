"""The port every claims API sits behind, so another payer API can be added
without touching the pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class ChunkLookups(Protocol):
    """A provider that looks a whole chunk's claims up in one call (cheaper than one
    call per claim when the lookups run elsewhere, e.g. in another process)."""

    async def lookup_many(self, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
        """One outcome per query, in the order given; raises only as `lookup` would."""
        ...


# Makes a provider where it is to be used (e.g. in a child process): picklable, so a
# class, or functools.partial of one with its settings, rather than a lambda.
ProviderFactory = Callable[[], ClaimStatusProvider]


async def lookup_many(provider: ClaimStatusProvider, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
    """The chunk's outcomes: in one call when the provider can, else its single lookups gathered."""
    if isinstance(provider, ChunkLookups):
        return await provider.lookup_many(queries)
    return list(await asyncio.gather(*(provider.lookup(query) for query in queries)))
