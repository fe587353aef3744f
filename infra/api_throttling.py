"""One claims API budget for a fleet of workers that share no memory: how many may
run at once, and each one's share of the requests per second."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infra.stack_constants import MAX_EVENT_SOURCE_CONCURRENCY, MIN_EVENT_SOURCE_CONCURRENCY

# Lookups in flight above budget x stated latency: latency varies (a long tail), and a
# worker waiting on its slowest answers must not leave the budget unused meanwhile.
IN_FLIGHT_HEADROOM = 1.5
# A worker's batch is sized to take at most this share of its timeout at its share of the
# budget: the rest is for a payer slower than stated (past it the worker hands rows back).
WORKER_BATCH_SHARE_OF_TIMEOUT = 0.5
MAX_WORKER_BATCH_CHUNKS = 5  # chunks per invocation at most: fewer rows lost to one crash

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

    def worker_batch_s(self: Settings, chunks: int) -> float:
        """How long a worker takes over `chunks` chunks at its share of the budget: its rows
        paced at that share, plus the stated latency of the last answer."""
        return chunks * self.rows_per_message / self.api_rps_per_worker + self.api_latency_s

    @property
    def worker_batch_chunks(self: Settings) -> int:
        """Chunks per worker invocation: as many as fit in its share of the timeout, within
        1 and MAX_WORKER_BATCH_CHUNKS (settings_checks refuses settings where one does not fit)."""
        if self.rows_per_message < 1 or self.api_budget_rps <= 0:
            return 1  # refused by settings_checks; not sized
        allowed_s = self.worker_timeout_s * WORKER_BATCH_SHARE_OF_TIMEOUT - self.api_latency_s
        fitting = math.floor(allowed_s * self.api_rps_per_worker / self.rows_per_message)
        return max(1, min(MAX_WORKER_BATCH_CHUNKS, fitting))
