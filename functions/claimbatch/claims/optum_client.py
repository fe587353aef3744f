"""Async client of Optum's claim inquiry API (CLAIMS_API.md): token handling,
the inquiry, error classification, retries with backoff inside a budget.

Nothing here logs or raises with patient data: log lines carry the HTTP status,
the attempt number and the correlation id only.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import ValidationError

from claimbatch.claims.optum_schema import (
    ErrorResponse,
    InquiryResponse,
    choose_claim,
    inquiry_body,
    to_claim_status,
)
from claimbatch.claims.circuit_breaker import BreakerSettings, CircuitBreaker
from claimbatch.claims.provider import ProviderStats
from claimbatch.claims.rate_limiter import AdaptiveRateLimiter, RateBudget
from claimbatch.claims.retry_policy import RetryPolicy, RetryTiming
from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.claims.token_cache import AccessTokenCache
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.observability import logger

TOKEN_PATH = "/apip/auth/sntl/v1/token"
INQUIRY_PATH = "/oihub/claim/inquiry/v1"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
CIRCUIT_OPEN_ERROR = "claims API unavailable (circuit open)"


class CredentialsRejected(Exception):
    """The token endpoint refused our client id and secret."""


@dataclass(frozen=True)
class _Attempt:
    """The result of one HTTP exchange: a final outcome, or a reason to retry."""

    outcome: LookupOutcome | None = None
    retry_reason: str | None = None
    retry_after_s: float | None = None
    auth_rejected: bool = False
    api_failed: bool = False  # counts towards opening the circuit


def _retry_after_seconds(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_description(response: httpx.Response) -> str | None:
    try:
        return ErrorResponse.model_validate(response.json()).description()
    except (ValueError, ValidationError):
        return None


class OptumClaimsClient:
    """A ClaimStatusProvider for Optum's Real Claim Inquiry API.

    One instance holds one connection pool and one token for all lookups; make
    it once per process (per Lambda execution environment) and reuse it.
    """

    def __init__(
        self,
        settings: ClaimsApiSettings,
        *,
        timing: RetryTiming | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: AdaptiveRateLimiter | None = None,
    ) -> None:
        self._settings = settings
        self._timing = timing or RetryTiming()
        self._policy = RetryPolicy(settings.retry, self._timing)
        self.stats = ProviderStats()
        self._http = httpx.AsyncClient(
            base_url=settings.base_url,
            transport=transport,
            timeout=httpx.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.max_in_flight,
                max_keepalive_connections=settings.max_in_flight,
            ),
        )
        self._in_flight = asyncio.Semaphore(settings.max_in_flight)
        self._tokens = AccessTokenCache(self._fetch_token, self._timing.clock, settings.token_refresh_margin_s)
        # After a 429 every lookup of this client waits until then: the whole pipeline slows down.
        self._paused_until = 0.0
        if limiter is None and settings.rate_limit_rps is not None:
            limiter = AdaptiveRateLimiter(RateBudget(start_rps=settings.rate_limit_rps), self._timing)
        self.limiter = limiter
        self.breaker = CircuitBreaker(
            BreakerSettings(failure_threshold=settings.breaker_failure_threshold, open_for_s=settings.breaker_open_for_s),
            self._timing.clock,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OptumClaimsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _fetch_token(self) -> tuple[str, float]:
        self.stats.token_requests += 1
        response = await self._http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": self._settings.client_id,
                "client_secret": self._settings.client_secret.get_secret_value(),
            },
        )
        if response.status_code in (400, 401, 403):
            raise CredentialsRejected(f"token endpoint answered HTTP {response.status_code}")
        response.raise_for_status()
        payload = response.json()
        return str(payload["access_token"]), float(payload.get("expires_in", 3600))

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        started = self._timing.clock()
        attempt = 0
        refreshed_after_401 = False
        while True:
            attempt += 1
            await self._wait_while_paused()
            if not self.breaker.allow():
                return LookupOutcome.failed(CIRCUIT_OPEN_ERROR, retryable=True, attempts=attempt)
            result = await self._attempt(query, attempt)
            self._record(result)
            if result.outcome is not None:
                return result.outcome
            if result.auth_rejected and not refreshed_after_401:
                refreshed_after_401 = True  # one refresh and an immediate retry
                self.stats.retries += 1
                continue
            if result.auth_rejected:
                return LookupOutcome.failed(
                    "claims API rejected the access token twice (HTTP 401)", retryable=True, attempts=attempt
                )
            delay = self._policy.next_delay(attempt, started, result.retry_after_s)
            if delay is None:
                return LookupOutcome.failed(
                    f"{result.retry_reason} after {attempt} attempts", retryable=True, attempts=attempt
                )
            if result.retry_after_s is not None:
                self._paused_until = max(self._paused_until, self._timing.clock() + delay)
            self.stats.retries += 1
            await self._timing.sleep(delay)

    def _record(self, result: _Attempt) -> None:
        """Feed the circuit breaker: outages open it; any answer, a 429 included, shows the API is up."""
        if result.api_failed:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    async def _wait_while_paused(self) -> None:
        wait = self._paused_until - self._timing.clock()
        if wait > 0:
            await self._timing.sleep(wait)

    async def _attempt(self, query: ClaimQuery, attempt: int) -> _Attempt:
        correlation_id = str(uuid.uuid4())
        try:
            token = await self._tokens.get()
        except CredentialsRejected:
            return _Attempt(
                outcome=LookupOutcome.failed(
                    "claims API rejected the client credentials", retryable=True, attempts=attempt
                )
            )
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError, KeyError, ValueError) as error:
            self.stats.server_errors += 1
            logger.warning("token request failed", extra={"error_type": type(error).__name__, "attempt": attempt})
            return _Attempt(retry_reason="claims API token endpoint unavailable", api_failed=True)

        headers = {
            "Authorization": f"Bearer {token}",
            "providerTaxId": self._settings.provider_tin,
            "x-optum-consumer-correlation-id": correlation_id,
        }
        if self.limiter is not None:
            await self.limiter.acquire()
        self.stats.requests += 1
        try:
            async with self._in_flight:
                response = await self._http.post(
                    INQUIRY_PATH, json=inquiry_body(query, self._settings.payer_id), headers=headers
                )
        except httpx.TimeoutException:
            self.stats.server_errors += 1
            logger.warning("inquiry timed out", extra={"attempt": attempt, "correlation_id": correlation_id})
            return _Attempt(retry_reason="claims API timed out", api_failed=True)
        except httpx.TransportError as error:
            self.stats.server_errors += 1
            logger.warning(
                "inquiry connection failed",
                extra={"attempt": attempt, "correlation_id": correlation_id, "error_type": type(error).__name__},
            )
            return _Attempt(retry_reason="claims API unreachable", api_failed=True)
        return self._classify(response, query, attempt, token, correlation_id)

    def _classify(
        self, response: httpx.Response, query: ClaimQuery, attempt: int, token: str, correlation_id: str
    ) -> _Attempt:
        status = response.status_code
        log_fields = {"attempt": attempt, "status_code": status, "correlation_id": correlation_id}
        if self.limiter is not None:
            if status == 429:
                self.limiter.on_throttled()
            else:
                self.limiter.on_success()
        if status == 200:
            return self._read_answer(response, query, attempt, log_fields)
        if status == 401:
            logger.info("access token rejected, refreshing", extra=log_fields)
            self._tokens.invalidate(token)
            return _Attempt(auth_rejected=True)
        if status == 429:
            self.stats.throttled += 1
            logger.info("inquiry throttled", extra=log_fields)
            return _Attempt(
                retry_reason="claims API throttled (HTTP 429)",
                retry_after_s=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status in RETRYABLE_STATUS:
            self.stats.server_errors += 1
            logger.warning("inquiry failed, will retry", extra=log_fields)
            return _Attempt(
                retry_reason=f"claims API unavailable (HTTP {status})",
                retry_after_s=_retry_after_seconds(response.headers.get("Retry-After")),
                api_failed=True,
            )
        logger.warning("inquiry rejected", extra=log_fields)
        description = _error_description(response) or f"claims API answered HTTP {status}"
        return _Attempt(outcome=LookupOutcome.failed(description, retryable=False, attempts=attempt))

    def _read_answer(
        self, response: httpx.Response, query: ClaimQuery, attempt: int, log_fields: dict[str, object]
    ) -> _Attempt:
        try:
            payload = response.json()
            answer = InquiryResponse.model_validate(payload)
        except (json.JSONDecodeError, ValueError, ValidationError):
            self.stats.server_errors += 1
            logger.warning("inquiry answer is not valid JSON", extra=log_fields)
            return _Attempt(retry_reason="claims API sent an unreadable answer")
        search = answer.data.search_claim if answer.data else None
        if search is None:
            description = _error_description(response) or "claims API answer has no searchClaim"
            return _Attempt(outcome=LookupOutcome.failed(description, retryable=False, attempts=attempt))
        if not search.claims:
            return _Attempt(outcome=LookupOutcome.not_found(attempts=attempt))
        claim = choose_claim(search.claims, query)
        if claim.payer_unavailable:
            self.stats.server_errors += 1
            logger.warning("payer system unavailable", extra={**log_fields, "status_category": claim.status_category})
            return _Attempt(retry_reason=f"payer system unavailable ({claim.status_category})", api_failed=True)
        return _Attempt(outcome=LookupOutcome.found(to_claim_status(claim), attempts=attempt))
