"""The inquiry endpoint of the simulated payer: `POST /oihub/claim/inquiry/v1`.

Order of checks: outage (503), concurrency cap and rate limit (429), bearer
token (401), the providerTaxId header and the GraphQL request (400, the
document validated against the published schema), latency, fault prefix,
random error rate (503), then the answer, page by page (`nextPageToken` header).

Request bodies hold PHI: nothing here logs them, nor echoes their values in errors.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from claimbatch.simulator.claim_records import status_only_claim
from claimbatch.simulator.claim_statuses import SYSTEM_UNAVAILABLE
from claimbatch.simulator.claims_data import claim_pages, page_for_token, page_token, search_claim_payload
from claimbatch.simulator.faults import Fault, FaultKind
from claimbatch.simulator.graphql_request import GraphQLRejected, SearchRequest, read_request
from claimbatch.simulator.members import claim_member
from claimbatch.simulator.responses import (
    api_error,
    graphql_errors,
    too_many_requests,
    unavailable,
    validation_failed,
)
from claimbatch.simulator.search_input import InvalidSearchInput, SearchClaimInput
from claimbatch.simulator.settings import SimulatorSettings
from claimbatch.simulator.state import SimulatorState, request_state

INQUIRY_PATH = "/oihub/claim/inquiry/v1"
CORRELATION_HEADER = "x-optum-consumer-correlation-id"
PAGE_HEADER = "nextpagetoken"
UNSUPPORTED_PLAN_MESSAGE = "PSPFNS : Currently not Supported for UMR"
_TIN = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class _Inquiry:
    request: SearchRequest
    search: SearchClaimInput


async def inquiry_endpoint(request: Request) -> Response:
    state = request_state(request)
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
    refused = _refused_by_server_limits(state, in_flight)
    if refused is not None:
        return refused
    if not _bearer_token_valid(state, request):
        state.stats.scenario("auth_failure")
        return api_error(401, "AUTH_FAILURE", "Invalid or expired token")
    try:
        inquiry = await _read_inquiry(request)
    except (GraphQLRejected, InvalidSearchInput) as invalid:
        state.stats.scenario("invalid_input")
        return validation_failed(invalid.description)

    delay_s = state.latency.delay_s()
    if delay_s:
        await asyncio.sleep(delay_s)

    claim_number = inquiry.search.claim_number or ""
    fault = state.faults.fault_for_attempt(claim_number) if claim_number else None
    if fault is not None:
        state.stats.scenario(f"fault_{fault.kind}")
        faulted = await _apply_fault(state.settings, fault, inquiry)
        if faulted is not None:
            return faulted

    if state.random_errors.strikes():
        state.stats.rejected("random_error")
        return unavailable()
    return _answer_page(state, inquiry, request.headers.get(PAGE_HEADER))


def _answer_page(state: SimulatorState, inquiry: _Inquiry, token: str | None) -> Response:
    pages = claim_pages(inquiry.search)
    claim_number = inquiry.search.claim_number or ""
    index = page_for_token(claim_number, token, len(pages))
    if index is None:
        state.stats.scenario("invalid_input")
        return api_error(400, "INVALID_PAGE_TOKEN", "nextPageToken is not valid for this search")
    next_token = page_token(claim_number, index + 2) if index + 1 < len(pages) else None
    claims = pages[index]
    state.stats.scenario("found" if claims else "not_found")
    return _data(inquiry, search_claim_payload(claims, next_token))


def _data(inquiry: _Inquiry, search_claim: dict[str, object]) -> Response:
    try:
        return JSONResponse({"data": inquiry.request.answer(search_claim)})
    except GraphQLRejected as rejected:
        return validation_failed(rejected.description)


def _refused_by_server_limits(state: SimulatorState, in_flight: int) -> Response | None:
    """Outage, concurrency cap, rate limit: checked before anything else, as a gateway would."""
    if state.outage.is_down():
        state.stats.rejected("outage")
        return unavailable()
    max_concurrency = state.settings.effective_max_concurrency
    if max_concurrency is not None and in_flight > max_concurrency:
        state.stats.rejected("concurrency")
        return too_many_requests(1, "Too many concurrent requests.")
    if state.rate_limiter is not None:
        wait_s = state.rate_limiter.try_acquire()
        if wait_s is not None:
            state.stats.rejected("rate_limit")
            return too_many_requests(wait_s, "Rate limit exceeded.")
    return None


def _bearer_token_valid(state: SimulatorState, request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and state.tokens.is_valid(token.strip())


async def _read_inquiry(request: Request) -> _Inquiry:
    """Headers and GraphQL body of an inquiry; raises with what is wrong (never with values)."""
    if not _TIN.match(request.headers.get("providertaxid", "")):
        raise InvalidSearchInput("providerTaxId header is required and must be 9 digits")
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidSearchInput("request body must be a JSON GraphQL request") from None
    search_request = read_request(body)
    return _Inquiry(search_request, SearchClaimInput.parse(search_request.search_input))


async def _apply_fault(settings: SimulatorSettings, fault: Fault, inquiry: _Inquiry) -> Response | None:
    """The faulted answer, or None to go on with the normal answer (SLOW, after its delay)."""
    match fault.kind:
        case FaultKind.SERVER_ERROR:
            return api_error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred.")
        case FaultKind.UNAVAILABLE:
            return unavailable()
        case FaultKind.THROTTLED:
            return too_many_requests(settings.retry_after_s, "Rate limit exceeded.")
        case FaultKind.BAD_REQUEST:
            return validation_failed("searchClaimInput.claimNumber failed validation for this payer")
        case FaultKind.GRAPHQL_ERRORS:
            return graphql_errors(UNSUPPORTED_PLAN_MESSAGE, "PSPFNS")
        case FaultKind.PAYER_SYSTEM_UNAVAILABLE:
            number = inquiry.search.claim_number or ""
            claim = status_only_claim(number, claim_member(number), SYSTEM_UNAVAILABLE)
            return _data(inquiry, search_claim_payload([claim]))
        case FaultKind.SLOW:
            await asyncio.sleep(settings.slow_s)
            return None
