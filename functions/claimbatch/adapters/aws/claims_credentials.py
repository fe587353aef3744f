"""The claims API client credentials, read from Secrets Manager at run time
and cached (never from an environment variable or the template)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, SecretStr

SECRET_CACHE_S = 300


class ClientCredentials(BaseModel):
    """The secret's JSON: `{"client_id": …, "client_secret": …}`."""

    client_id: str
    client_secret: SecretStr


def client_credentials(secret_arn: str) -> ClientCredentials:
    return ClientCredentials.model_validate(parameters.get_secret(secret_arn, transform="json", max_age=SECRET_CACHE_S))
