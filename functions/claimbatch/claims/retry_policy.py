"""Exponential backoff with full jitter inside a bounded budget, with injectable
sleep, clock and randomness so no test waits real time."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from claimbatch.claims.settings import RetryBudget

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass
class RetryTiming:
    """The time-related collaborators of the client."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    rng: random.Random = field(default_factory=random.Random)


@dataclass
class RetryPolicy:
    budget: RetryBudget
    timing: RetryTiming

    def backoff_delay(self, attempt: int) -> float:
        """Full jitter (AWS Architecture Blog): uniform in [0, min(cap, base * 2**n))."""
        ceiling = min(self.budget.max_delay_s, self.budget.base_delay_s * (2 ** (attempt - 1)))
        return self.timing.rng.uniform(0, ceiling)

    def next_delay(self, attempt: int, started_at: float, retry_after_s: float | None) -> float | None:
        """The wait before attempt `attempt + 1`, or None when the budget is spent."""
        if attempt >= self.budget.max_attempts:
            return None
        if retry_after_s is not None:
            delay = min(max(retry_after_s, 0.0), self.budget.max_retry_after_s)
        else:
            delay = self.backoff_delay(attempt)
        elapsed = self.timing.clock() - started_at
        if elapsed + delay > self.budget.max_elapsed_s:
            return None
        return delay
