"""Fault prefixes and their per-claim-number attempt counting."""

from __future__ import annotations

import pytest

from claimbatch.simulator.faults import Fault, FaultKind, FaultTracker, parse_fault


@pytest.mark.parametrize(
    ("claim_number", "fault"),
    [
        ("E500", Fault(FaultKind.SERVER_ERROR)),
        ("E5000042", Fault(FaultKind.SERVER_ERROR)),
        ("E503X2A", Fault(FaultKind.UNAVAILABLE, attempts=2)),
        ("E503X5", Fault(FaultKind.UNAVAILABLE, attempts=5)),
        ("E503X2001", Fault(FaultKind.UNAVAILABLE, attempts=2)),
        ("E429X2B", Fault(FaultKind.THROTTLED, attempts=2)),
        ("E400123", Fault(FaultKind.BAD_REQUEST)),
        ("SLOW1", Fault(FaultKind.SLOW)),
        ("slow1", Fault(FaultKind.SLOW)),
        ("SLOWX1A", Fault(FaultKind.SLOW, attempts=1)),
        ("EUNAV01", Fault(FaultKind.PAYER_SYSTEM_UNAVAILABLE, attempts=2)),
        ("EGQL7", Fault(FaultKind.GRAPHQL_ERRORS)),
        ("EUNAVX1", Fault(FaultKind.PAYER_SYSTEM_UNAVAILABLE, attempts=1)),
    ],
)
def test_fault_prefixes(claim_number: str, fault: Fault) -> None:
    assert parse_fault(claim_number) == fault


@pytest.mark.parametrize("claim_number", ["ZE59426195", "E503", "E429", "E5", "AE500", "INVALID1", "MULTI1"])
def test_ordinary_claim_numbers_have_no_fault(claim_number: str) -> None:
    assert parse_fault(claim_number) is None


def test_e503x2_faults_the_first_two_attempts_then_answers() -> None:
    tracker = FaultTracker()

    faults = [tracker.fault_for_attempt("E503X2-7") for _ in range(4)]

    assert [f.kind if f else None for f in faults] == [FaultKind.UNAVAILABLE, FaultKind.UNAVAILABLE, None, None]
    assert tracker.attempts("E503X2-7") == 4


def test_attempts_are_counted_per_claim_number() -> None:
    tracker = FaultTracker()
    tracker.fault_for_attempt("E429X2A")
    tracker.fault_for_attempt("E429X2A")

    assert tracker.fault_for_attempt("E429X2A") is None
    assert tracker.fault_for_attempt("E429X2B") == Fault(FaultKind.THROTTLED, attempts=2)


def test_permanent_faults_never_wear_off() -> None:
    tracker = FaultTracker()

    assert all(tracker.fault_for_attempt("E500") == Fault(FaultKind.SERVER_ERROR) for _ in range(5))


def test_ordinary_claims_are_not_counted_and_reset_forgets_attempts() -> None:
    tracker = FaultTracker()
    tracker.fault_for_attempt("AB123")
    tracker.fault_for_attempt("E503X1")

    assert tracker.attempts("AB123") == 0
    tracker.reset()
    assert tracker.fault_for_attempt("E503X1") == Fault(FaultKind.UNAVAILABLE, attempts=1)
