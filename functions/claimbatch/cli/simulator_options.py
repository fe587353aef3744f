"""The `--sim-*` options of `run` and `serve`: the built-in simulator's knobs, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

SimLatencyMs = Annotated[float | None, typer.Option(min=0, help="Built-in simulator: mean latency (ms).")]
SimRateLimit = Annotated[float | None, typer.Option(min=0, help="Built-in simulator: requests per second.")]
SimErrorRate = Annotated[float | None, typer.Option(min=0, max=1, help="Built-in simulator: share of 503 answers.")]
SimOutageAfterS = Annotated[
    float | None, typer.Option(min=0, help="Built-in simulator: start an outage (all 503) after this long.")
]
SimOutageForS = Annotated[float | None, typer.Option(min=0, help="Built-in simulator: outage length.")]


def simulator_knobs(
    *,
    latency_ms: float | None,
    rate_limit: float | None,
    error_rate: float | None,
    outage_after_s: float | None = None,
    outage_for_s: float | None = None,
) -> dict[str, object]:
    """The simulator settings the options name; None: the simulator's default."""
    return {
        "latency_ms": latency_ms,
        "rate_limit": rate_limit,
        "error_rate": error_rate,
        "outage_after_s": outage_after_s,
        "outage_for_s": outage_for_s,
    }
