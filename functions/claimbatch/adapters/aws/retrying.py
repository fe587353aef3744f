"""Backoff for the AWS calls that fail partially with HTTP 200 (unprocessed
items, failed batch entries): the SDK's own retries do not cover those."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class PartialFailureError(Exception):
    """Some entries could still not be written after every retry."""


@dataclass
class PartialRetry:
    attempts: int = 8
    base_delay_s: float = 0.05
    max_delay_s: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def pause(self, attempt: int) -> None:
        """Full-jitter wait before retry number `attempt` (1-based)."""
        self.sleep(self.rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))))
