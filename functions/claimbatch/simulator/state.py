"""What the simulator's routes share: knobs turned into objects, counters, tokens, fault attempts."""

from __future__ import annotations

import random
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request

from claimbatch.simulator.faults import FaultTracker
from claimbatch.simulator.limits import Clock, LatencyModel, OutageSchedule, RandomErrors, TokenBucket
from claimbatch.simulator.settings import SimulatorSettings
from claimbatch.simulator.stats import ServerStats
from claimbatch.simulator.tokens import TokenIssuer


class SimulatorState:
    """Everything the routes share: knobs turned into objects, counters, tokens, fault attempts."""

    def __init__(self, settings: SimulatorSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.started_at = clock()
        self.stats = ServerStats()
        self.tokens = TokenIssuer(
            settings.client_id, settings.client_secret.get_secret_value(), settings.token_ttl_s, clock
        )
        self.faults = FaultTracker()
        self.outage = OutageSchedule(clock, settings.outage_after_s, settings.outage_for_s)
        rate = settings.effective_rate_limit
        self.rate_limiter = TokenBucket(rate, settings.rate_burst, clock) if rate else None
        # Separate generators, so the error sequence does not depend on the latency knobs.
        self.random_errors = RandomErrors(settings.error_rate, random.Random(f"errors:{settings.seed}"))
        self.latency = LatencyModel(
            settings.latency_ms, settings.jitter_ms, random.Random(f"latency:{settings.seed}"), settings.latency_p99_ms
        )

    def stats_snapshot(self) -> dict[str, Any]:
        snapshot = self.stats.snapshot()
        snapshot["outage_remaining_s"] = round(self.outage.remaining_s(), 3)
        snapshot["uptime_s"] = round(self.clock() - self.started_at, 3)
        return snapshot


def simulator_state(app: Starlette) -> SimulatorState:
    """The counters, tokens and limits behind an app made by create_app()."""
    state: SimulatorState = app.state.simulator
    return state


def request_state(request: Request) -> SimulatorState:
    return simulator_state(request.app)


