"""The results file (docs/results-file.md): columns, values, spreadsheet safety, streaming."""

from __future__ import annotations

import csv
import io

import pytest
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.domain.results_writer import RESULT_COLUMNS, iter_results_csv, safe_cell

SPEC_COLUMNS = "row,claim_number,status,patient_name,total_charged,total_paid,processed_date,success,error"


def found(row: int = 1, **fields: str) -> ResultRow:
    values = {
        "claim_number": "ZE59426195",
        "status": "Finalized",
        "patient_name": "CHANTAL KISA",
        "total_charged": "720.00",
        "total_paid": "351.00",
        "processed_date": "08/08/2025",
        "status_category": "F1",
        "status_code": "65",
        "payment_number": "EFT0001234",
        "payment_date": "08/12/2025",
    }
    values.update(fields)
    return ResultRow(row=row, outcome=RowOutcome.SUCCEEDED, **values)  # type: ignore[arg-type]


def results_text(rows: list[ResultRow], **options: int) -> str:
    return b"".join(iter_results_csv(rows, **options)).decode("utf-8")


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_seed_example_is_written_byte_for_byte() -> None:
    # Given the two rows of the example of docs/results-file.md
    rows = [
        found(1),
        ResultRow(row=2, claim_number="INVALID123", outcome=RowOutcome.NOT_FOUND, error="Claim not found"),
    ]

    # When the results file is written
    data = b"".join(iter_results_csv(rows))

    # Then it is exactly the expected file: the nine columns of the system this replaces, then the extras
    assert data == (
        b"row,claim_number,status,patient_name,total_charged,total_paid,processed_date,success,error,"
        b"status_category,status_code,payment_number,payment_date\n"
        b"1,ZE59426195,Finalized,CHANTAL KISA,720.00,351.00,08/08/2025,True,,F1,65,EFT0001234,08/12/2025\n"
        b"2,INVALID123,,,,,,False,Claim not found,,,,\n"
    )


def test_first_nine_columns_are_those_of_the_replaced_system() -> None:
    assert ",".join(RESULT_COLUMNS[:9]) == SPEC_COLUMNS
    assert RESULT_COLUMNS[9:] == ("status_category", "status_code", "payment_number", "payment_date")


def test_seed_example_first_nine_columns_match_spec_example() -> None:
    rows = [
        found(1),
        ResultRow(row=2, claim_number="INVALID123", outcome=RowOutcome.NOT_FOUND, error="Claim not found"),
    ]

    lines = results_text(rows).splitlines()

    assert [",".join(line.split(",")[:9]) for line in lines] == [
        SPEC_COLUMNS,
        "1,ZE59426195,Finalized,CHANTAL KISA,720.00,351.00,08/08/2025,True,",
        "2,INVALID123,,,,,,False,Claim not found",
    ]


def test_no_rows_gives_a_file_with_only_the_header() -> None:
    assert results_text([]) == ",".join(RESULT_COLUMNS) + "\n"


def test_utf8_without_bom_and_lf_line_endings() -> None:
    # Given a patient name outside ASCII and an error holding a line break
    rows = [found(1, patient_name="ZOË MÜLLER"), ResultRow(2, "X1", RowOutcome.FAILED, error="line one\nline two")]

    data = b"".join(iter_results_csv(rows))

    assert not data.startswith(b"\xef\xbb\xbf")
    assert "ZOË MÜLLER".encode() in data
    assert b"\r\n" not in data
    # and the embedded line break is quoted, so the file still reads as three records
    assert [r["error"] for r in parsed(data.decode())] == ["", "line one\nline two"]


@pytest.mark.parametrize(
    ("outcome", "success"),
    [
        (RowOutcome.SUCCEEDED, "True"),
        (RowOutcome.NOT_FOUND, "False"),
        (RowOutcome.INVALID, "False"),
        (RowOutcome.FAILED, "False"),
        (RowOutcome.CANCELLED, "False"),
    ],
)
def test_success_is_written_true_or_false(outcome: RowOutcome, success: str) -> None:
    text = results_text([ResultRow(row=7, claim_number="A1", outcome=outcome)])

    assert parsed(text)[0]["success"] == success


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_text_cell_that_a_spreadsheet_would_run_gets_a_leading_quote(start: str) -> None:
    # Given a payer status and an error that start like a formula
    payload = start + 'HYPERLINK("http://evil")'
    rows = [found(1, status=payload, patient_name=payload), ResultRow(2, payload, RowOutcome.INVALID, error=payload)]

    records = parsed(results_text(rows))

    # Then every such cell is written with a leading ' and nothing else changes
    assert records[0]["status"] == "'" + payload
    assert records[0]["patient_name"] == "'" + payload
    assert records[1]["claim_number"] == "'" + payload
    assert records[1]["error"] == "'" + payload


def test_every_text_column_is_guarded() -> None:
    text_columns = [c for c in RESULT_COLUMNS if c not in ("row", "success")]
    row = ResultRow(1, "=1+1", RowOutcome.SUCCEEDED, **{c: "=1+1" for c in text_columns if c != "claim_number"})

    record = parsed(results_text([row]))[0]

    assert {c: record[c] for c in text_columns} == {c: "'=1+1" for c in text_columns}


@pytest.mark.parametrize("amount", ["720.00", "0.00", "-5.00", "-5", "+12.50", "1234567.89"])
def test_numbers_stay_numbers(amount: str) -> None:
    record = parsed(results_text([found(3, total_charged=amount, total_paid=amount)]))[0]

    assert record["row"] == "3"
    assert record["total_charged"] == amount
    assert record["total_paid"] == amount


@pytest.mark.parametrize("value", ["-5.00+cmd", "-", "+", "@SUM(A1)", "-1e5", "- 5"])
def test_text_that_only_looks_numeric_is_guarded(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Finalized", "O'BRIEN", "a=b", "5-3"])
def test_harmless_text_is_untouched(value: str) -> None:
    assert safe_cell(value) == value


def test_streams_in_chunks_of_about_the_requested_size() -> None:
    # Given many rows
    rows = [found(n) for n in range(1, 5001)]

    # When written in 16 KiB chunks
    chunks = list(iter_results_csv(rows, chunk_bytes=16 * 1024))

    # Then the file comes in several chunks, each but the last at least that big,
    # none far beyond it, and together they are the whole file
    assert len(chunks) > 10
    assert all(16 * 1024 <= len(chunk) < 17 * 1024 for chunk in chunks[:-1])
    assert len(chunks[-1]) > 0
    assert len(parsed(b"".join(chunks).decode())) == 5000


def test_rows_are_read_lazily_as_chunks_are_taken() -> None:
    # Given an endless source of rows
    def endless() -> object:
        n = 0
        while True:
            n += 1
            yield found(n)

    # When only the first chunk is taken
    first = next(iter_results_csv(endless(), chunk_bytes=1024))  # type: ignore[arg-type]

    # Then it came without reading everything
    assert first.startswith(b"row,claim_number")


def test_rows_keep_their_order_and_count() -> None:
    rows = [found(n, claim_number=f"C{n}") for n in range(1, 101)]

    records = parsed(results_text(rows))

    assert [(r["row"], r["claim_number"]) for r in records] == [(str(n), f"C{n}") for n in range(1, 101)]


@pytest.mark.parametrize("text", ["Denied\rcode 5", 'a\r\nb, "c"', "\r"])
def test_a_carriage_return_inside_a_cell_is_quoted_so_the_row_stays_one_row(text: str) -> None:
    data = results_text([ResultRow(1, "C1", RowOutcome.FAILED, error=text), found(2)])

    records = parsed(data)

    assert [(r["row"], r["error"]) for r in records] == [("1", safe_cell(text)), ("2", "")]


def test_lone_surrogate_from_a_payer_does_not_break_the_file() -> None:
    text = results_text([found(1, status="Final\ud800ized")])

    assert parsed(text)[0]["status"] == "Final?ized"
