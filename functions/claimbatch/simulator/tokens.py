"""OAuth2 client credentials for the simulator: which client may ask, which tokens are live."""

from __future__ import annotations

import hmac
import math
import secrets
import threading

from claimbatch.simulator.limits import Clock


class TokenIssuer:
    """Accepts one client id and secret; issues opaque bearer tokens that expire after `ttl_s`."""

    def __init__(self, client_id: str, client_secret: str, ttl_s: float, clock: Clock) -> None:
        self._client_id = client_id.encode()
        self._client_secret = client_secret.encode()
        self.ttl_s = ttl_s
        self._clock = clock
        self._expiry_by_token: dict[str, float] = {}
        self._lock = threading.Lock()

    def accepts(self, client_id: str, client_secret: str) -> bool:
        # Both compared, in constant time, whatever the first answer.
        id_ok = hmac.compare_digest(client_id.encode(), self._client_id)
        secret_ok = hmac.compare_digest(client_secret.encode(), self._client_secret)
        return id_ok and secret_ok

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            self._expiry_by_token[token] = now + self.ttl_s
        return token

    @property
    def expires_in(self) -> int:
        """`expires_in` of the token answer: whole seconds (rounded up) as the contract has it.

        With a fractional TTL (tests) the token dies slightly before the client thinks,
        which exercises the client's refresh-on-401 path.
        """
        return max(1, math.ceil(self.ttl_s))

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry_by_token.get(token)
        return expiry is not None and self._clock() < expiry

    def _forget_expired(self, now: float) -> None:
        expired = [token for token, expiry in self._expiry_by_token.items() if expiry <= now]
        for token in expired:
            del self._expiry_by_token[token]
