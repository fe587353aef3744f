"""How long a chunk waits before it is delivered again, after a delivery that
deferred rows (transient lookup failures) or failed outright.

One policy for both runtimes: the Lambda worker sets it as the message's
visibility timeout, the embedded runtime sleeps it before putting the chunk back
on its queue. The wait doubles with every delivery, so a dead API is not
hammered, and is jittered, so that chunks deferred together do not all come
back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from claimbatch import defaults

_MAX_DOUBLINGS = 16  # 2**16 x base is past any sensible cap: no float overflow for large delivery counts


@dataclass(frozen=True)
class RedeliveryPolicy:
    base_s: float = defaults.REDELIVERY_BASE_S
    max_delay_s: float = defaults.MAX_REDELIVERY_DELAY_S
    # uniform(low, high): random.uniform, replaced in tests for exact values.
    uniform: Callable[[float, float], float] = field(default=random.uniform, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_s < 0 or self.max_delay_s < 0:
            raise ValueError("redelivery delays cannot be negative")

    def ceiling_s(self, delivery: int) -> float:
        """The longest wait after the `delivery`-th delivery (1-based): base * 2**delivery, capped."""
        return min(self.max_delay_s, self.base_s * 2.0 ** min(max(delivery, 0), _MAX_DOUBLINGS))

    def delay_s(self, delivery: int) -> float:
        """The wait after the `delivery`-th delivery: between half the ceiling and the ceiling,
        never next to nothing."""
        ceiling = self.ceiling_s(delivery)
        return self.uniform(ceiling / 2, ceiling)
