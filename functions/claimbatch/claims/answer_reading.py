"""What one answer of the inquiry endpoint means: a page of claims, a final
failure (in the payer's own words), or a reason to try again.

Errors come in two shapes and both are read: the gateway's
`{"errors": [{"code", "description"}]}` and GraphQL's
`{"data": null, "errors": [{"message", "extensions": {"code"}}]}`, which can
come with HTTP 200.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import ValidationError

from claimbatch.claims.bounded_http import Answer, AnswerTooLarge, DeadlineExceeded
from claimbatch.claims.optum_schema import InquiryResponse, SearchClaim
from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.observability import logger

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
UNREADABLE_ERROR = "claims API sent an unreadable answer"
# What one exchange raises when no answer came (a timeout is a transport error too).
EXCHANGE_ERRORS = (httpx.TransportError, DeadlineExceeded, AnswerTooLarge)


@dataclass(frozen=True)
class Attempt:
    """The result of one HTTP exchange: a page, a final outcome, or a reason to retry."""

    search: SearchClaim | None = None
    outcome: LookupOutcome | None = None
    retry_reason: str | None = None
    retry_after_s: float | None = None
    auth_rejected: bool = False
    api_failed: bool = False  # counts towards opening the circuit
    unusable: bool = False  # the API answered, but nothing usable (garbage, too large): no point redelivering
    # A 2xx answer the lookup can end with: a page (not found included), or the payer's own final word.
    definitive: bool = False


def is_definitive(result: Attempt) -> bool:
    return result.definitive


def retry_after_seconds(header: str | None) -> float | None:
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


def _parsed(answer: Answer) -> InquiryResponse | None:
    try:
        return InquiryResponse.model_validate(json.loads(answer.body))
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def classify_failure(error: Exception, log_fields: dict[str, object], stats: ProviderStats, max_bytes: int) -> Attempt:
    """An exchange that ended without an answer: too large, timed out, or no connection."""
    stats.server_errors += 1
    if isinstance(error, AnswerTooLarge):
        logger.warning("inquiry answer over the size limit", extra=log_fields)
        failure = LookupOutcome.failed(f"claims API answer larger than {max_bytes} bytes", retryable=True, redeliver=False)
        return Attempt(outcome=failure, api_failed=True, unusable=True)
    if isinstance(error, (httpx.TimeoutException, DeadlineExceeded)):
        logger.warning("inquiry timed out", extra={**log_fields, "error_type": type(error).__name__})
        return Attempt(retry_reason="claims API timed out", api_failed=True)
    logger.warning("inquiry connection failed", extra={**log_fields, "error_type": type(error).__name__})
    return Attempt(retry_reason="claims API unreachable", api_failed=True)


def classify_answer(answer: Answer, log_fields: dict[str, object], stats: ProviderStats) -> Attempt:
    status = answer.status_code
    if status == 200:
        return _read_search(answer, log_fields, stats)
    retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
    if status == 401:
        logger.info("access token rejected, refreshing", extra=log_fields)
        return Attempt(auth_rejected=True)
    if status == 429:
        stats.throttled += 1
        logger.info("inquiry throttled", extra=log_fields)
        return Attempt(retry_reason="claims API throttled (HTTP 429)", retry_after_s=retry_after)
    if status in RETRYABLE_STATUS:
        stats.server_errors += 1
        logger.warning("inquiry failed, will retry", extra=log_fields)
        return Attempt(retry_reason=f"claims API unavailable (HTTP {status})", retry_after_s=retry_after, api_failed=True)
    logger.warning("inquiry rejected", extra=log_fields)
    parsed = _parsed(answer)
    description = (parsed.error_text() if parsed else None) or f"claims API answered HTTP {status}"
    return Attempt(outcome=LookupOutcome.failed(description, retryable=False))


def _read_search(answer: Answer, log_fields: dict[str, object], stats: ProviderStats) -> Attempt:
    parsed = _parsed(answer)
    if parsed is None:
        stats.server_errors += 1
        logger.warning("inquiry answer is not readable JSON", extra=log_fields)
        return Attempt(retry_reason=UNREADABLE_ERROR, api_failed=True, unusable=True)
    search = parsed.data.search_claim if parsed.data else None
    if search is None or (not search.claims and parsed.errors):
        logger.warning("inquiry answered with errors", extra=log_fields)
        description = parsed.error_text() or "claims API answer has no searchClaim"
        return Attempt(outcome=LookupOutcome.failed(description, retryable=False), definitive=True)
    unavailable = next((claim for claim in search.claims or [] if claim.payer_unavailable), None)
    if unavailable is not None:
        stats.server_errors += 1
        logger.warning("payer system unavailable", extra={**log_fields, "status_category": unavailable.status_category})
        return Attempt(retry_reason=f"payer system unavailable ({unavailable.status_category})", api_failed=True)
    return Attempt(search=search, definitive=True)
