"""OAuth2 client-credentials token, cached until shortly before it expires and
shared by every concurrent lookup: one refresh at a time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from claimbatch.claims import bounded_http
from claimbatch.claims.retry_policy import Clock
from claimbatch.claims.settings import ClaimsApiSettings

# A token said to live 0 s (or less) would mean a token request before every
# lookup: it is kept this long instead, and a 401 refreshes it sooner if need be.
MIN_TOKEN_LIFETIME_S = 60.0


class CredentialsRejected(Exception):
    """The token endpoint refused our client id and secret."""


async def fetch_token(
    http: httpx.AsyncClient, path: str, bounds: bounded_http.Bounds, settings: ClaimsApiSettings
) -> tuple[str, float]:
    """(access token, expires_in seconds as the token endpoint says)."""
    answer = await bounded_http.post(
        http,
        path,
        bounds,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.get_secret_value(),
        },
    )
    if answer.status_code in (400, 401, 403):
        raise CredentialsRejected(f"token endpoint answered HTTP {answer.status_code}")
    if answer.status_code != 200:
        raise ValueError(f"token endpoint answered HTTP {answer.status_code}")
    payload = json.loads(answer.body)
    return str(payload["access_token"]), float(payload.get("expires_in", 3600))


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # on the cache's clock
    refresh_at: float

    def __repr__(self) -> str:
        return "AccessToken(<redacted>)"


class AccessTokenCache:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        clock: Clock,
        refresh_margin_s: float,
    ) -> None:
        self._fetch = fetch  # returns (token, expires_in seconds)
        self._clock = clock
        self._margin = refresh_margin_s
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    def _usable(self, token: AccessToken | None) -> bool:
        return token is not None and self._clock() < token.refresh_at

    def _new_token(self, value: str, expires_in: float) -> AccessToken:
        """Lifetime from expires_in, whatever it says (with a floor); refreshed a margin
        before it ends, the margin at most a quarter of the lifetime."""
        lifetime = max(expires_in, MIN_TOKEN_LIFETIME_S)
        now = self._clock()
        return AccessToken(value, now + lifetime, now + lifetime - min(self._margin, lifetime / 4))

    async def get(self) -> str:
        token = self._token
        if self._usable(token):
            return token.value  # type: ignore[union-attr]
        async with self._lock:
            # Another lookup may have refreshed while this one waited for the lock.
            if not self._usable(self._token):
                value, expires_in = await self._fetch()
                self._token = self._new_token(value, expires_in)
            return self._token.value  # type: ignore[union-attr]

    def invalidate(self, rejected: str) -> None:
        """Forget the token the API rejected, unless it was already replaced."""
        if self._token is not None and self._token.value == rejected:
            self._token = None
