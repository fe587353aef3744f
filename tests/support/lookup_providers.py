"""Claims providers for tests of the runtime's lookup process: made in the child
from their class (a picklable factory), so they live in an importable module."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.observability import logger
from claimbatch.simulator.in_process_provider import InProcessSimulatedProvider


class NeverAnswers:
    """Every lookup waits forever (a payer that hangs)."""

    def __init__(self) -> None:
        self.stats = ProviderStats()

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        self.stats.requests += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        pass


class LogsEachChunk(InProcessSimulatedProvider):
    """The simulator's answers, and one log line per chunk: ids and counts only, as the product logs."""

    async def lookup_many(self, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
        logger.info("chunk looked up in the lookup process", extra={"queries": len(queries), "pid": os.getpid()})
        try:
            raise ValueError("a provider's own trouble")
        except ValueError:
            logger.exception("provider trouble logged with its traceback")
        return await super().lookup_many(queries)


class DiesOnce:
    """The simulator's answers, but the first process to look anything up dies on
    the spot (no answer, no goodbye); `marker` says that one has died."""

    def __init__(self, marker: Path) -> None:
        self._marker = marker
        self._simulator = InProcessSimulatedProvider()
        self.stats = self._simulator.stats

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        return (await self.lookup_many([query]))[0]

    async def lookup_many(self, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
        if not self._marker.exists():
            self._marker.write_text(str(os.getpid()))
            os._exit(3)
        return await self._simulator.lookup_many(queries)

    async def aclose(self) -> None:
        pass
