"""The JSON of one simulated claim, as the payer's SearchClaim answers it:
the seed claim with its exact figures, and claims whose status, amounts and
dates are derived from the SHA-256 of the claim number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claimbatch.simulator.claim_statuses import OUTCOME_WEIGHTS, PAID, StatusOutcome
from claimbatch.simulator.members import PAYER_DATE_FORMAT, SEED_CLAIM_NUMBER, SEED_MEMBER, Digest, Member

CENT = Decimal("0.01")
_NOTHING = Decimal("0.00")
_DERIVED_EPOCH = date(2025, 1, 6)  # derived claims are received within 300 days of this


@dataclass(frozen=True, slots=True)
class Amounts:
    billed: Decimal
    allowed: Decimal
    paid: Decimal

    @property
    def patient_responsibility(self) -> Decimal:
        return self.allowed - self.paid


@dataclass(frozen=True, slots=True)
class Payment:
    number: str
    mode: str  # E: electronic funds transfer, C: paper check
    issued: date


def seed_claim() -> dict[str, Any]:
    """ZE59426195 exactly as the contract's example shows it."""
    return claim_json(
        SEED_CLAIM_NUMBER,
        SEED_MEMBER,
        PAID,
        received=date(2025, 7, 21),
        processed=date(2025, 8, 8),
        status_effective=date(2025, 8, 8),
        amounts=Amounts(billed=Decimal("720.00"), allowed=Decimal("402.00"), paid=Decimal("351.00")),
        payment=Payment(number="EFT0001234", mode="E", issued=date(2025, 8, 12)),
    )


def pick_outcome(claim_number: str) -> StatusOutcome:
    """The status of a derived claim: a weighted pick driven by the claim number's SHA-256."""
    digest = Digest(claim_number)
    roll = digest.int_at(0, 2) % 100
    for weight, outcomes in OUTCOME_WEIGHTS:
        if roll < weight:
            return outcomes[digest.int_at(2, 1) % len(outcomes)]
        roll -= weight
    raise AssertionError("weights sum to 100")  # pragma: no cover


def derived_claim(
    claim_number: str,
    member: Member,
    outcome: StatusOutcome | None = None,
    *,
    days_to_status: int | None = None,
) -> dict[str, Any]:
    """A claim whose figures come from the claim number's hash (its status too, unless given)."""
    digest = Digest(claim_number)
    outcome = outcome or pick_outcome(claim_number)
    received = _DERIVED_EPOCH + timedelta(days=digest.int_at(8, 2) % 300)
    if days_to_status is None:
        days_to_status = 7 + digest.int_at(10, 1) % 29 if outcome.adjudicated else 1 + digest.int_at(10, 1) % 10
    status_effective = received + timedelta(days=days_to_status)
    processed = status_effective if outcome.adjudicated else None

    billed = (Decimal(5000 + digest.int_at(12, 3) % 495_001) * CENT).quantize(CENT)  # 50.00 … 5000.00
    if outcome.paid:
        allowed = _share(billed, 40 + digest.int_at(15, 1) % 51)  # 40–90 % of billed
        patient = _share(allowed, digest.int_at(16, 1) % 31)  # 0–30 % of allowed
        amounts = Amounts(billed=billed, allowed=allowed, paid=allowed - patient)
    else:
        amounts = Amounts(billed=billed, allowed=_NOTHING, paid=_NOTHING)

    payment = None
    if outcome.paid and processed is not None:
        by_check = digest.int_at(17, 1) % 5 == 0
        payment = Payment(
            number=f"{'CHK' if by_check else 'EFT'}{digest.int_at(18, 3) % 10_000_000:07d}",
            mode="C" if by_check else "E",
            issued=processed + timedelta(days=2 + digest.int_at(21, 1) % 5),
        )
    return claim_json(
        claim_number,
        member,
        outcome,
        received=received,
        processed=processed,
        status_effective=status_effective,
        amounts=amounts,
        payment=payment,
    )


def status_only_claim(claim_number: str, member: Member, outcome: StatusOutcome) -> dict[str, Any]:
    """A claim that carries a status and nothing else (not found, not processed, system unavailable)."""
    return claim_json(
        claim_number, member, outcome, received=None, processed=None, status_effective=None, amounts=None, payment=None
    )


def _share(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal | None) -> str | None:
    return f"{amount.quantize(CENT):.2f}" if amount is not None else None


def _payer_date(value: date | None) -> str | None:
    return value.strftime(PAYER_DATE_FORMAT) if value else None


def claim_json(
    claim_number: str,
    member: Member,
    outcome: StatusOutcome,
    *,
    received: date | None,
    processed: date | None,
    status_effective: date | None,
    amounts: Amounts | None,
    payment: Payment | None,
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
            "totalBilledChargeAmount": _money(amounts.billed if amounts else None),
            "totalAllowedAmount": _money(amounts.allowed if amounts else None),
            "totalPaidAmount": _money(amounts.paid if amounts else None),
            "totalPatientResponsibilityAmount": _money(amounts.patient_responsibility if amounts else None),
        },
        "payments": [
            {
                "paymentNumber": payment.number,
                "paymentModeCode": payment.mode,
                "paymentIssueDate": _payer_date(payment.issued),
                "adjudicatedClaimPaymentAmount": _money(amounts.paid if amounts else None),
            }
        ]
        if payment
        else [],
        "claimStatusCrosswalkData": outcome.crosswalk_json(),
    }
