"""A clock and sleep that advance instantly, so no test waits real backoff time."""

from __future__ import annotations

import asyncio
import random

from claimbatch.claims.retry_policy import RetryTiming


class FakeTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def timing(self, seed: int = 7) -> RetryTiming:
        return RetryTiming(sleep=self.sleep, clock=self.clock, rng=random.Random(seed))
