"""Which claims API the local commands talk to: a real one configured in the
environment or a settings file outside the repo, or else a built-in simulator."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.simulator.server import RunningSimulator, start_simulator
from claimbatch.simulator.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ENV_PREFIX = "CLAIMBATCH_API_"
SETTINGS_FILE_ENV = "CLAIMBATCH_API_SETTINGS"  # path to a JSON file with the same keys
SIMULATOR_TIN = "123456789"


class ConfigurationError(Exception):
    """The claims API settings are incomplete or unreadable (one sentence for the user)."""


class ClaimsApiConfig(BaseModel):
    base_url: str
    client_id: str
    client_secret: SecretStr
    provider_tin: str
    payer_id: str = "87726"


def configured_api(environ: dict[str, str] | None = None) -> ClaimsApiConfig | None:
    """The real API's settings, or None when none is configured."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    settings_file = environ.get(SETTINGS_FILE_ENV)
    if settings_file:
        try:
            values.update(json.loads(Path(settings_file).read_text()))
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"cannot read claims API settings file {settings_file}: {error}") from error
    for field in ClaimsApiConfig.model_fields:
        if (value := environ.get(ENV_PREFIX + field.upper())) is not None:
            values[field] = value
    if "base_url" not in values:
        return None
    try:
        return ClaimsApiConfig.model_validate(values)
    except ValidationError as error:
        missing = ", ".join(ENV_PREFIX + str(e["loc"][0]).upper() for e in error.errors())
        raise ConfigurationError(f"claims API settings incomplete or invalid: {missing}") from error


@contextmanager
def claims_api(concurrency: int, **simulator_knobs: Any) -> Iterator[tuple[ClaimsApiSettings, RunningSimulator | None]]:
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
                max_in_flight=concurrency,
            ),
            None,
        )
        return
    knobs = {name: value for name, value in simulator_knobs.items() if value is not None}
    with start_simulator(**knobs) as simulator:
        yield (
            ClaimsApiSettings(
                base_url=simulator.base_url,
                client_id=DEFAULT_CLIENT_ID,
                client_secret=DEFAULT_CLIENT_SECRET,
                provider_tin=SIMULATOR_TIN,
                max_in_flight=concurrency,
            ),
            simulator,
        )
