"""Generated input files for the benchmarks, made once and kept under bench/out/.

The rows look like a billing office's export: the five required columns in the
usual order, CRLF line endings, ids with leading zeros, a mix of date formats,
names from several scripts, and a small share of rows a real file also holds:
row errors (a spreadsheet-mangled id, an impossible date) and claims the payer
does not know (NF…). Each row carries the member the simulator holds its claim
under (names from several scripts, with accents, hyphens and apostrophes), so
the payer's answers are real ones. The same seed always makes the same file.
"""

from __future__ import annotations

import random
from pathlib import Path

from claimbatch.simulator.members import row_member

OUT_DIR = Path(__file__).resolve().parent / "out"
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\r\n"
GENERATOR_VERSION = 2  # bump when the rows change, so cached files are made again

ROW_ERROR_SHARE = 0.01  # one row in a hundred breaks a value rule
NOT_FOUND_SHARE = 0.05  # one in twenty is a claim the payer does not know


def _date_of_birth(rng: random.Random, payer_date: str) -> str:
    """The member's date of birth (MM/DD/YYYY) as some export writes it."""
    month, day, year = (int(part) for part in payer_date.split("/"))
    style = rng.random()
    if style < 0.80:
        return f"{month:02d}/{day:02d}/{year}"
    if style < 0.90:
        return f"{month}/{day}/{year}"
    if style < 0.97:
        return f"{year}-{month:02d}-{day:02d}"
    return f"{year}{month:02d}{day:02d}"


def _row(rng: random.Random, index: int) -> str:
    prefix = "NF" if rng.random() < NOT_FOUND_SHARE else "ZB"
    claim = f"{prefix}{index:08d}"
    member = row_member(claim)
    first, last = member.first_name, member.last_name
    birth = _date_of_birth(rng, member.date_of_birth)
    subscriber = member.subscriber_id
    if rng.random() < ROW_ERROR_SHARE:
        if rng.random() < 0.5:
            subscriber = f"{rng.randint(1, 9)}.{rng.randint(10, 99)}E+08"  # a spreadsheet turned it into a number
        else:
            birth = f"13/{rng.randint(32, 45)}/1975"  # no such date
    return f"{claim},{first},{last},{birth},{subscriber}\r\n"


def _quoted(line: str) -> str:
    return ",".join(f'"{value}"' for value in line.rstrip("\r\n").split(",")) + "\r\n"


def claims_file(rows: int, seed: int = 8, *, quote_all: bool = False) -> Path:
    """The input file of `rows` data rows (made on first use). Fields are quoted
    only where CSV needs it (as Excel and Python's csv write), which for these
    values is never; `quote_all` quotes every field, as some exporters do."""
    path = OUT_DIR / f"claims-{rows}-v{GENERATOR_VERSION}-s{seed}{'-quoted' if quote_all else ''}.csv"
    if path.exists():
        return path
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        out.write(_quoted(HEADER) if quote_all else HEADER)
        batch: list[str] = []
        for index in range(1, rows + 1):
            line = _row(rng, index)
            batch.append(_quoted(line) if quote_all else line)
            if len(batch) == 10_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    partial.replace(path)
    return path
