"""Input rows for claims the simulator holds, with the members they belong to,
so demos, tests and benchmarks send rows that get real answers.

The first row is always the seed claim (ZE59426195, CHANTAL KISA). The others
are random claim numbers (from `seed`) whose members come from members.py. With
a `problem_share`, that share of rows is spread over the other cases a real
file holds: claims the payer does not know (NF…, D0…), rows that break a value
rule, claims of another patient (MM…) and claims that fail at first (E503X2…,
EUNAV…).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator

from claimbatch.simulator.members import SEED_CLAIM_NUMBER, Member, row_member

HEADER = ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id")
# First letters no special prefix starts with (D0, E…, INVALID, MM, MULTI, NF, PG, SLOW).
_PLAIN_FIRST_LETTERS = "ABCFGHJKLQRTUVWXYZ"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PROBLEM_PREFIXES = ("NF", "D0", "MM", "E503X2", "EUNAV", None)  # None: a row that breaks a value rule


def plain_claim_number(rng: random.Random) -> str:
    return f"{rng.choice(_PLAIN_FIRST_LETTERS)}{rng.choice(_LETTERS)}{rng.randrange(10**8):08d}"


def member_row(claim_number: str) -> tuple[str, str, str, str, str]:
    """The row of a claim number with the member whose claim it is."""
    member: Member = row_member(claim_number)
    return (claim_number, member.first_name, member.last_name, member.date_of_birth, member.subscriber_id)


def _problem_row(rng: random.Random) -> tuple[str, str, str, str, str]:
    prefix = rng.choice(_PROBLEM_PREFIXES)
    if prefix is None:
        claim, first, last, _born, subscriber = member_row(plain_claim_number(rng))
        return (claim, first, last, f"13/{rng.randint(32, 45)}/1975", subscriber)  # no such date
    return member_row(f"{prefix}{rng.randrange(10**8):08d}")


def sample_rows(rows: int, seed: int = 0, problem_share: float = 0.0) -> Iterator[tuple[str, str, str, str, str]]:
    """`rows` data rows (the seed claim first); the same arguments always give the same rows."""
    if rows < 1:
        return
    rng = random.Random(seed)
    yield member_row(SEED_CLAIM_NUMBER)
    for _ in range(rows - 1):
        if problem_share and rng.random() < problem_share:
            yield _problem_row(rng)
        else:
            yield member_row(plain_claim_number(rng))


def sample_csv(rows: int, seed: int = 0, problem_share: float = 0.0) -> str:
    """The sample as CSV text with its header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(sample_rows(rows, seed, problem_share))
    return out.getvalue()
