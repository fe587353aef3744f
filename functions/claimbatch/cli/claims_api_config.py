"""Which claims API the local commands talk to: a real one configured in the
environment or a settings file outside the repo, or else a built-in simulator."""

from __future__ import annotations

import json
import os
from functools import partial
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, SecretStr, ValidationError

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_REQUEST_DEADLINE_S,
    DEFAULT_REQUEST_TIMEOUT_S,
    PACED_MAX_IN_FLIGHT,
    ClaimsApiSettings,
)
from claimbatch.runtime.lookup_process import LookupProcess

if TYPE_CHECKING:
    from claimbatch.simulator.subprocess_runner import SimulatorProcess

ENV_PREFIX = "CLAIMBATCH_API_"
SETTINGS_FILE_ENV = "CLAIMBATCH_API_SETTINGS"  # path to a JSON file with the same keys
SIMULATOR_TIN = "123456789"


class ConfigurationError(Exception):
    """The claims API settings are incomplete or unreadable (one sentence for the user)."""


class ClaimsApiConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    base_url: str = Field(pattern=r"^https?://\S+$")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = Field(min_length=1)
    provider_tin: str = Field(pattern=r"^\d{9}$")
    payer_id: str = Field(default="87726", min_length=1)
    rate_limit_rps: PositiveFloat | None = None  # the API's request budget, when the payer states one
    environment: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")  # the `environment` header
    request_timeout_s: PositiveFloat = DEFAULT_REQUEST_TIMEOUT_S
    request_deadline_s: PositiveFloat = DEFAULT_REQUEST_DEADLINE_S
    max_answer_bytes: PositiveInt = DEFAULT_MAX_ANSWER_BYTES


def _read_settings_file(settings_file: str) -> dict[str, Any]:
    try:
        values = json.loads(Path(settings_file).read_text(encoding="utf-8"))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigurationError(f"cannot read claims API settings file {settings_file}: {reason}") from None
    except ValueError as error:  # not JSON, or not UTF-8; the message names a position, never a value
        raise ConfigurationError(f"claims API settings file {settings_file} is not valid JSON: {error}") from None
    if not isinstance(values, dict):
        raise ConfigurationError(f"claims API settings file {settings_file} must hold a JSON object")
    return {str(name).lower(): value for name, value in values.items()}


def configured_api(environ: dict[str, str] | None = None) -> ClaimsApiConfig | None:
    """The real API's settings, or None when none is configured."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    settings_file = environ.get(SETTINGS_FILE_ENV)
    if settings_file:
        values.update(_read_settings_file(settings_file))
    for field in ClaimsApiConfig.model_fields:
        if (value := environ.get(ENV_PREFIX + field.upper())) is not None:
            values[field] = value
    if "base_url" not in values:
        if settings_file:
            raise ConfigurationError(f"claims API settings incomplete or invalid: {ENV_PREFIX}BASE_URL is missing")
        return None
    try:
        return ClaimsApiConfig.model_validate(values)
    except ValidationError as error:
        # Name the settings only: pydantic's messages would echo the values, the secret among them.
        problems = ", ".join(
            f"{ENV_PREFIX}{str(e['loc'][0]).upper()} is {'missing' if e['type'] == 'missing' else 'invalid'}"
            for e in error.errors()
        )
        raise ConfigurationError(f"claims API settings incomplete or invalid: {problems}") from None


def max_in_flight(concurrency: int | None, rate_limit_rps: float | None) -> int:
    """The cap on lookups in flight: the user's, or else a memory-safe one when a budget paces
    the requests (the client then keeps budget x latency in flight), or a modest one when none does."""
    if concurrency is not None:
        return concurrency
    return PACED_MAX_IN_FLIGHT if rate_limit_rps else DEFAULT_MAX_IN_FLIGHT


@contextmanager
def claims_api(
    concurrency: int | None, **simulator_knobs: Any
) -> Iterator[tuple[ClaimsApiSettings, SimulatorProcess | None]]:
    """Settings for the client, and the simulator started for them when no real API is configured."""
    config = configured_api()
    if config is not None:
        yield (
            ClaimsApiSettings(
                base_url=config.base_url,
                client_id=config.client_id,
                client_secret=config.client_secret,
                provider_tin=config.provider_tin,
                payer_id=config.payer_id,
                max_in_flight=max_in_flight(concurrency, config.rate_limit_rps),
                rate_limit_rps=config.rate_limit_rps,
                environment=config.environment or None,
                request_timeout_s=config.request_timeout_s,
                request_deadline_s=config.request_deadline_s,
                max_answer_bytes=config.max_answer_bytes,
            ),
            None,
        )
        return
    # The simulator is a tool beside the product: loaded only when no real API is configured.
    from claimbatch.simulator.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from claimbatch.simulator.subprocess_runner import start_simulator_process

    knobs = {name: value for name, value in simulator_knobs.items() if value is not None}
    with start_simulator_process(**knobs) as simulator:
        yield (
            ClaimsApiSettings(
                base_url=simulator.base_url,
                client_id=DEFAULT_CLIENT_ID,
                client_secret=DEFAULT_CLIENT_SECRET,
                provider_tin=SIMULATOR_TIN,
                max_in_flight=max_in_flight(concurrency, knobs.get("rate_limit")),
                # The built-in simulator's limit is the budget: pace to it instead of learning it from 429s.
                rate_limit_rps=knobs.get("rate_limit") or None,
            ),
            simulator,
        )


def lookup_process(settings: ClaimsApiSettings) -> LookupProcess:
    """The claims client for `run` and `serve`: made in the runtime's lookup process, so its
    CPU (about 2 ms a lookup) runs beside the splitting and storing, on another core."""
    return LookupProcess(partial(OptumClaimsClient, settings))
