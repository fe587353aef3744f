"""The claims API client credentials, read from Secrets Manager at run time
and cached (never from an environment variable or the template)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, SecretStr

from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.handlers.env_vars import ClaimsApiEnv

SECRET_CACHE_S = 300


class ClaimsApiSecret(BaseModel):
    client_id: str
    client_secret: SecretStr


def claims_settings_from_secret(env: ClaimsApiEnv) -> ClaimsApiSettings:
    secret = ClaimsApiSecret.model_validate(
        parameters.get_secret(env.claims_api_secret_arn, transform="json", max_age=SECRET_CACHE_S)
    )
    return ClaimsApiSettings(
        base_url=env.claims_api_base_url,
        client_id=secret.client_id,
        client_secret=secret.client_secret,
        provider_tin=env.claims_provider_tin,
        payer_id=env.claims_payer_id,
        max_in_flight=env.lookup_concurrency,
        rate_limit_rps=env.api_rps_per_worker,
        retry=RetryBudget(
            max_attempts=env.lookup_max_attempts,
            base_delay_s=env.lookup_base_delay_s,
            max_elapsed_s=env.lookup_max_elapsed_s,
        ),
    )
