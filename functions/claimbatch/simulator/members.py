"""Who a simulated claim belongs to: derived from the claim number, so a
claim-number search answers for the claim's own member, whoever asks.

`row_member()` is the member a file's row should carry for a claim number to
match (what `claimbatch simulator sample` prints); `claim_member()` is the
member the payer answers with. They are the same except for claim numbers
starting with `MM`, whose claims belong to a member nobody asks for: their
names come from lists no row member is drawn from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

PAYER_DATE_FORMAT = "%m/%d/%Y"
SEED_CLAIM_NUMBER = "ZE59426195"
OTHER_MEMBER_PREFIX = "MM"

# Names as billing files hold them: accents, hyphens, apostrophes, spaces, periods.
FIRST_NAMES = (
    "JAMES", "MARIA", "WEI", "FATIMA", "JOSÉ", "OLUWASEUN", "ANNA-LENA", "SEAN", "PRIYA", "MOHAMMED",
    "YUKI", "D'ANDRE", "ELENA", "KOFI", "SØREN", "LINDA", "HIROSHI", "AMÉLIE", "JAMAL", "CHANTAL",
)
LAST_NAMES = (
    "SMITH", "GARCÍA", "NGUYEN", "O'BRIEN", "MÜLLER", "OKAFOR", "VAN DER BERG", "PATEL", "KOWALSKI",
    "JOHNSON", "HADDAD", "ST. JOHN", "LINDQVIST", "NAKAMURA", "BRENNAN", "ROSSI", "IVANOVA", "DUBOIS",
    "SMITH-JONES", "KISA", "NÚÑEZ",
)
_UNASKED_FIRST_NAMES = ("QUENTIN", "ZELDA", "BARNABY", "PERPETUA", "OTTOLINE", "LEOFRIC")
_UNASKED_LAST_NAMES = ("FOXGLOVE", "UNDERHILL", "WICKERSHAM", "MARBLETHORPE", "QUILLFEATHER", "ASHDOWN")
_BORN_FROM = date(1930, 1, 1)
_BORN_SPAN_DAYS = 365 * 85


@dataclass(frozen=True, slots=True)
class Member:
    first_name: str
    last_name: str
    date_of_birth: str  # MM/DD/YYYY
    subscriber_id: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "dateOfBirth": self.date_of_birth,
            "subscriberId": self.subscriber_id,
            "memberId": self.subscriber_id,
        }


SEED_MEMBER = Member(first_name="CHANTAL", last_name="KISA", date_of_birth="05/10/1975", subscriber_id="057896633")


class Digest:
    """Reads small integers out of the SHA-256 of a claim number (stable across runs, unlike hash())."""

    def __init__(self, claim_number: str, salt: str = "") -> None:
        self._bytes = hashlib.sha256((salt + claim_number.upper()).encode("utf-8")).digest()

    def int_at(self, offset: int, length: int) -> int:
        return int.from_bytes(self._bytes[offset : offset + length], "big")


def _derive(claim_number: str, first_names: tuple[str, ...], last_names: tuple[str, ...], salt: str) -> Member:
    digest = Digest(claim_number, salt)
    born = _BORN_FROM + timedelta(days=digest.int_at(0, 4) % _BORN_SPAN_DAYS)
    return Member(
        first_name=first_names[digest.int_at(4, 2) % len(first_names)],
        last_name=last_names[digest.int_at(6, 2) % len(last_names)],
        date_of_birth=born.strftime(PAYER_DATE_FORMAT),
        subscriber_id=f"{digest.int_at(8, 4) % 1_000_000_000:09d}",
    )


def row_member(claim_number: str) -> Member:
    """The member a row must carry for this claim number's claim to be its own."""
    if claim_number.upper() == SEED_CLAIM_NUMBER:
        return SEED_MEMBER
    return _derive(claim_number, FIRST_NAMES, LAST_NAMES, salt="member:")


def claim_member(claim_number: str) -> Member:
    """The member the payer holds the claim under."""
    if claim_number.upper().startswith(OTHER_MEMBER_PREFIX):
        return unasked_member(claim_number)
    return row_member(claim_number)


def unasked_member(claim_number: str) -> Member:
    """A member no row of a sample file names (disjoint name lists)."""
    return _derive(claim_number, _UNASKED_FIRST_NAMES, _UNASKED_LAST_NAMES, salt="other:")
