"""OAuth2 client-credentials token, cached until shortly before it expires and
shared by every concurrent lookup: one refresh at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from claimbatch.claims.retry_policy import Clock


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # on the cache's clock

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
        return token is not None and self._clock() < token.expires_at - self._margin

    async def get(self) -> str:
        token = self._token
        if self._usable(token):
            return token.value  # type: ignore[union-attr]
        async with self._lock:
            # Another lookup may have refreshed while this one waited for the lock.
            if not self._usable(self._token):
                value, expires_in = await self._fetch()
                self._token = AccessToken(value, self._clock() + expires_in)
            return self._token.value  # type: ignore[union-attr]

    def invalidate(self, rejected: str) -> None:
        """Forget the token the API rejected, unless it was already replaced."""
        if self._token is not None and self._token.value == rejected:
            self._token = None
