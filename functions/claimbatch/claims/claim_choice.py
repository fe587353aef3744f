"""From every claim a search returned to the row's outcome: not found, a claim
the payer could not process, another patient's claim, or the row's own claim.

Another patient's claim never leaves this module: the outcome of a mismatch
carries the error only, nothing of that claim (status, name, amounts, dates).
"""

from __future__ import annotations

from datetime import date

from claimbatch.claims.member_match import member_matches, payer_date
from claimbatch.claims.optum_schema import OptumClaim, to_claim_status
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery

MEMBER_MISMATCH_ERROR = "claim belongs to a different patient (member does not match)"


def claim_of_member(claim: OptumClaim, query: ClaimQuery) -> bool:
    member = claim.member
    return member_matches(
        first_name=member.first_name,
        last_name=member.last_name,
        date_of_birth=member.date_of_birth,
        row_first_name=query.first_name,
        row_last_name=query.last_name,
        row_date_of_birth=query.date_of_birth,
    )


def choose_claim(claims: list[OptumClaim], query: ClaimQuery) -> OptumClaim | None:
    """Among the claims of the row's member, the latest statusEffectiveDate, then
    processedDate; None when no claim is the row's member. Never another patient's claim."""
    matching = [claim for claim in claims if claim_of_member(claim, query)]
    if not matching:
        return None

    def latest(claim: OptumClaim) -> tuple[date, date]:
        events = claim.events
        return (payer_date(events.status_effective_date) or date.min, payer_date(events.processed_date) or date.min)

    return max(matching, key=latest)  # max keeps the first of equals


def outcome_of(claims: list[OptumClaim], query: ClaimQuery, attempts: int) -> LookupOutcome:
    """The row's outcome from the claims of every page (E1/E2 were retried before)."""
    known = [claim for claim in claims if not claim.not_found]
    if not known:
        return LookupOutcome.not_found(attempts=attempts)
    usable = [claim for claim in known if not claim.not_processed]
    if not usable:
        return LookupOutcome.failed(known[0].category_description(), retryable=False, attempts=attempts)
    claim = choose_claim(usable, query)
    if claim is None:
        return LookupOutcome.failed(MEMBER_MISMATCH_ERROR, retryable=False, attempts=attempts)
    return LookupOutcome.found(to_claim_status(claim), attempts=attempts)
