"""Faults on demand, chosen by claim-number prefix and counted per claim number.

| prefix      | answer                                                           |
| ----------- | ---------------------------------------------------------------- |
| `E500`      | always 500                                                       |
| `E503X<n>`  | 503 on the first n attempts (E503X2: two), then the normal answer |
| `E429X<n>`  | 429 with `Retry-After` on the first n attempts, then normal       |
| `E400`      | 400 GRAPHQL_VALIDATION_FAILED                                    |
| `SLOWX<n>`  | the normal answer after `slow_s` seconds on the first n attempts, then at once |
| `SLOW`      | the normal answer, after `slow_s` seconds (30 by default)        |
| `EUNAVX<n>` | 200 with claim507Code E1 on the first n attempts, then normal     |
| `EUNAV`     | 200 with claim507Code E1 (payer system unavailable) on the first two attempts, then normal |
| `EGQL`      | 200 with a GraphQL `errors` body (`message`, `extensions.code`), no data |

`<n>` is one digit, so `E503X2001` is an E503X2 claim. Attempts are counted by the
server for each claim number (upper-cased), across all clients.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    SERVER_ERROR = "e500"
    UNAVAILABLE = "e503"
    THROTTLED = "e429"
    BAD_REQUEST = "e400"
    SLOW = "slow"
    PAYER_SYSTEM_UNAVAILABLE = "eunav"
    GRAPHQL_ERRORS = "egql"


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault prefix: its kind, and for how many attempts it holds (None: every attempt)."""

    kind: FaultKind
    attempts: int | None = None


_COUNTED = re.compile(r"^(E503|E429|EUNAV|SLOW)X(\d)")  # one digit: E503X2001 is E503X2
_COUNTED_KINDS = {
    "SLOW": FaultKind.SLOW,
    "E503": FaultKind.UNAVAILABLE,
    "E429": FaultKind.THROTTLED,
    "EUNAV": FaultKind.PAYER_SYSTEM_UNAVAILABLE,
}
_ALWAYS = (
    ("E500", FaultKind.SERVER_ERROR),
    ("E400", FaultKind.BAD_REQUEST),
    ("SLOW", FaultKind.SLOW),
    ("EGQL", FaultKind.GRAPHQL_ERRORS),
)
_EUNAV_DEFAULT_ATTEMPTS = 2


def parse_fault(claim_number: str) -> Fault | None:
    """The fault a claim number asks for, or None for an ordinary claim."""
    number = claim_number.upper()
    counted = _COUNTED.match(number)
    if counted:
        return Fault(_COUNTED_KINDS[counted.group(1)], attempts=int(counted.group(2)))
    for prefix, kind in _ALWAYS:
        if number.startswith(prefix):
            return Fault(kind)
    if number.startswith("EUNAV"):
        return Fault(FaultKind.PAYER_SYSTEM_UNAVAILABLE, attempts=_EUNAV_DEFAULT_ATTEMPTS)
    return None


class FaultTracker:
    """Counts attempts per fault claim number and says whether this attempt is faulted.

    Only claim numbers with a fault prefix are counted, so memory stays flat under
    a benchmark of ordinary claims.
    """

    def __init__(self) -> None:
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def fault_for_attempt(self, claim_number: str) -> Fault | None:
        """Record one attempt at this claim number; the fault to apply to it, if any."""
        fault = parse_fault(claim_number)
        if fault is None:
            return None
        with self._lock:
            self._attempts[claim_number.upper()] += 1
            attempt = self._attempts[claim_number.upper()]
        if fault.attempts is not None and attempt > fault.attempts:
            return None
        return fault

    def attempts(self, claim_number: str) -> int:
        with self._lock:
            return self._attempts[claim_number.upper()]

    def reset(self) -> None:
        with self._lock:
            self._attempts.clear()
