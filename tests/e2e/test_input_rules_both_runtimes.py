"""Input files in, results files out (docs/input-files.md, docs/results-file.md), end to end on both runtimes."""

from __future__ import annotations

import pytest

from claimbatch.domain.job import JobState
from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"
SEED_ROW = "ZE59426195,CHANTAL,KISA,05/10/1975,057896633"
SEED_LINE = ["1", "ZE59426195", "Finalized", "CHANTAL KISA", "720.00", "351.00", "08/08/2025", "True", ""]


def test_seed_example(runner):
    job = runner.run(f"{HEADER}\n{SEED_ROW}\nINVALID123,JOHN,DOE,01/01/1980,123456789\n".encode())

    assert job.state is JobState.COMPLETED
    assert [line[:9] for line in job.lines] == [SEED_LINE, ["2", "INVALID123", "", "", "", "", "", "False", "Claim not found"]]


def test_columns_in_any_order_with_aliases_and_extra_columns(runner):
    data = "Member ID;Notes;DOB;Patient Last Name;Claim #;FName\n057896633;call back;05/10/1975;KISA;ZE59426195;CHANTAL\n"

    job = runner.run(data.encode())

    assert job.lines[0][:9] == SEED_LINE


@pytest.mark.parametrize(
    "encoded",
    [
        ("\ufeff" + HEADER + "\r\n" + SEED_ROW + "\r\n").encode("utf-8"),
        ("\ufeff" + HEADER.replace(",", "\t") + "\n" + SEED_ROW.replace(",", "\t") + "\n").encode("utf-16-le"),
        (HEADER.replace(",", "|") + "\r" + SEED_ROW.replace(",", "|") + "\r").encode("cp1252"),
    ],
    ids=["utf8-bom-crlf", "utf16-tab", "cp1252-pipe-cr"],
)
def test_encodings_delimiters_and_line_endings(runner, encoded):
    assert runner.run(encoded).lines[0][:9] == SEED_LINE


def _claim_of(first_name: str, last_name: str) -> str:
    """A claim number the simulator holds for a member of these names."""
    from claimbatch.simulator.members import row_member

    return next(
        claim
        for claim in (f"AB{n:07d}" for n in range(100_000))
        if (row_member(claim).first_name, row_member(claim).last_name) == (first_name, last_name)
    )


def test_windows_1252_names_survive(runner):
    data = f"{HEADER}\n{member_line(_claim_of('JOSÉ', 'NÚÑEZ'))}\n".encode("cp1252")

    (line,) = runner.run(data).lines

    assert line[3] == "JOSÉ NÚÑEZ" and line[7] == "True"


def test_blank_lines_are_skipped_and_rows_numbered_without_them(runner):
    data = f"{HEADER}\n\n{SEED_ROW}\n   \n\nINVALID1,A,B,01/01/1980,1\n\n".encode()

    lines = runner.run(data).lines

    assert [line[0] for line in lines] == ["1", "2"]


def test_quoted_fields_with_delimiters_quotes_and_line_breaks(runner):
    data = f'{HEADER},note\n{SEED_ROW},"a, ""quoted""\nnote"\nNF1,A,B,01/01/1980,1,x\n'.encode()

    lines = runner.run(data).lines

    assert [line[0] for line in lines] == ["1", "2"] and lines[0][7] == "True"


def test_row_errors_name_the_column_and_never_reach_the_api(runner, simulator):
    data = (
        f"{HEADER}\n"
        "AB1,ANA,LIMA,13/45/1975,1\n"
        "5.79E+08,ANA,LIMA,01/02/1975,1\n"
        "AB2,AN*A,LIMA,01/02/1975,1\n"
        "AB3,ANA,LIMA,01/02/75,1\n"
        "AB4,ANA,LIMA\n"
        f"AB5,ANA,LIMA,01/02/1975,{'9' * 10_001}\n"
        "AB6,ANA,LIMA,01/02/2999,1\n"
    ).encode()
    before = simulator.stats()["requests"]

    job = runner.run(data)

    assert job.counts.invalid == 7 and simulator.stats()["requests"] == before
    errors = [line[8] for line in job.lines]
    assert errors[0].startswith("date_of_birth '13/45/1975' is not a valid date")
    assert "spreadsheet" in errors[1] and errors[1].startswith("claim_number")
    assert errors[2].startswith("first_name")
    assert errors[3].startswith("date_of_birth")
    assert all(line[7] == "False" for line in job.lines)


def test_leading_zeros_are_kept(runner):
    (line,) = runner.run(f"{HEADER}\n{SEED_ROW}\n".encode()).lines
    assert line[1] == "ZE59426195" and line[7] == "True"  # the payer matched member 057896633


def test_missing_column_fails_the_job_with_one_sentence(runner):
    job = runner.run(b"claim_number,first_name,last_name,subscriber_id\nA1,B,C,1\n")

    assert job.state is JobState.FAILED
    assert job.error.startswith("missing required column: date_of_birth (found: claim_number, first_name")


def test_binary_file_fails_the_job(runner):
    job = runner.run(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    assert job.state is JobState.FAILED and "text" in job.error


def test_header_only_file_completes_with_the_header(runner):
    job = runner.run(f"{HEADER}\n".encode())

    assert job.state is JobState.COMPLETED and job.lines == [] and job.counts.total == 0


def test_spreadsheet_formula_is_neutralised_in_the_results(runner):
    (line,) = runner.run(f"{HEADER}\n=HYPERLINK(1),ANA,LIMA,01/02/1975,1\n".encode()).lines
    assert line[1].startswith("'=")


def test_every_row_in_order_exactly_once(runner):
    rows = [member_line(f"GEN{n:06d}") if n % 7 else f"BAD{n},AN~A,LIMA,01/02/1975,{n}" for n in range(1, 301)]

    job = runner.run(("\n".join([HEADER, *rows]) + "\n").encode())

    assert [int(line[0]) for line in job.lines] == list(range(1, 301))
    assert job.counts.done == 300 and job.counts.invalid == 42
