"""One claims API budget for a fleet of workers that share no memory: how many may
run at once, and each one's share of the requests per second."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infra.stack_constants import MAX_EVENT_SOURCE_CONCURRENCY, MIN_EVENT_SOURCE_CONCURRENCY

if TYPE_CHECKING:
    from infra.settings import Settings


class ApiThrottling:
    """The worker fleet's share of the API budget (a mixin: `self` is the Settings)."""

    @property
    def worker_max_concurrency(self: Settings) -> int:
        """Concurrent worker invocations the API budget allows (Little's law).

        Requests in flight = budget (req/s) x latency (s); each worker holds
        `lookup_concurrency` of them, so workers = in flight / lookups per worker.
        """
        if self.worker_max_concurrency_override is not None:
            return self.worker_max_concurrency_override
        in_flight = self.api_budget_rps * self.api_latency_s
        workers = math.ceil(in_flight / self.lookup_concurrency)
        return max(MIN_EVENT_SOURCE_CONCURRENCY, min(MAX_EVENT_SOURCE_CONCURRENCY, workers))

    @property
    def api_rps_per_worker(self: Settings) -> float:
        """Each worker's share of the request budget, so that all of them together keep to it."""
        return self.api_budget_rps / self.worker_max_concurrency
