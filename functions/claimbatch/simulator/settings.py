"""Every knob of the claims API simulator, in one validated model.

The command line (`claimbatch simulator`) and tests both build this model;
nothing in the simulator reads the environment itself.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt, SecretStr

DEFAULT_CLIENT_ID = "demo-client"
DEFAULT_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the documented demo credential, not a real secret


class SimulatorSettings(BaseModel):
    """How the simulated payer API behaves. Defaults: fast, unlimited, no faults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535, description="0 picks a free port")

    latency_ms: NonNegativeFloat = Field(default=0.0, description="mean latency added to each inquiry")
    jitter_ms: NonNegativeFloat = Field(default=0.0, description="latency is uniform in mean ± jitter")
    latency_p99_ms: NonNegativeFloat | None = Field(
        default=None,
        description="long-tailed latency: lognormal with latency_ms as its median and this as its 99th percentile "
        "(jitter then unused); None or 0: uniform",
    )

    rate_limit: NonNegativeFloat | None = Field(
        default=None, description="inquiries per second across all clients (token bucket); None or 0: unlimited"
    )
    rate_burst: NonNegativeFloat | None = Field(
        default=None, description="token bucket size; default: one second's worth (at least 1)"
    )
    max_concurrency: NonNegativeInt | None = Field(
        default=None, description="inquiries in flight at once; None or 0: unlimited"
    )
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="fraction of inquiries answered 503 at random")
    retry_after_s: int = Field(default=1, ge=1, description="Retry-After on fault-prefix 429s")

    token_ttl_s: float = Field(default=3600.0, gt=0.0, description="lifetime of an access token")
    client_id: str = Field(default=DEFAULT_CLIENT_ID, min_length=1)
    client_secret: SecretStr = Field(default=SecretStr(DEFAULT_CLIENT_SECRET))

    seed: int = Field(default=0, description="seeds the random error rate and latency jitter")
    slow_s: NonNegativeFloat = Field(default=30.0, description="how long SLOW… claims take to answer")

    outage_after_s: NonNegativeFloat | None = Field(
        default=None, description="start of a scheduled outage, seconds after the server starts"
    )
    outage_for_s: NonNegativeFloat = Field(default=0.0, description="length of the scheduled outage")

    access_log: bool = Field(default=False, description="uvicorn access log (method, path, status; never bodies)")

    @property
    def effective_rate_limit(self) -> float | None:
        return self.rate_limit or None

    @property
    def effective_max_concurrency(self) -> int | None:
        return self.max_concurrency or None
