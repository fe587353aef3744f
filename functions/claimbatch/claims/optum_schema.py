"""The shapes of Optum's Real Claim Inquiry API (field names are theirs), and
the mapping of its answer into the domain's ClaimStatus."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field

from claimbatch.claims.member_match import payer_date
from claimbatch.domain.claim_answer import ClaimStatus
from claimbatch.domain.claim_row import ClaimQuery

# Only fields of the SearchClaim example in the payer's published API description:
# the gateway validates the document and answers 400 for any field it does not know.
SEARCH_CLAIM_QUERY = (
    "query SearchClaim($searchClaimInput: SearchClaimInput!) { searchClaim(searchClaimInput: $searchClaimInput) "
    "{ claims { claimNumber claimStatus member { firstName lastName dateOfBirth subscriberId memberId } "
    "claimEvents { receivedDate processedDate statusEffectiveDate } "
    "claimLevelTotalAmount { totalBilledChargeAmount totalAllowedAmount totalPaidAmount "
    "totalPatientResponsibilityAmount } "
    "payments { paymentNumber paymentModeCode paymentIssueDate adjudicatedClaimPaymentAmount } "
    "claimStatusCrosswalkData { claim507Code claim507CodeDesc claim508Code claim508CodeDesc } } "
    "pagination { hasMoreRecords nextPageToken } } }"
)

# X12 277 status categories (claim507Code) the client acts on.
PAYER_UNAVAILABLE_CATEGORIES = frozenset({"E1", "E2"})  # payer system unavailable: like a 503
NOT_PROCESSED_CATEGORIES = frozenset({"E0", "E3", "E4"})  # the payer could not process the request
NOT_FOUND_CATEGORIES = frozenset({"D0", "A4"})  # data search unsuccessful / not found


def inquiry_body(query: ClaimQuery, payer_id: str) -> dict[str, object]:
    """A search by claim number only. Member fields would make it a member search,
    which needs service dates the input files do not have; the member is checked
    on the answer instead (member_match)."""
    return {
        "operationName": "SearchClaim",
        "query": SEARCH_CLAIM_QUERY,
        "variables": {"searchClaimInput": {"payerId": payer_id, "claimNumber": query.claim_number}},
    }


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Member(_Lenient):
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    date_of_birth: str | None = Field(default=None, alias="dateOfBirth")
    subscriber_id: str | None = Field(default=None, alias="subscriberId")
    member_id: str | None = Field(default=None, alias="memberId")


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
    def categories(self) -> set[str]:
        return {(entry.category or "").strip().upper() for entry in self.crosswalk or []}

    @property
    def status_category(self) -> str | None:
        return self.crosswalk[0].category if self.crosswalk else None

    @property
    def payer_unavailable(self) -> bool:
        return bool(self.categories & PAYER_UNAVAILABLE_CATEGORIES)

    @property
    def not_found(self) -> bool:
        return bool(self.categories & NOT_FOUND_CATEGORIES)

    @property
    def not_processed(self) -> bool:
        return bool(self.categories & NOT_PROCESSED_CATEGORIES)

    def category_description(self) -> str:
        """The payer's words for the first crosswalk entry (its category, else its status code)."""
        for entry in self.crosswalk or []:
            for text in (entry.category_description, entry.code_description):
                if text and text.strip():
                    return text.strip()
        return f"the payer could not process the request ({self.status_category or 'no category'})"


class Pagination(_Lenient):
    has_more_records: bool | None = Field(default=None, alias="hasMoreRecords")
    next_page_token: str | None = Field(default=None, alias="nextPageToken")


class SearchClaim(_Lenient):
    claims: list[OptumClaim] | None = None
    pagination: Pagination | None = None

    @property
    def next_page_token(self) -> str | None:
        """The token of the next page, when the payer says there is one."""
        if self.pagination is None or not self.pagination.has_more_records:
            return None
        token = (self.pagination.next_page_token or "").strip()
        return token or None


class InquiryData(_Lenient):
    search_claim: SearchClaim | None = Field(default=None, alias="searchClaim")


class ApiError(_Lenient):
    """An error of either shape: the gateway's `{code, description}` or GraphQL's
    `{message, extensions: {code}}`."""

    code: str | None = None
    description: str | None = None
    message: str | None = None
    extensions: dict[str, object] | None = None

    def text(self) -> str | None:
        for value in (self.description, self.message):
            if isinstance(value, str) and value.strip():
                return value.strip()
        code = self.code or (self.extensions or {}).get("code")
        return f"claims API error {code}" if isinstance(code, str) and code.strip() else None


class InquiryResponse(_Lenient):
    data: InquiryData | None = None
    errors: list[ApiError] | None = None

    def error_text(self) -> str | None:
        """The first error's text, as the payer wrote it."""
        for error in self.errors or []:
            if text := error.text():
                return text
        return None


def _parse_us_date(value: str | None) -> date | None:
    return payer_date(value)


def _parse_amount(value: str | None) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip().replace(",", "").replace("$", ""))
    except InvalidOperation:
        return None


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
