"""Settings of the claims API client: one model, validated once at the edge."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, SecretStr

DEFAULT_PAYER_ID = "87726"  # UnitedHealthcare
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_REQUEST_DEADLINE_S = 60.0
DEFAULT_MAX_ANSWER_BYTES = 1_048_576
MAX_PAGES = 10  # pages of one search read before choosing
DEFAULT_MAX_IN_FLIGHT = 16  # lookups in flight when no request budget paces them
# With a budget the in-flight count follows budget x latency; this caps it (memory, sockets):
# at 50 requests/s it allows answers averaging up to about 7 s.
PACED_MAX_IN_FLIGHT = 512


class RetryBudget(BaseModel):
    """How hard one lookup tries before it gives up with a retryable failure."""

    model_config = ConfigDict(frozen=True)

    max_attempts: PositiveInt = 5
    max_elapsed_s: PositiveFloat = 30.0  # total time across attempts and waits
    base_delay_s: PositiveFloat = 0.2  # exponential backoff: base * 2**(attempt-1), full jitter
    max_delay_s: PositiveFloat = 10.0
    max_retry_after_s: PositiveFloat = 60.0  # a larger Retry-After is capped to this


class ClaimsApiSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str
    client_id: str
    client_secret: SecretStr  # SecretStr: never printed by repr, str() or logs
    provider_tin: str = Field(pattern=r"^\d{9}$")
    payer_id: str = DEFAULT_PAYER_ID
    # Sent as the `environment` header only when set (e.g. "sandbox": the payer's test data).
    environment: str | None = None
    connect_timeout_s: PositiveFloat = 5.0
    # Read/write/pool timeout of each call: the payer's gateways allow slow answers.
    request_timeout_s: PositiveFloat = DEFAULT_REQUEST_TIMEOUT_S
    # Whole-request deadline (connect to last byte), so an answer that trickles in still ends.
    request_deadline_s: PositiveFloat = DEFAULT_REQUEST_DEADLINE_S
    max_answer_bytes: PositiveInt = DEFAULT_MAX_ANSWER_BYTES  # a larger answer fails the row
    # Cap on lookups in flight through one client. With a request budget the client keeps
    # about budget x observed latency in flight below it; without one, this many.
    max_in_flight: PositiveInt = DEFAULT_MAX_IN_FLIGHT
    expected_latency_s: PositiveFloat = 1.0  # the latency assumed until answers are measured
    token_refresh_margin_s: float = Field(default=60.0, ge=0)  # refresh this long before expiry
    retry: RetryBudget = Field(default_factory=RetryBudget)
    # The API's request budget for this client: None leaves pacing to the API's 429s alone.
    rate_limit_rps: PositiveFloat | None = None
    # With a budget, a request slower than most answers is sent again while the budget has room
    # to spare (no lookup waits for it): the last rows of a job do not keep it waiting on the
    # payer's slowest answers. The first usable answer wins (a 429 or 5xx waits for the others).
    hedge_slow_requests: bool = True
    breaker_failure_threshold: PositiveInt = 10  # consecutive 5xx/timeouts that open the circuit
    breaker_open_for_s: PositiveFloat = 5.0
