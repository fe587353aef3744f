"""One claims API budget for a fleet of workers that share no memory: how many may
run at once, and each one's share of the requests per second."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infra.stack_constants import MAX_EVENT_SOURCE_CONCURRENCY, MIN_EVENT_SOURCE_CONCURRENCY

# Lookups in flight above budget x stated latency: latency varies (a long tail), and a
# worker waiting on its slowest answers must not leave the budget unused meanwhile.
IN_FLIGHT_HEADROOM = 1.5

if TYPE_CHECKING:
    from infra.settings import Settings


class ApiThrottling:
    """The worker fleet's share of the API budget (a mixin: `self` is the Settings)."""

    @property
    def api_in_flight(self: Settings) -> float:
        """Requests in flight the whole budget needs (Little's law): budget x latency, with headroom."""
        return self.api_budget_rps * self.api_latency_s * IN_FLIGHT_HEADROOM

    @property
    def worker_max_concurrency(self: Settings) -> int:
        """Concurrent worker invocations the API budget allows.

        Each worker holds at most `lookup_concurrency` of the lookups in flight,
        so workers = lookups in flight / lookups per worker.
        """
        if self.worker_max_concurrency_override is not None:
            return self.worker_max_concurrency_override
        workers = math.ceil(self.api_in_flight / self.lookup_concurrency)
        return max(MIN_EVENT_SOURCE_CONCURRENCY, min(MAX_EVENT_SOURCE_CONCURRENCY, workers))

    @property
    def api_rps_per_worker(self: Settings) -> float:
        """Each worker's share of the request budget, so that all of them together keep to it."""
        return self.api_budget_rps / self.worker_max_concurrency

    @property
    def worker_lookups(self: Settings) -> int:
        """The most lookups one worker keeps in flight (its client's cap, LOOKUP_CONCURRENCY): its
        share of the lookups in flight, never above `lookup_concurrency`. Within it the client
        keeps its share of the budget x the latency it observes, starting from the stated one."""
        return max(1, min(self.lookup_concurrency, math.ceil(self.api_in_flight / self.worker_max_concurrency)))
