"""One request budget for every lookup of a process: a token bucket whose rate
adapts to the API (additive increase, multiplicative decrease on 429)."""

from __future__ import annotations

from dataclasses import dataclass

from claimbatch.claims.retry_policy import RetryTiming


@dataclass(frozen=True)
class RateBudget:
    start_rps: float  # the configured rate, where the limiter starts
    max_rps: float | None = None  # never above this (default: the start rate)
    min_rps: float = 1.0
    increase_rps_per_s: float | None = None  # additive increase while answers are good; default: a tenth of the start rate
    decrease_factor: float = 0.5  # multiplicative decrease on a 429
    decrease_cooldown_s: float = 1.0  # one decrease per burst of 429s, not one per 429
    # A request woken this much later than its slot (the process was held up) takes a new slot
    # instead of going at once with every other late one: a stall never turns into a burst.
    # None: late requests go at once (a clock where sleepers do not overlap, as in some tests).
    max_lateness_s: float | None = None


class AdaptiveRateLimiter:
    """Spaces requests `1/rate` apart (no bursts) and adapts the rate (AIMD).

    Single event loop: all coroutines of one process share one instance.
    """

    def __init__(self, budget: RateBudget, timing: RetryTiming) -> None:
        self._budget = budget
        self._timing = timing
        self._ceiling = budget.max_rps or budget.start_rps
        self.rate = min(budget.start_rps, self._ceiling)
        # Back to the whole budget within about ten seconds of a halving: a payer's gateway that
        # stalled for a moment must not cost a minute of the budget.
        self._increase = budget.increase_rps_per_s or max(1.0, budget.start_rps / 10)
        self._next_slot = timing.clock()
        self._last_change = timing.clock()
        self._last_decrease = float("-inf")
        self.decreases = 0
        self.late_wakeups = 0  # requests given a new slot after a stall
        self.longest_stall_s = 0.0

    async def acquire(self) -> None:
        stalled_once = False  # a new slot once at most after a stall: the second wake-up goes whatever its lateness
        while True:
            now = self._timing.clock()
            slot = max(self._next_slot, now)
            self._next_slot = slot + 1.0 / self.rate
            booked_at_decrease = self.decreases
            if slot <= now:
                return
            await self._timing.sleep(slot - now)
            if self.decreases != booked_at_decrease:
                continue  # the rate was cut while this request waited: its slot was booked at the old pace
            late = self._timing.clock() - slot
            if self._budget.max_lateness_s is None or late <= self._budget.max_lateness_s or stalled_once:
                return
            stalled_once = True
            self.late_wakeups += 1
            self.longest_stall_s = max(self.longest_stall_s, late)

    def has_spare(self) -> bool:
        """No request is waiting for its pace: one sent now would go within one interval."""
        return self._next_slot - self._timing.clock() <= 1.0 / self.rate

    def on_success(self) -> None:
        now = self._timing.clock()
        elapsed = now - self._last_change
        self._last_change = now
        if self.rate < self._ceiling:
            self.rate = min(self._ceiling, self.rate + self._increase * elapsed)

    def on_throttled(self) -> None:
        now = self._timing.clock()
        self._last_change = now
        if now - self._last_decrease < self._budget.decrease_cooldown_s:
            return
        self._last_decrease = now
        self.decreases += 1
        self.rate = max(self._budget.min_rps, self.rate * self._budget.decrease_factor)
        # Slots booked at the old pace are void: the requests waiting for them book again at the
        # new one, from now. Else every request queued for its pace would still go at the old rate
        # for as long as the queue is (seconds, with many lookups in flight), and be throttled too.
        self._next_slot = now + 1.0 / self.rate
