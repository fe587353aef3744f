"""The simulated payer's claims: deterministic answers from pure functions, no HTTP, no state.

- `ZE59426195` is the seed claim of the system this replaces, with its exact figures.
- A claim number starting with `INVALID` or `NF` is never found.
- A claim number starting with `MULTI` has three claims (two for the member asked,
  one for another member) so that the client's choice among several can be tested.
- Any other well-formed claim number exists for the member asked; its status,
  X12 codes, amounts and dates are derived from the SHA-256 of the claim number.

`search_claims()` is the whole lookup, for callers that want the data without HTTP.
Fault prefixes (E500, SLOW, …) are the HTTP layer's business and are not handled here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

PAYER_DATE_FORMAT = "%m/%d/%Y"
CENT = Decimal("0.01")

SEED_CLAIM_NUMBER = "ZE59426195"
NEVER_FOUND_PREFIXES = ("INVALID", "NF")
MULTI_PREFIX = "MULTI"

_CLAIM_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")
_PAYER_ID = re.compile(r"^[A-Z0-9]{1,10}$")
_MEMBER_ID = re.compile(r"^[A-Z0-9-]{1,30}$")
_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_MAX_NAME_LENGTH = 60


class InvalidSearchInput(ValueError):
    """The searchClaimInput cannot be answered; `description` goes into the 400 body."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class SearchClaimInput(BaseModel):
    """`variables.searchClaimInput` of the SearchClaim query, validated as the payer would."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    payer_id: str = Field(alias="payerId")
    claim_number: str = Field(alias="claimNumber")
    member_id: str = Field(alias="memberId")
    member_first_name: str = Field(alias="memberFirstName")
    member_last_name: str = Field(alias="memberLastName")
    member_date_of_birth: str = Field(alias="memberDateOfBirth")

    @field_validator("claim_number", "payer_id", "member_id", mode="after")
    @classmethod
    def _identifier(cls, value: str, info: ValidationInfo) -> str:
        pattern = {"claim_number": _CLAIM_NUMBER, "payer_id": _PAYER_ID, "member_id": _MEMBER_ID}[info.field_name]
        value = value.upper()
        if not pattern.match(value):
            raise ValueError("is not a well-formed identifier")
        return value

    @field_validator("member_first_name", "member_last_name", mode="after")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        if len(value) > _MAX_NAME_LENGTH or any(not ch.isprintable() for ch in value):
            raise ValueError("is not a valid name")
        return value.upper()

    @field_validator("member_date_of_birth", mode="after")
    @classmethod
    def _date_of_birth(cls, value: str) -> str:
        if not _DATE.match(value):
            raise ValueError("must be a date as MM/DD/YYYY")
        try:
            datetime.strptime(value, PAYER_DATE_FORMAT)
        except ValueError:
            raise ValueError("is not a calendar date") from None
        return value

    @classmethod
    def parse(cls, raw: object) -> SearchClaimInput:
        """Validate a raw searchClaimInput, or raise InvalidSearchInput with one readable sentence."""
        if not isinstance(raw, Mapping):
            raise InvalidSearchInput("variables.searchClaimInput must be an object")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise InvalidSearchInput(_describe(exc)) from None

    @property
    def member(self) -> Member:
        return Member(
            first_name=self.member_first_name,
            last_name=self.member_last_name,
            date_of_birth=self.member_date_of_birth,
            subscriber_id=self.member_id,
        )


def _describe(exc: ValidationError) -> str:
    """One sentence per invalid field, naming the field by its API name and never echoing its value."""
    aliases = {name: field.alias or name for name, field in SearchClaimInput.model_fields.items()}
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "searchClaimInput"
        field = aliases.get(field, field)
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "string_type":
            message = "must be a string"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"searchClaimInput.{field} {message}")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Member:
    first_name: str
    last_name: str
    date_of_birth: str  # MM/DD/YYYY
    subscriber_id: str

    def matches(self, other: Member) -> bool:
        """As a payer compares: names case-insensitively, date of birth and subscriber id exactly."""
        return (
            self.first_name.casefold() == other.first_name.casefold()
            and self.last_name.casefold() == other.last_name.casefold()
            and self.date_of_birth == other.date_of_birth
            and self.subscriber_id == other.subscriber_id
        )

    def as_json(self) -> dict[str, str]:
        return {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "dateOfBirth": self.date_of_birth,
            "subscriberId": self.subscriber_id,
        }


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """A claimStatus with its X12 277 category (claim507Code) and status code (claim508Code)."""

    claim_status: str
    category: str
    category_desc: str
    code: str
    code_desc: str

    @property
    def adjudicated(self) -> bool:
        """Finalized claims (paid or denied) have a processed date; the others do not yet."""
        return self.category.startswith("F")

    @property
    def paid(self) -> bool:
        return self.category == "F1"

    def crosswalk_json(self) -> list[dict[str, str]]:
        return [
            {
                "claim507Code": self.category,
                "claim507CodeDesc": self.category_desc,
                "claim508Code": self.code,
                "claim508CodeDesc": self.code_desc,
            }
        ]


PAID = StatusOutcome("Finalized", "F1", "Finalized/Payment", "65", "Claim/line has been paid.")
DENIED_NOT_ELIGIBLE = StatusOutcome(
    "Denied", "F2", "Finalized/Denial", "88", "Entity not eligible for benefits for submitted dates of service."
)
DENIED_NO_ELIGIBILITY = StatusOutcome(
    "Denied", "F2", "Finalized/Denial", "97", "Patient eligibility not found with entity."
)
PENDING_SPECIAL_HANDLING = StatusOutcome(
    "Pending", "P1", "Pending/In Process", "41", "Special handling required at payer site."
)
PENDING_BENEFITS = StatusOutcome("Pending", "P1", "Pending/In Process", "45", "Awaiting benefit determination.")
IN_REVIEW_AUDIT = StatusOutcome("In Review", "P2", "Pending/In Review", "46", "Internal review/audit.")
IN_REVIEW_PROVIDER_AUDIT = StatusOutcome(
    "In Review", "P2", "Pending/In Review", "44", "Charges pending provider audit."
)
ACKNOWLEDGED_RECEIPT = StatusOutcome("Acknowledged", "A1", "Acknowledgement/Receipt", "20", "Accepted for processing.")
ACKNOWLEDGED_ACCEPTED = StatusOutcome(
    "Acknowledged", "A2", "Acknowledgement/Acceptance into adjudication system", "20", "Accepted for processing."
)
REJECTED_UNPROCESSABLE = StatusOutcome(
    "Rejected", "A3", "Acknowledgement/Returned as unprocessable claim", "21", "Missing or invalid information."
)
REJECTED_INVALID = StatusOutcome(
    "Rejected", "A7", "Acknowledgement/Rejected for Invalid Information", "21", "Missing or invalid information."
)
SYSTEM_UNAVAILABLE = StatusOutcome(
    "Pending", "E1", "Response not possible - System Status", "0", "Cannot provide further status electronically."
)

# (weight out of 100, outcomes the hash picks among): the spread of derived claims.
_OUTCOME_WEIGHTS: tuple[tuple[int, tuple[StatusOutcome, ...]], ...] = (
    (40, (PAID,)),
    (15, (DENIED_NOT_ELIGIBLE, DENIED_NO_ELIGIBILITY)),
    (15, (PENDING_SPECIAL_HANDLING, PENDING_BENEFITS)),
    (10, (IN_REVIEW_AUDIT, IN_REVIEW_PROVIDER_AUDIT)),
    (10, (ACKNOWLEDGED_RECEIPT, ACKNOWLEDGED_ACCEPTED)),
    (10, (REJECTED_UNPROCESSABLE, REJECTED_INVALID)),
)
assert sum(weight for weight, _ in _OUTCOME_WEIGHTS) == 100

SEED_MEMBER = Member(first_name="CHANTAL", last_name="KISA", date_of_birth="05/10/1975", subscriber_id="057896633")

_DERIVED_EPOCH = date(2025, 1, 6)  # derived claims are received within 300 days of this
_OTHER_FIRST_NAMES = ("JORDAN", "TAYLOR", "MORGAN", "CASEY", "RILEY", "AVERY")
_OTHER_LAST_NAMES = ("OKAFOR", "LINDQVIST", "MORALES", "NAKAMURA", "BRENNAN", "HADDAD")


def search_claims(search_input: Mapping[str, object]) -> dict[str, Any]:
    """The `data.searchClaim` payload for one searchClaimInput (a normal lookup, no faults).

    Raises InvalidSearchInput when the input would be answered 400 GRAPHQL_VALIDATION_FAILED.
    """
    return lookup(SearchClaimInput.parse(search_input))


def lookup(query: SearchClaimInput) -> dict[str, Any]:
    """The `data.searchClaim` payload for an already validated input."""
    return search_claim_payload(find_claims(query))


def search_claim_payload(claims: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"claims": list(claims), "pagination": {"hasMoreRecords": False, "nextPageToken": None}}


def find_claims(query: SearchClaimInput) -> list[dict[str, Any]]:
    number = query.claim_number
    asked = query.member
    if number.startswith(NEVER_FOUND_PREFIXES):
        return []
    if number == SEED_CLAIM_NUMBER:
        return [seed_claim()] if SEED_MEMBER.matches(asked) else []
    if number.startswith(MULTI_PREFIX):
        return multi_claims(number, asked)
    return [derived_claim(number, asked)]


def seed_claim() -> dict[str, Any]:
    """ZE59426195 exactly as CLAIMS_API.md shows it."""
    return _claim_json(
        SEED_CLAIM_NUMBER,
        SEED_MEMBER,
        PAID,
        received=date(2025, 7, 21),
        processed=date(2025, 8, 8),
        status_effective=date(2025, 8, 8),
        amounts=_Amounts(billed=Decimal("720.00"), allowed=Decimal("402.00"), paid=Decimal("351.00")),
        payment=_Payment(number="EFT0001234", mode="ACH", issued=date(2025, 8, 12)),
    )


def derived_claim(claim_number: str, member: Member) -> dict[str, Any]:
    """The one claim of an ordinary claim number, for the member asked."""
    digest = _Digest(claim_number)
    return _derived(claim_number, member, digest, pick_outcome(claim_number))


def pick_outcome(claim_number: str) -> StatusOutcome:
    """The status of a derived claim: a weighted pick driven by the claim number's SHA-256."""
    digest = _Digest(claim_number)
    roll = digest.int_at(0, 2) % 100
    for weight, outcomes in _OUTCOME_WEIGHTS:
        if roll < weight:
            return outcomes[digest.int_at(2, 1) % len(outcomes)]
        roll -= weight
    raise AssertionError("weights sum to 100")  # pragma: no cover


def multi_claims(claim_number: str, asked: Member) -> list[dict[str, Any]]:
    """Three claims under one number; the right pick is the Finalized one.

    In answer order: another member's Denied claim with the latest statusEffectiveDate,
    then the asked member's Pending claim (earliest), then the asked member's Finalized
    claim (later). A client that matches the member, then takes the latest
    statusEffectiveDate, picks the third.
    """
    digest = _Digest(claim_number)
    other = _other_member(asked, digest)
    received = _DERIVED_EPOCH + timedelta(days=digest.int_at(8, 2) % 300)
    return [
        _derived(claim_number, other, digest, DENIED_NOT_ELIGIBLE, received=received, days_to_status=40),
        _derived(claim_number, asked, digest, PENDING_SPECIAL_HANDLING, received=received, days_to_status=3),
        _derived(claim_number, asked, digest, PAID, received=received, days_to_status=20),
    ]


def unavailable_claim(claim_number: str, member: Member) -> dict[str, Any]:
    """A 200 answer whose crosswalk says E1: the payer's system could not answer (retry later)."""
    return {
        "claimNumber": claim_number,
        "claimStatus": SYSTEM_UNAVAILABLE.claim_status,
        "member": member.as_json(),
        "claimEvents": {"receivedDate": None, "processedDate": None, "statusEffectiveDate": None},
        "claimLevelTotalAmount": {
            "totalBilledChargeAmount": None,
            "totalAllowedAmount": None,
            "totalPaidAmount": None,
            "totalPatientResponsibilityAmount": None,
        },
        "payments": [],
        "claimStatusCrosswalkData": SYSTEM_UNAVAILABLE.crosswalk_json(),
    }


@dataclass(frozen=True, slots=True)
class _Amounts:
    billed: Decimal
    allowed: Decimal
    paid: Decimal

    @property
    def patient_responsibility(self) -> Decimal:
        return self.allowed - self.paid


_NOTHING_PAID = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class _Payment:
    number: str
    mode: str
    issued: date


class _Digest:
    """Reads small integers out of the SHA-256 of a claim number (stable across runs, unlike hash())."""

    def __init__(self, claim_number: str) -> None:
        self._bytes = hashlib.sha256(claim_number.upper().encode("utf-8")).digest()

    def int_at(self, offset: int, length: int) -> int:
        return int.from_bytes(self._bytes[offset : offset + length], "big")


def _derived(
    claim_number: str,
    member: Member,
    digest: _Digest,
    outcome: StatusOutcome,
    *,
    received: date | None = None,
    days_to_status: int | None = None,
) -> dict[str, Any]:
    received = received or _DERIVED_EPOCH + timedelta(days=digest.int_at(8, 2) % 300)
    if days_to_status is None:
        days_to_status = 7 + digest.int_at(10, 1) % 29 if outcome.adjudicated else 1 + digest.int_at(10, 1) % 10
    status_effective = received + timedelta(days=days_to_status)
    processed = status_effective if outcome.adjudicated else None

    billed = (Decimal(5000 + digest.int_at(12, 3) % 495_001) * CENT).quantize(CENT)  # 50.00 … 5000.00
    if outcome.paid:
        allowed = _share(billed, 40 + digest.int_at(15, 1) % 51)  # 40–90 % of billed
        patient = _share(allowed, digest.int_at(16, 1) % 31)  # 0–30 % of allowed
        amounts = _Amounts(billed=billed, allowed=allowed, paid=allowed - patient)
    else:
        amounts = _Amounts(billed=billed, allowed=_NOTHING_PAID, paid=_NOTHING_PAID)

    payment = None
    if outcome.paid and processed is not None:
        by_check = digest.int_at(17, 1) % 5 == 0
        payment = _Payment(
            number=f"{'CHK' if by_check else 'EFT'}{digest.int_at(18, 3) % 10_000_000:07d}",
            mode="CHK" if by_check else "ACH",
            issued=processed + timedelta(days=2 + digest.int_at(21, 1) % 5),
        )
    return _claim_json(
        claim_number,
        member,
        outcome,
        received=received,
        processed=processed,
        status_effective=status_effective,
        amounts=amounts,
        payment=payment,
    )


def _share(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _other_member(asked: Member, digest: _Digest) -> Member:
    """A member who differs from the one asked in every field."""
    first = next(n for n in _rotate(_OTHER_FIRST_NAMES, digest.int_at(24, 1)) if n != asked.first_name.upper())
    last = next(n for n in _rotate(_OTHER_LAST_NAMES, digest.int_at(25, 1)) if n != asked.last_name.upper())
    born = datetime.strptime(asked.date_of_birth, PAYER_DATE_FORMAT).date()
    other_born = born - timedelta(days=9_000) if born.year > 1950 else born + timedelta(days=9_000)
    subscriber = f"{digest.int_at(26, 4) % 1_000_000_000:09d}"
    if subscriber == asked.subscriber_id:
        subscriber = f"{(int(subscriber) + 1) % 1_000_000_000:09d}"
    return Member(first, last, other_born.strftime(PAYER_DATE_FORMAT), subscriber)


def _rotate(names: tuple[str, ...], start: int) -> list[str]:
    start %= len(names)
    return list(names[start:] + names[:start])


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(CENT):.2f}"


def _payer_date(value: date | None) -> str | None:
    return value.strftime(PAYER_DATE_FORMAT) if value else None


def _claim_json(
    claim_number: str,
    member: Member,
    outcome: StatusOutcome,
    *,
    received: date,
    processed: date | None,
    status_effective: date,
    amounts: _Amounts,
    payment: _Payment | None,
) -> dict[str, Any]:
    return {
        "claimNumber": claim_number,
        "claimStatus": outcome.claim_status,
        "member": member.as_json(),
        "claimEvents": {
            "receivedDate": _payer_date(received),
            "processedDate": _payer_date(processed),
            "statusEffectiveDate": _payer_date(status_effective),
        },
        "claimLevelTotalAmount": {
            "totalBilledChargeAmount": _money(amounts.billed),
            "totalAllowedAmount": _money(amounts.allowed),
            "totalPaidAmount": _money(amounts.paid),
            "totalPatientResponsibilityAmount": _money(amounts.patient_responsibility),
        },
        "payments": [
            {
                "paymentNumber": payment.number,
                "paymentModeCode": payment.mode,
                "paymentIssueDate": _payer_date(payment.issued),
                "adjudicatedClaimPaymentAmount": _money(amounts.paid),
            }
        ]
        if payment
        else [],
        "claimStatusCrosswalkData": outcome.crosswalk_json(),
    }
