"""The shapes of Optum's Real Claim Inquiry API (field names are theirs), and
the mapping of its answer into the domain's ClaimStatus."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field

from claimbatch.domain.claim_answer import ClaimStatus
from claimbatch.domain.claim_row import ClaimQuery

SEARCH_CLAIM_QUERY = (
    "query SearchClaim($searchClaimInput: SearchClaimInput!) { searchClaim(input: $searchClaimInput) "
    "{ claims { claimNumber claimStatus member { firstName lastName dateOfBirth subscriberId } "
    "claimEvents { receivedDate processedDate statusEffectiveDate } "
    "claimLevelTotalAmount { totalBilledChargeAmount totalAllowedAmount totalPaidAmount "
    "totalPatientResponsibilityAmount } "
    "payments { paymentNumber paymentModeCode paymentIssueDate adjudicatedClaimPaymentAmount } "
    "claimStatusCrosswalkData { claim507Code claim507CodeDesc claim508Code claim508CodeDesc } } "
    "pagination { hasMoreRecords nextPageToken } } }"
)

# X12 277 status categories that mean "the payer's system is unavailable": treat like a 503.
PAYER_UNAVAILABLE_CATEGORIES = frozenset({"E1", "E2"})


def inquiry_body(query: ClaimQuery, payer_id: str) -> dict[str, object]:
    return {
        "operationName": "SearchClaim",
        "query": SEARCH_CLAIM_QUERY,
        "variables": {
            "searchClaimInput": {
                "payerId": payer_id,
                "claimNumber": query.claim_number,
                "memberId": query.subscriber_id,
                "memberFirstName": query.first_name,
                "memberLastName": query.last_name,
                "memberDateOfBirth": query.date_of_birth.strftime("%m/%d/%Y"),
            }
        },
    }


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Member(_Lenient):
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    date_of_birth: str | None = Field(default=None, alias="dateOfBirth")
    subscriber_id: str | None = Field(default=None, alias="subscriberId")


class ClaimEvents(_Lenient):
    received_date: str | None = Field(default=None, alias="receivedDate")
    processed_date: str | None = Field(default=None, alias="processedDate")
    status_effective_date: str | None = Field(default=None, alias="statusEffectiveDate")


class ClaimTotals(_Lenient):
    total_billed: str | None = Field(default=None, alias="totalBilledChargeAmount")
    total_allowed: str | None = Field(default=None, alias="totalAllowedAmount")
    total_paid: str | None = Field(default=None, alias="totalPaidAmount")
    total_patient_responsibility: str | None = Field(default=None, alias="totalPatientResponsibilityAmount")


class Payment(_Lenient):
    payment_number: str | None = Field(default=None, alias="paymentNumber")
    payment_mode_code: str | None = Field(default=None, alias="paymentModeCode")
    payment_issue_date: str | None = Field(default=None, alias="paymentIssueDate")


class Crosswalk(_Lenient):
    category: str | None = Field(default=None, alias="claim507Code")
    category_description: str | None = Field(default=None, alias="claim507CodeDesc")
    code: str | None = Field(default=None, alias="claim508Code")
    code_description: str | None = Field(default=None, alias="claim508CodeDesc")


class OptumClaim(_Lenient):
    claim_number: str | None = Field(default=None, alias="claimNumber")
    claim_status: str | None = Field(default=None, alias="claimStatus")
    member: Member = Field(default_factory=Member)
    events: ClaimEvents = Field(default_factory=ClaimEvents, alias="claimEvents")
    totals: ClaimTotals = Field(default_factory=ClaimTotals, alias="claimLevelTotalAmount")
    payments: list[Payment] | None = None
    crosswalk: list[Crosswalk] | None = Field(default=None, alias="claimStatusCrosswalkData")

    @property
    def status_category(self) -> str | None:
        return self.crosswalk[0].category if self.crosswalk else None

    @property
    def payer_unavailable(self) -> bool:
        return any((entry.category or "").upper() in PAYER_UNAVAILABLE_CATEGORIES for entry in self.crosswalk or [])


class SearchClaim(_Lenient):
    claims: list[OptumClaim] | None = None


class InquiryData(_Lenient):
    search_claim: SearchClaim | None = Field(default=None, alias="searchClaim")


class InquiryResponse(_Lenient):
    data: InquiryData | None = None


class ApiError(_Lenient):
    code: str | None = None
    description: str | None = None


class ErrorResponse(_Lenient):
    errors: list[ApiError] = Field(default_factory=list)

    def description(self) -> str | None:
        for error in self.errors:
            if error.description:
                return error.description
        return None


def _parse_us_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None


def _parse_amount(value: str | None) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip().replace(",", "").replace("$", ""))
    except InvalidOperation:
        return None


def _member_matches(claim: OptumClaim, query: ClaimQuery) -> bool:
    member = claim.member
    return (
        (member.first_name or "").strip().casefold() == query.first_name.casefold()
        and (member.last_name or "").strip().casefold() == query.last_name.casefold()
        and _parse_us_date(member.date_of_birth) == query.date_of_birth
        and (member.subscriber_id or "").strip() == query.subscriber_id
    )


def choose_claim(claims: list[OptumClaim], query: ClaimQuery) -> OptumClaim:
    """Several claims for one number: the one whose member matches the row,
    then the latest statusEffectiveDate (CLAIMS_API.md)."""
    matching = [claim for claim in claims if _member_matches(claim, query)] or claims

    def effective(claim: OptumClaim) -> date:
        return _parse_us_date(claim.events.status_effective_date) or date.min

    return max(matching, key=effective)  # max keeps the first of equals


def to_claim_status(claim: OptumClaim) -> ClaimStatus:
    payment = (claim.payments or [None])[0]
    crosswalk = (claim.crosswalk or [None])[0]
    return ClaimStatus(
        status=(claim.claim_status or "").strip(),
        patient_first_name=(claim.member.first_name or "").strip(),
        patient_last_name=(claim.member.last_name or "").strip(),
        total_charged=_parse_amount(claim.totals.total_billed),
        total_paid=_parse_amount(claim.totals.total_paid),
        processed_date=_parse_us_date(claim.events.processed_date),
        status_category=crosswalk.category if crosswalk else None,
        status_code=crosswalk.code if crosswalk else None,
        payment_number=payment.payment_number if payment else None,
        payment_date=_parse_us_date(payment.payment_issue_date) if payment else None,
    )
