"""Bearer tokens of the local job API and the tenant each stands for (what API
Gateway's JWT authorizer does in AWS)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from claimbatch.domain.job import DEFAULT_TENANT


def api_token_problem(token: str) -> str | None:
    """Why `token` cannot be a bearer token, or None. A header value is trimmed and
    split on spaces, so a token of visible ASCII characters is the only kind a
    client can send back as it was given."""
    if not token.strip():
        return "--api-token is empty: give a token of visible characters, or leave the option out"
    if not (token.isascii() and token.isprintable()) or any(char.isspace() for char in token):
        return "--api-token may hold only visible ASCII characters (no spaces)"
    return None


class ApiTokens:
    """Bearer tokens and the tenant each stands for."""

    def __init__(self, tenants_by_token: Mapping[str, str]) -> None:
        if not tenants_by_token:
            raise ValueError("no API token given")
        for token in tenants_by_token:
            if (problem := api_token_problem(token)) is not None:
                raise ValueError(problem)
        self._tenants = dict(tenants_by_token)

    @classmethod
    def of(cls, api_token: str | Mapping[str, str] | None) -> ApiTokens | None:
        """A single token is the default tenant's; a mapping gives token → tenant."""
        if api_token is None:
            return None
        return cls({api_token: DEFAULT_TENANT} if isinstance(api_token, str) else api_token)

    def tenant_of(self, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        tenant = None
        for known, owner in self._tenants.items():  # compare with every token: no timing hint
            if hmac.compare_digest(known.encode(), token.strip().encode()):
                tenant = owner
        return tenant
