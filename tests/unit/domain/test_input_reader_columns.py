"""Input files, header (docs/input-files.md: "columns", "header matching", file-level errors about the header)."""

from __future__ import annotations

from datetime import date

import pytest
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ParsedRow, ValidRow
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.header_aliases import COLUMN_ALIASES, normalise_header
from claimbatch.domain.input_reader import InputLimits, read_claim_rows

TODAY = date(2025, 6, 30)
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"
CHANTAL = ClaimQuery("ZE59426195", "CHANTAL", "KISA", date(1975, 1, 2), "057896633")


def read(text: str | bytes, limits: InputLimits | None = None) -> list[ParsedRow]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_claim_rows([data], limits or InputLimits(), today=TODAY))


def file_error(text: str | bytes) -> str:
    with pytest.raises(InputFileError) as raised:
        read(text)
    return raised.value.message


def test_required_columns_in_any_order_with_extra_columns_ignored() -> None:
    # Given the columns shuffled, with columns the lookup does not need around them
    text = (
        "note,subscriber_id,DOB,Last Name,account,first_name,claim_number,amount\n"
        "call back,057896633,01/02/1975,KISA,A-17,CHANTAL,ZE59426195,12.00\n"
    )

    # Then the row holds the right value for each required column
    assert read(text) == [ValidRow(1, CHANTAL)]


# The aliases docs/input-files.md names, written as a user might; each must be understood.
SPEC_ALIASES = {
    "claim_number": ["claim_no", "claim_num", "claim_id", "claim", "claim #", "icn", "payer claim number"],
    "first_name": ["first", "firstname", "fname", "patient first name", "member first name"],
    "last_name": ["last", "lastname", "lname", "surname", "patient last name", "member last name"],
    "date_of_birth": ["dob", "birth date", "birthdate", "patient dob", "member dob"],
    "subscriber_id": ["subscriber", "subscriber number", "member id", "memberid", "member number", "insured id"],
}
SPEC_ALIAS_CASES = [(column, alias) for column, aliases in SPEC_ALIASES.items() for alias in [column, *aliases]]


@pytest.mark.parametrize(("column", "alias"), SPEC_ALIAS_CASES)
def test_every_spec_alias_names_its_column(column: str, alias: str) -> None:
    # Given a header where one required column is named by an alias, in a user's spelling
    spelling = "  " + alias.upper().replace(" ", "  ") + " "
    header = HEADER.replace(column, spelling)

    # Then the file reads as with the column's own name
    assert read(f"{header}\nZE59426195,CHANTAL,KISA,01/02/1975,057896633\n") == [ValidRow(1, CHANTAL)]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Claim #", "claim"),
        ("  Patient-DOB ", "patient_dob"),
        ("MEMBER   ID", "member_id"),
        ("first.name", "first_name"),
        ("__Date of Birth__", "date_of_birth"),
        ("Subscriber/ID", "subscriber_id"),
    ],
)
def test_header_matching_is_case_insensitive_and_reads_punctuation_runs_as_underscore(
    written: str, normalised: str
) -> None:
    assert normalise_header(written) == normalised


def test_every_listed_alias_is_known() -> None:
    for column, aliases in SPEC_ALIASES.items():
        known = {normalise_header(alias) for alias in COLUMN_ALIASES[column]}
        assert {normalise_header(alias) for alias in aliases} <= known


def test_a_header_in_quotes_reads_like_one_without() -> None:
    text = '"Claim #","First Name","Last Name","DOB","Member ID"\nZE59426195,CHANTAL,KISA,01/02/1975,057896633\n'

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_the_columns_own_name_wins_over_an_alias() -> None:
    # Given a file with both claim_id (an alias) and claim_number
    text = (
        "claim_id,claim_number,first_name,last_name,dob,subscriber_id\n"
        "OLD1,ZE59426195,CHANTAL,KISA,01/02/1975,057896633\n"
    )

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_patient_names_win_over_member_names() -> None:
    text = (
        "claim,member first name,patient first name,member last name,patient last name,dob,member id\n"
        "ZE59426195,JOHN,CHANTAL,SMITH,KISA,01/02/1975,057896633\n"
    )

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_missing_column_names_it_and_lists_what_was_found() -> None:
    message = file_error("claim_number,first_name,last_name,subscriber_id\nZE1,A,B,1\n")

    assert (
        message == "missing required column: date_of_birth (found: claim_number, first_name, last_name, subscriber_id)"
    )


def test_several_missing_columns_are_all_named_and_other_cells_only_counted() -> None:
    message = file_error("Claim #,First Name,Notes\nZE1,A,hello\n")

    assert message == (
        "missing required columns: last_name, date_of_birth, subscriber_id "
        "(found: Claim #, First Name, and 1 other column)"
    )


def test_a_long_header_lists_only_the_known_names() -> None:
    header = "claim_number," + ",".join(f"extra{n}" for n in range(40))

    message = file_error(header + "\n")

    assert message == (
        "missing required columns: first_name, last_name, date_of_birth, subscriber_id "
        "(found: claim_number, and 40 other columns)"
    )


def test_patient_names_in_a_header_are_never_echoed() -> None:
    # Given a header line that holds a patient's name where column names belong
    message = file_error("claim,CHANTAL,KISA,JOHNSON\nZE1,A,B,C\n")

    # Then the message counts those cells and names only what it recognised
    for value in ("CHANTAL", "KISA", "JOHNSON"):
        assert value not in message
    assert message == (
        "missing required columns: first_name, last_name, date_of_birth, subscriber_id "
        "(found: claim, and 3 other columns)"
    )


@pytest.mark.parametrize(
    ("header", "first", "second", "column"),
    [
        ("claim,claim_no,icn,first_name,last_name,dob,subscriber_id", "claim", "claim_no", "claim_number"),
        ("claim_number,first,fname,last_name,dob,subscriber_id", "first", "fname", "first_name"),
        ("claim_number,first_name,last_name,dob,member id,subscriber", "member id", "subscriber", "subscriber_id"),
        ("claim_number,first_name,last_name,DOB,subscriber_id,dob", "DOB", "dob", "date_of_birth"),
        ("claim_number,first_name,last_name,dob,subscriber_id,claim_number", "claim_number", "claim_number",
         "claim_number"),
    ],
)
def test_two_cells_naming_one_column_are_a_file_error_naming_both(
    header: str, first: str, second: str, column: str
) -> None:
    message = file_error(header + "\nZE59426195,CHANTAL,KISA,01/02/1975,057896633,x,y\n")

    assert message == f"columns '{first}' and '{second}' both name {column}: keep one, or rename the other"


def test_a_file_without_header_does_not_echo_its_first_line() -> None:
    # Given a file whose first line is already data (patient data must not reach an error or a log)
    message = file_error("ZE59426195,CHANTAL,KISA,01/02/1975,057896633\n")

    assert "CHANTAL" not in message and "ZE59426195" not in message
    assert message == (
        "missing required columns: claim_number, first_name, last_name, date_of_birth, subscriber_id "
        "(the first line is not a header naming them: none of its 5 values is a known column name)"
    )


def test_a_file_in_another_delimiter_gets_a_hint() -> None:
    message = file_error("claim_number:first_name:last_name:date_of_birth:subscriber_id\n")

    assert message.endswith(
        "none of its 1 value is a known column name — is the file delimited by comma, pipe, tab or semicolon?)"
    )


def test_header_only_file_yields_no_rows() -> None:
    assert read(HEADER + "\n") == []
    assert read(HEADER) == []
    assert read(HEADER + "\r\n\r\n   \r\n") == []


def test_blank_lines_before_the_header_are_skipped() -> None:
    assert read(f"\n  \r\n{HEADER}\nZE59426195,CHANTAL,KISA,01/02/1975,057896633\n") == [ValidRow(1, CHANTAL)]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \r\n\t\r\n", b"\xef\xbb\xbf", b"\xff\xfe"])
def test_empty_file_is_a_file_error(content: bytes) -> None:
    assert file_error(content) == "empty file"


def test_zero_chunks_is_an_empty_file() -> None:
    with pytest.raises(InputFileError, match="^empty file$"):
        list(read_claim_rows([]))
    with pytest.raises(InputFileError, match="^empty file$"):
        list(read_claim_rows([b"", b""]))


def test_a_header_line_beyond_reason_is_a_file_error() -> None:
    message = file_error("claim_number," + "x" * 100_000 + "\n")

    assert message == "header line is longer than 65,536 characters"


def test_file_errors_are_raised_when_iterating_not_when_calling() -> None:
    rows = read_claim_rows([b""])  # no error yet: nothing was read

    with pytest.raises(InputFileError):
        next(rows)


def test_a_row_error_names_the_column_by_its_own_name_whatever_the_header_says() -> None:
    rows = read("Claim #,First,Last,DOB,Member ID\nZE1,CHANTAL,KISA,13/45/1975,1\n")

    assert rows == [InvalidRow(1, "ZE1", "date_of_birth '13/45/1975' is not a valid date (expected MM/DD/YYYY)")]


def test_a_first_line_mixing_column_names_and_patient_data_is_not_echoed():
    from claimbatch.domain.errors import InputFileError
    from claimbatch.domain.input_reader import read_claim_rows

    data = b"claim_number,first_name,last_name,KISA,05/10/1975,057896633\nA1,B,C,D,E,F\n"
    try:
        list(read_claim_rows([data]))
    except InputFileError as error:
        message = error.message
    else:
        raise AssertionError("a missing column must be a file-level error")

    assert message.startswith("missing required columns: date_of_birth, subscriber_id (found: claim_number")
    for value in ("KISA", "05/10/1975", "057896633"):
        assert value not in message
