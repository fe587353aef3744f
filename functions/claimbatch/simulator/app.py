"""The simulator's HTTP routes (Starlette): the payer API of CLAIMS_API.md plus its control plane.

- `POST /apip/auth/sntl/v1/token`   OAuth2 client credentials
- `POST /oihub/claim/inquiry/v1`    the SearchClaim inquiry
- `GET  /_stats`                    counters (not counted themselves)
- `POST /_control`                  `{"down_for_s": N}`, `{"reset_stats": true}`, `{"reset_faults": true}`
- `GET  /_health`                   liveness

Order of checks on an inquiry: outage (503), concurrency cap and rate limit (429),
bearer token (401), headers and body (400), latency, fault prefix, random error
rate (503), then the answer. Token requests only see the outage.

Request bodies hold PHI: nothing here logs them, nor echoes their values in errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from base64 import b64decode
from binascii import Error as BinasciiError
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from claimbatch.simulator.claims_data import (
    InvalidSearchInput,
    SearchClaimInput,
    lookup,
    search_claim_payload,
    unavailable_claim,
)
from claimbatch.simulator.faults import Fault, FaultKind, FaultTracker
from claimbatch.simulator.limits import (
    Clock,
    LatencyModel,
    OutageSchedule,
    RandomErrors,
    TokenBucket,
    retry_after_header,
)
from claimbatch.simulator.settings import SimulatorSettings
from claimbatch.simulator.stats import ServerStats
from claimbatch.simulator.tokens import TokenIssuer

logger = logging.getLogger("claimbatch.simulator")

TOKEN_PATH = "/apip/auth/sntl/v1/token"  # noqa: S105 - a URL path, not a secret
INQUIRY_PATH = "/oihub/claim/inquiry/v1"
CORRELATION_HEADER = "x-optum-consumer-correlation-id"
MAX_BODY_BYTES = 64 * 1024
_TIN = re.compile(r"^\d{9}$")


class SimulatorState:
    """Everything the routes share: knobs turned into objects, counters, tokens, fault attempts."""

    def __init__(self, settings: SimulatorSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.started_at = clock()
        self.stats = ServerStats()
        self.tokens = TokenIssuer(
            settings.client_id, settings.client_secret.get_secret_value(), settings.token_ttl_s, clock
        )
        self.faults = FaultTracker()
        self.outage = OutageSchedule(clock, settings.outage_after_s, settings.outage_for_s)
        rate = settings.effective_rate_limit
        self.rate_limiter = TokenBucket(rate, settings.rate_burst, clock) if rate else None
        # Separate generators, so the error sequence does not depend on the latency knobs.
        self.random_errors = RandomErrors(settings.error_rate, random.Random(f"errors:{settings.seed}"))
        self.latency = LatencyModel(settings.latency_ms, settings.jitter_ms, random.Random(f"latency:{settings.seed}"))

    def stats_snapshot(self) -> dict[str, Any]:
        snapshot = self.stats.snapshot()
        snapshot["outage_remaining_s"] = round(self.outage.remaining_s(), 3)
        snapshot["uptime_s"] = round(self.clock() - self.started_at, 3)
        return snapshot


def create_app(settings: SimulatorSettings, *, clock: Clock = time.monotonic) -> Starlette:
    """The ASGI app; serve it with uvicorn (server.py) or call it through httpx.ASGITransport."""
    app = Starlette(
        routes=[
            Route(TOKEN_PATH, token_endpoint, methods=["POST"]),
            Route(INQUIRY_PATH, inquiry_endpoint, methods=["POST"]),
            Route("/_stats", stats_endpoint, methods=["GET"]),
            Route("/_control", control_endpoint, methods=["POST"]),
            Route("/_health", health_endpoint, methods=["GET"]),
        ],
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.simulator = SimulatorState(settings, clock)
    return app


def simulator_state(app: Starlette) -> SimulatorState:
    """The counters, tokens and limits behind an app made by create_app()."""
    state: SimulatorState = app.state.simulator
    return state


def _state(request: Request) -> SimulatorState:
    return simulator_state(request.app)


def api_error(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body of CLAIMS_API.md: `{"errors": [{"code": …, "description": …}]}`."""
    return JSONResponse({"errors": [{"code": code, "description": description}]}, status, headers=headers)


def _validation_failed(description: str) -> JSONResponse:
    return api_error(400, "GRAPHQL_VALIDATION_FAILED", description)


def _unavailable() -> JSONResponse:
    return api_error(503, "SERVICE_UNAVAILABLE", "The claims service is temporarily unavailable.")


def _too_many_requests(wait_s: float, description: str) -> JSONResponse:
    return api_error(429, "TOO_MANY_REQUESTS", description, headers={"Retry-After": retry_after_header(wait_s)})


# --- token ---------------------------------------------------------------------------------


async def token_endpoint(request: Request) -> Response:
    state = _state(request)
    response = await _answer_token(state, request)
    state.stats.token_request(response.status_code)
    return response


async def _answer_token(state: SimulatorState, request: Request) -> Response:
    if state.outage.is_down():
        return _unavailable()
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    grant_type = _first(form, "grant_type")
    client_id, client_secret = _client_credentials(request, form)
    if grant_type != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, 400)
    if client_id is None or client_secret is None or not state.tokens.accepts(client_id, client_secret):
        return JSONResponse({"error": "invalid_client"}, 401)
    return JSONResponse(
        {"access_token": state.tokens.issue(), "token_type": "Bearer", "expires_in": state.tokens.expires_in},
        headers={"Cache-Control": "no-store"},
    )


def _first(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _client_credentials(request: Request, form: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """From the form (client_secret_post) or, failing that, HTTP Basic (client_secret_basic)."""
    client_id, client_secret = _first(form, "client_id"), _first(form, "client_secret")
    if client_id is not None:
        return client_id, client_secret
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, sep, password = b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (BinasciiError, UnicodeDecodeError):
        return None, None
    return (user, password) if sep else (None, None)


# --- inquiry -------------------------------------------------------------------------------


async def inquiry_endpoint(request: Request) -> Response:
    state = _state(request)
    in_flight = state.stats.inquiry_started()
    status: int | None = None
    try:
        response = await _answer_inquiry(state, request, in_flight)
        status = response.status_code
    finally:
        state.stats.inquiry_finished(status)
    correlation_id = request.headers.get(CORRELATION_HEADER)
    if correlation_id:
        response.headers[CORRELATION_HEADER] = correlation_id
    return response


async def _answer_inquiry(state: SimulatorState, request: Request, in_flight: int) -> Response:
    settings = state.settings
    refused = _refused_by_server_limits(state, in_flight)
    if refused is not None:
        return refused

    if not _bearer_token_valid(state, request):
        state.stats.scenario("auth_failure")
        return api_error(401, "AUTH_FAILURE", "The access token is missing, unknown or expired.")

    try:
        query = await _parse_inquiry(request)
    except InvalidSearchInput as invalid:
        state.stats.scenario("invalid_input")
        return _validation_failed(invalid.description)

    delay_s = state.latency.delay_s()
    if delay_s:
        await asyncio.sleep(delay_s)

    fault = state.faults.fault_for_attempt(query.claim_number)
    if fault is not None:
        state.stats.scenario(f"fault_{fault.kind}")
        faulted = await _apply_fault(settings, fault, query)
        if faulted is not None:
            return faulted

    if state.random_errors.strikes():
        state.stats.rejected("random_error")
        return _unavailable()

    payload = lookup(query)
    state.stats.scenario("found" if payload["claims"] else "not_found")
    return JSONResponse({"data": {"searchClaim": payload}})


def _refused_by_server_limits(state: SimulatorState, in_flight: int) -> Response | None:
    """Outage, concurrency cap, rate limit: checked before anything else, as a gateway would."""
    if state.outage.is_down():
        state.stats.rejected("outage")
        return _unavailable()
    max_concurrency = state.settings.effective_max_concurrency
    if max_concurrency is not None and in_flight > max_concurrency:
        state.stats.rejected("concurrency")
        return _too_many_requests(1, "Too many concurrent requests.")
    if state.rate_limiter is not None:
        wait_s = state.rate_limiter.try_acquire()
        if wait_s is not None:
            state.stats.rejected("rate_limit")
            return _too_many_requests(wait_s, "Rate limit exceeded.")
    return None


def _bearer_token_valid(state: SimulatorState, request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and state.tokens.is_valid(token.strip())


async def _parse_inquiry(request: Request) -> SearchClaimInput:
    """Headers and GraphQL body of an inquiry; InvalidSearchInput says what is wrong (never with values)."""
    if not _TIN.match(request.headers.get("providertaxid", "")):
        raise InvalidSearchInput("providerTaxId header is required and must be 9 digits")
    if not request.headers.get(CORRELATION_HEADER, "").strip():
        raise InvalidSearchInput(f"{CORRELATION_HEADER} header is required")
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidSearchInput("request body must be a JSON GraphQL request") from None
    if not isinstance(body, dict):
        raise InvalidSearchInput("request body must be a JSON object")
    query = body.get("query")
    if not isinstance(query, str) or "searchClaim" not in query:
        raise InvalidSearchInput("query must be a SearchClaim GraphQL query")
    variables = body.get("variables")
    if not isinstance(variables, dict) or "searchClaimInput" not in variables:
        raise InvalidSearchInput("variables.searchClaimInput is required")
    return SearchClaimInput.parse(variables["searchClaimInput"])


async def _apply_fault(settings: SimulatorSettings, fault: Fault, query: SearchClaimInput) -> Response | None:
    """The faulted answer, or None to go on with the normal answer (SLOW, after its delay)."""
    match fault.kind:
        case FaultKind.SERVER_ERROR:
            return api_error(500, "INTERNAL_SERVER_ERROR", "An internal error occurred.")
        case FaultKind.UNAVAILABLE:
            return _unavailable()
        case FaultKind.THROTTLED:
            return _too_many_requests(settings.retry_after_s, "Rate limit exceeded.")
        case FaultKind.BAD_REQUEST:
            return _validation_failed("searchClaimInput.claimNumber failed validation for this payer")
        case FaultKind.PAYER_SYSTEM_UNAVAILABLE:
            claim = unavailable_claim(query.claim_number, query.member)
            return JSONResponse({"data": {"searchClaim": search_claim_payload([claim])}})
        case FaultKind.SLOW:
            await asyncio.sleep(settings.slow_s)
            return None


# --- control plane -------------------------------------------------------------------------


async def stats_endpoint(request: Request) -> Response:
    return JSONResponse(_state(request).stats_snapshot())


async def health_endpoint(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


_CONTROL_KEYS = {"down_for_s", "reset_stats", "reset_faults"}


async def control_endpoint(request: Request) -> Response:
    state = _state(request)
    try:
        command = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"error": "body must be a JSON object"}, 400)
    if not isinstance(command, dict) or not command or set(command) - _CONTROL_KEYS:
        return JSONResponse({"error": f"body must be a JSON object with some of {sorted(_CONTROL_KEYS)}"}, 400)
    down_for_s = command.get("down_for_s")
    if down_for_s is not None:
        if isinstance(down_for_s, bool) or not isinstance(down_for_s, int | float) or down_for_s < 0:
            return JSONResponse({"error": "down_for_s must be a number of seconds, 0 or more"}, 400)
        state.outage.start(float(down_for_s))
        logger.info("simulator outage set for %.1f s", down_for_s)
    if command.get("reset_stats") is True:
        state.stats.reset()
    if command.get("reset_faults") is True:
        state.faults.reset()
    return JSONResponse({"outage_remaining_s": round(state.outage.remaining_s(), 3)})
