"""The simulated payer's claims: deterministic answers from pure functions, no HTTP, no state.

By claim number (a claim-number search answers for the claim's own member, whoever asks):

- `ZE59426195` is the seed claim of the system this replaces, with its exact figures.
- `INVALID…`, `NF…`: never found (no claims).
- `D0…`: one claim with category D0 / code 35 (data search unsuccessful: not found).
- `E0…`: one claim with category E0 (the payer could not process the request).
- `MULTI…`: three claims: two of the claim's member, one of another member with
  the latest status date, so that the client's choice among several can be tested.
- `PG…`: two pages: a pending claim on the first, its later status on the second.
- `MM…`: a claim of a member nobody asks for (see members.py).
- Any other well-formed claim number: one claim, its member, status, X12 codes,
  amounts and dates derived from the SHA-256 of the claim number.

`search_claims()` is the whole lookup (every page), for callers that want the data
without HTTP. Fault prefixes (E500, SLOW, …) are the HTTP layer's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from claimbatch.simulator.claim_records import derived_claim, seed_claim, status_only_claim
from claimbatch.simulator.claim_statuses import (
    DENIED_NOT_ELIGIBLE,
    NOT_FOUND,
    NOT_PROCESSED,
    PAID,
    PENDING_SPECIAL_HANDLING,
)
from claimbatch.simulator.members import SEED_CLAIM_NUMBER, Digest, claim_member, unasked_member
from claimbatch.simulator.search_input import InvalidSearchInput, SearchClaimInput

__all__ = ["InvalidSearchInput", "SearchClaimInput", "claim_pages", "search_claim_payload", "search_claims"]

NEVER_FOUND_PREFIXES = ("INVALID", "NF")
NOT_FOUND_PREFIX = "D0"
NOT_PROCESSED_PREFIX = "E0"
MULTI_PREFIX = "MULTI"
PAGED_PREFIX = "PG"

Claim = dict[str, Any]


def search_claims(search_input: Mapping[str, object]) -> dict[str, Any]:
    """The `data.searchClaim` payload for one searchClaimInput, every page's claims together.

    Raises InvalidSearchInput when the input would be answered 400.
    """
    pages = claim_pages(SearchClaimInput.parse(search_input))
    return search_claim_payload([claim for page in pages for claim in page])


def search_claim_payload(claims: Sequence[Claim], next_page_token: str | None = None) -> dict[str, Any]:
    return {
        "claims": list(claims),
        "pagination": {"hasMoreRecords": next_page_token is not None, "nextPageToken": next_page_token},
    }


def claim_pages(query: SearchClaimInput) -> list[list[Claim]]:
    """The answer's pages (at least one). A member search gets the claims of that member only."""
    if query.claim_number is None:
        return [[]]  # the simulator holds claims by number; a search without one finds none
    pages = _pages_of(query.claim_number)
    if query.is_member_search:
        pages = [[claim for claim in page if query.asks_for(claim["member"])] for page in pages]
    return pages


def _pages_of(number: str) -> list[list[Claim]]:
    if number.startswith(NEVER_FOUND_PREFIXES):
        return [[]]
    if number == SEED_CLAIM_NUMBER:
        return [[seed_claim()]]
    member = claim_member(number)
    if number.startswith(NOT_FOUND_PREFIX):
        return [[status_only_claim(number, member, NOT_FOUND)]]
    if number.startswith(NOT_PROCESSED_PREFIX):
        return [[status_only_claim(number, member, NOT_PROCESSED)]]
    if number.startswith(MULTI_PREFIX):
        return [multi_claims(number)]
    if number.startswith(PAGED_PREFIX):
        return [
            [derived_claim(number, member, PENDING_SPECIAL_HANDLING, days_to_status=2)],
            [derived_claim(number, member, PAID, days_to_status=20)],
        ]
    return [[derived_claim(number, member)]]


def multi_claims(claim_number: str) -> list[Claim]:
    """Three claims under one number; the right pick is the Finalized one.

    In answer order: another member's Denied claim with the latest statusEffectiveDate,
    then the claim's member's Pending claim (earliest), then its Finalized claim
    (later). A client that matches the member, then takes the latest
    statusEffectiveDate, picks the third.
    """
    member = claim_member(claim_number)
    other = unasked_member(claim_number)
    return [
        derived_claim(claim_number, other, DENIED_NOT_ELIGIBLE, days_to_status=40),
        derived_claim(claim_number, member, PENDING_SPECIAL_HANDLING, days_to_status=3),
        derived_claim(claim_number, member, PAID, days_to_status=20),
    ]


def page_token(claim_number: str, page: int) -> str:
    """An opaque token for page `page` (2, 3, …) of a claim number's answer."""
    return f"pg{page}-{Digest(claim_number, 'page:').int_at(0, 6):012x}"


def page_for_token(claim_number: str, token: str | None, pages: int) -> int | None:
    """The 0-based page a nextPageToken asks for, or None when the token is not one of this search's."""
    if token is None:
        return 0
    for page in range(1, pages):
        if token == page_token(claim_number, page + 1):
            return page
    return None


