"""Async client of Optum's claim inquiry API: token handling, the inquiry and
its pages, error classification, retries with backoff inside a budget.

Nothing here logs or raises with patient data: log lines carry the HTTP status,
the attempt number and the correlation id only.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, replace

import httpx

from claimbatch.claims import bounded_http
from claimbatch.claims.answer_reading import EXCHANGE_ERRORS, Attempt, classify_answer, classify_failure, is_definitive
from claimbatch.claims.circuit_breaker import BreakerSettings, CircuitBreaker
from claimbatch.claims.hedged_requests import Hedger, HedgePolicy, MarkSent
from claimbatch.claims.in_flight_limit import AdaptiveInFlightLimit, InFlightSizing
from claimbatch.claims.claim_choice import outcome_of
from claimbatch.claims.optum_schema import OptumClaim, SearchClaim, inquiry_body
from claimbatch.claims.provider import ProviderStats
from claimbatch.claims.rate_limiter import AdaptiveRateLimiter, RateBudget
from claimbatch.claims.retry_policy import RetryPolicy, RetryTiming
from claimbatch.claims.settings import MAX_PAGES, ClaimsApiSettings
from claimbatch.claims.token_cache import AccessTokenCache, CredentialsRejected, fetch_token
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.observability import logger

TOKEN_PATH = "/apip/auth/sntl/v1/token"  # noqa: S105 - a URL path, not a secret
INQUIRY_PATH = "/oihub/claim/inquiry/v1"
CORRELATION_HEADER = "x-optum-consumer-correlation-id"
SPARE_FOR_S = 0.5  # budget unused this long is spare: copies of slow requests may use it
STALL_TOLERANCE_S = 0.25  # a paced request woken later than this takes a new slot (no burst after a stall)
DEADLINE_LATENESS_S = 1.0  # an answer time past deadline + this spanned a frozen process: not measured
CIRCUIT_OPEN_ERROR = "claims API unavailable (circuit open)"
CREDENTIALS_REJECTED_ERROR = "claims API rejected the credentials"
# After our credentials were rejected, no request goes out for this long (the
# settings must be fixed first); the rows fail at once, retryable by a job retry.
CREDENTIALS_RETRY_AFTER_S = 300.0


def _unmarked() -> None:
    """A request sent unhedged: nothing times it."""


def _credentials_rejected() -> LookupOutcome:
    return LookupOutcome.failed(CREDENTIALS_REJECTED_ERROR, retryable=True, redeliver=False)


@dataclass(frozen=True)
class _Page:
    """One page of a search, or the lookup's final outcome; with the attempts it took."""

    attempts: int
    search: SearchClaim | None = None
    outcome: LookupOutcome | None = None


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
        self._bounds = bounded_http.Bounds(settings.request_deadline_s, settings.max_answer_bytes)
        self._tokens = AccessTokenCache(self._fetch_token, self._timing.clock, settings.token_refresh_margin_s)
        # After a 429 every lookup of this client waits until then: the whole pipeline slows down.
        self._paused_until = 0.0
        if limiter is None and settings.rate_limit_rps is not None:
            limiter = AdaptiveRateLimiter(
                RateBudget(start_rps=settings.rate_limit_rps, max_lateness_s=STALL_TOLERANCE_S), self._timing
            )
        self.limiter = limiter
        # Lookups in flight follow the budget x the latency observed (Little's law), within max_in_flight.
        longest = settings.request_deadline_s + DEADLINE_LATENESS_S  # no exchange outlasts its deadline
        self.in_flight = AdaptiveInFlightLimit(
            InFlightSizing(settings.max_in_flight, initial_latency_s=settings.expected_latency_s, longest_answer_s=longest),
            lambda: self.limiter.rate if self.limiter is not None else None,
            self._timing.clock,
        )
        # Copies of slow requests, only while the budget has room to spare (hedged_requests.py).
        self.hedger = Hedger(HedgePolicy(), self.in_flight.latencies, self._spare_budget, self._timing)
        # Without a known budget a copy could only take from the payer's own limit: no hedging.
        self._hedging = limiter is not None and settings.hedge_slow_requests
        self._spare_since: float | None = None
        self.breaker = CircuitBreaker(
            BreakerSettings(failure_threshold=settings.breaker_failure_threshold, open_for_s=settings.breaker_open_for_s),
            self._timing.clock,
        )
        self._credentials_rejected_until = float("-inf")
        # Why the API's last answer could not be used (garbage, too large); None once one could.
        self._unusable_reason: str | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OptumClaimsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _fetch_token(self) -> tuple[str, float]:
        self.stats.token_requests += 1
        return await fetch_token(self._http, TOKEN_PATH, self._bounds, self._settings)

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        """Every page of the claim-number search (at most MAX_PAGES), then the row's outcome."""
        started = self._timing.clock()
        claims: list[OptumClaim] = []
        attempts = 0
        page_token: str | None = None
        for page_number in range(1, MAX_PAGES + 1):
            page = await self._fetch_page(query, page_token, started)
            attempts += page.attempts
            if page.outcome is not None:
                return replace(page.outcome, attempts=attempts)
            assert page.search is not None
            claims.extend(page.search.claims or [])
            page_token = page.search.next_page_token
            if page_token is None:
                break
            if page_number == MAX_PAGES:
                logger.warning("search has more pages than are read", extra={"pages_read": MAX_PAGES})
        return outcome_of(claims, query, attempts)

    async def _fetch_page(self, query: ClaimQuery, page_token: str | None, started: float) -> _Page:
        attempt = 0
        refreshed_after_401 = False
        while True:
            attempt += 1
            await self._wait_while_paused()
            if self._timing.clock() < self._credentials_rejected_until:
                return _Page(attempt, outcome=_credentials_rejected())
            if not self.breaker.allow():
                return _Page(attempt, outcome=self._circuit_open())
            result = await self._attempt(query, page_token, attempt)
            self._record(result)
            if result.outcome is not None:
                return _Page(attempt, outcome=result.outcome)
            if result.search is not None:
                return _Page(attempt, search=result.search)
            if result.auth_rejected and not refreshed_after_401:
                refreshed_after_401 = True  # one refresh and an immediate retry
                self.stats.retries += 1
                continue
            if result.auth_rejected:  # a 401 right after a fresh token: our credentials are wrong
                self._reject_credentials()
                return _Page(attempt, outcome=_credentials_rejected())
            delay = self._policy.next_delay(attempt, started, result.retry_after_s)
            if delay is None:
                error = f"{result.retry_reason} after {attempt} attempts"
                failure = LookupOutcome.failed(error, retryable=True, redeliver=not result.unusable)
                return _Page(attempt, outcome=failure)
            if result.retry_after_s is not None:
                self._paused_until = max(self._paused_until, self._timing.clock() + delay)
            self.stats.retries += 1
            await self._timing.sleep(delay)

    def _reject_credentials(self) -> None:
        logger.warning("claims API rejected the credentials; no lookups for a while")
        self._credentials_rejected_until = self._timing.clock() + CREDENTIALS_RETRY_AFTER_S

    def _circuit_open(self) -> LookupOutcome:
        """An outage is waited out (redelivered); an API that answers garbage is not."""
        if self._unusable_reason is not None:
            return LookupOutcome.failed(self._unusable_reason, retryable=True, redeliver=False)
        return LookupOutcome.failed(CIRCUIT_OPEN_ERROR, retryable=True)

    def _record(self, result: Attempt) -> None:
        """Feed the circuit breaker: outages and unusable answers open it; any other
        answer, a 429 included, shows the API is up."""
        if result.unusable:
            self._unusable_reason = result.retry_reason or (result.outcome.error if result.outcome else None)
        elif not result.api_failed:
            self._unusable_reason = None
        if result.api_failed:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    def _spare_budget(self) -> bool:
        """Budget no lookup has wanted for a while: none waits for a slot or its pace, none is
        paused, and so for SPARE_FOR_S. A moment's lull between chunks, or the catch-up after
        the process was held up, is not the end of a job's rows."""
        limiter, in_flight, now = self.limiter, self.in_flight, self._timing.clock()
        idle = in_flight.waiting == 0 and in_flight.in_flight < in_flight.limit
        if limiter is None or not (idle and limiter.has_spare() and now >= self._paused_until):
            self._spare_since = None
            return False
        if self._spare_since is None:
            self._spare_since = now
        return now - self._spare_since >= SPARE_FOR_S

    async def _wait_while_paused(self) -> None:
        wait = self._paused_until - self._timing.clock()
        if wait > 0:
            await self._timing.sleep(wait)

    def _headers(self, token: str, correlation_id: str, page_token: str | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "providerTaxId": self._settings.provider_tin,
            CORRELATION_HEADER: correlation_id,
        }
        if self._settings.environment:
            headers["environment"] = self._settings.environment
        if page_token is not None:
            headers["nextPageToken"] = page_token
        return headers

    async def _send(self, body: dict[str, object], headers: dict[str, str], mark_sent: MarkSent) -> bounded_http.Answer:
        """One request: a slot, its pace inside the slot (a freed slot never lets out a burst), the post.
        Cancelled before it is sent, it just stops; once sent, the post ends on its own within its
        deadline, keeping its slot (cancelling a request while it connects can leak an HTTP pool
        slot, httpcore 1.0.9), and its answer is dropped."""
        await self.in_flight.acquire()
        try:
            if self.limiter is not None:
                await self.limiter.acquire()
        except BaseException:
            self.in_flight.release()
            raise
        self.stats.requests += 1
        mark_sent()
        return await self.in_flight.finish_held(self._post(body, headers))

    async def _post(self, body: dict[str, object], headers: dict[str, str]) -> bounded_http.Answer:
        with self.in_flight.timed():
            return await bounded_http.post(self._http, INQUIRY_PATH, self._bounds, json=body, headers=headers)

    async def _attempt(self, query: ClaimQuery, page_token: str | None, attempt: int) -> Attempt:
        correlation_id = str(uuid.uuid4())
        try:
            token = await self._tokens.get()
        except CredentialsRejected:
            self._reject_credentials()
            return Attempt(outcome=_credentials_rejected())
        except (httpx.HTTPError, bounded_http.DeadlineExceeded, bounded_http.AnswerTooLarge, KeyError, ValueError) as error:
            self.stats.server_errors += 1
            logger.warning("token request failed", extra={"error_type": type(error).__name__, "attempt": attempt})
            return Attempt(retry_reason="claims API token endpoint unavailable", api_failed=True)

        body = inquiry_body(query, self._settings.payer_id)

        def send(copy: int, mark_sent: MarkSent) -> Awaitable[Attempt]:
            copy_id = correlation_id if copy == 0 else str(uuid.uuid4())  # each request its own id
            log_fields: dict[str, object] = {"attempt": attempt, "correlation_id": copy_id}
            return self._exchange(body, self._headers(token, copy_id, page_token), mark_sent, log_fields)

        # Only a definitive answer ends the race early: a copy's 429 or 5xx must not beat another's 200.
        result = await (self.hedger.first_answer(send, is_definitive) if self._hedging else send(0, _unmarked))
        if result.auth_rejected:
            self._tokens.invalidate(token)
        return result

    async def _exchange(
        self, body: dict[str, object], headers: dict[str, str], mark_sent: MarkSent, log_fields: dict[str, object]
    ) -> Attempt:
        """One copy of the request and what it means, counted and told to the rate limiter as it
        ends: a copy whose answer is not used still slows the budget down on a 429."""
        try:
            answer = await self._send(body, headers, mark_sent)
        except EXCHANGE_ERRORS as error:
            return classify_failure(error, log_fields, self.stats, self._settings.max_answer_bytes)
        if self.limiter is not None:
            self.limiter.on_throttled() if answer.status_code == 429 else self.limiter.on_success()
        return classify_answer(answer, {**log_fields, "status_code": answer.status_code}, self.stats)
