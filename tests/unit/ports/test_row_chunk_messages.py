"""Rows messages: written as columns, read in either shape (a message queued before
the columns were introduced is still processed), and never shown with their PHI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Json, ValidationError

from claimbatch.domain.claim_row import ClaimQuery, ValidColumns
from claimbatch.ports.messages import QueuedRow, RowChunk

ANNE = QueuedRow(701, "ZE59426195", "ANNE", "O'NEIL", date(1975, 5, 10), "057896633")
LI = QueuedRow(703, "C-2", "李", "Jose\u0301", date(2001, 12, 31), "X9")


class Record(BaseModel):
    """As the worker's SQS record model reads a body."""

    body: Json[RowChunk]


def test_a_chunk_is_written_as_compact_columns() -> None:
    chunk = RowChunk("job-1", 7, [ANNE, LI])

    body = chunk.to_json()

    assert json.loads(body) == {
        "job_id": "job-1",
        "chunk": 7,
        "rows": [701, 703],
        "c": ["ZE59426195", "C-2"],
        "f": ["ANNE", "李"],
        "l": ["O'NEIL", "Jose\u0301"],
        "b": ["1975-05-10", "2001-12-31"],
        "s": ["057896633", "X9"],
    }
    assert " " not in body.replace("O'NEIL", "")  # compact
    assert RowChunk.from_json(body) == chunk
    assert list(RowChunk.from_json(body).rows) == [ANNE, LI]


def test_rows_keep_the_interface_the_workers_use() -> None:
    chunk = RowChunk.from_json(RowChunk("job-1", 7, [ANNE, LI]).to_json())

    assert (chunk.job_id, chunk.chunk, len(chunk.rows)) == ("job-1", 7, 2)
    assert [row.row for row in chunk.rows] == [701, 703]
    assert chunk.rows[0].claim_number == "ZE59426195"
    assert chunk.rows[1].query() == ClaimQuery("C-2", "李", "Jose\u0301", date(2001, 12, 31), "X9")


def test_a_message_in_the_earlier_shape_of_one_object_per_row_is_read() -> None:
    # Given a message queued by the previous version (still in flight when this one deploys)
    body = json.dumps(
        {
            "job_id": "job-1",
            "chunk": 7,
            "rows": [
                {"row": 701, "c": "ZE59426195", "f": "ANNE", "l": "O'NEIL", "d": "1975-05-10", "s": "057896633"},
                {"row": 703, "c": "C-2", "f": "李", "l": "Jose\u0301", "d": "2001-12-31", "s": "X9"},
            ],
        }
    )

    # Then it reads as the same chunk, directly and through the SQS record model
    assert RowChunk.from_json(body) == RowChunk("job-1", 7, [ANNE, LI])
    assert Record.model_validate({"body": body}).body == RowChunk("job-1", 7, [ANNE, LI])
    assert list(Record.model_validate({"body": body}).body.rows) == [ANNE, LI]


def test_dates_of_birth_travel_as_the_file_wrote_them() -> None:
    # Given columns as the splitter reads them from a file: dates as written
    columns = ValidColumns([1, 2, 3], ["A1", "A2", "A3"], ["ANNE"] * 3, ["LI"] * 3, ["05/10/1975", "5/9/1975", "19750510"], ["9"] * 3)

    body = RowChunk("job-1", 0, columns=columns).to_json()

    assert json.loads(body)["b"] == ["05/10/1975", "5/9/1975", "19750510"]
    assert [row.date_of_birth for row in RowChunk.from_json(body).rows] == [date(1975, 5, 10), date(1975, 5, 9), date(1975, 5, 10)]


def test_a_columns_message_with_iso_dates_from_the_version_before_is_read() -> None:
    body = json.dumps(
        {"job_id": "job-1", "chunk": 7, "rows": [701, 703], "c": ["ZE59426195", "C-2"], "f": ["ANNE", "李"],
         "l": ["O'NEIL", "Jose\u0301"], "d": ["1975-05-10", "2001-12-31"], "s": ["057896633", "X9"]}
    )

    assert list(RowChunk.from_json(body).rows) == [ANNE, LI]
    assert list(Record.model_validate({"body": body}).body.rows) == [ANNE, LI]


def test_the_record_model_reads_the_columns() -> None:
    body = RowChunk("job-1", 7, [ANNE, LI]).to_json()

    assert Record.model_validate({"body": body}).body == RowChunk("job-1", 7, [ANNE, LI])


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "{}",
        '{"job_id": "j", "chunk": 1}',
        '{"job_id": "j", "chunk": 1, "rows": [1], "c": ["A"], "f": ["B"], "l": ["C"], "d": ["1975-01-02"]}',
        '{"job_id": "j", "chunk": 1, "rows": [1, 2], "c": ["A"], "f": ["B"], "l": ["C"], "d": ["1975-01-02"], "s": ["1"]}',
        '{"job_id": "j", "chunk": 1, "rows": [1], "c": ["A"], "f": ["B"], "l": ["C"], "d": ["1975-02-30"], "s": ["1"]}',
        '{"job_id": "j", "chunk": 1, "rows": [{"row": 1, "c": "A"}]}',
        '{"job_id": "j", "chunk": 1, "rows": [1], "c": ["A"], "f": ["B"], "l": ["C"], "b": ["02/30/1975"], "s": ["1"]}',
        '{"job_id": "j", "chunk": 1, "rows": [1], "c": ["A"], "f": ["B"], "l": ["C"], "b": ["01/02/75"], "s": ["1"]}',
        '{"job_id": "j", "chunk": 1, "rows": [1], "c": ["A"], "f": ["B"], "l": ["C"], "b": [7], "s": ["1"]}',
        '{"job_id": "j", "chunk": 1, "rows": [1, 2], "c": ["A"], "f": ["B"], "l": ["C"], "b": ["01/02/1975"], "s": ["1"]}',
    ],
)
def test_a_body_that_is_no_rows_message_is_refused(body: str) -> None:
    with pytest.raises(ValidationError):
        Record.model_validate({"body": body})
    with pytest.raises(ValueError):
        RowChunk.from_json(body)


def test_an_empty_chunk_and_values_that_json_must_escape_still_make_valid_json() -> None:
    odd = QueuedRow(1, 'A"1', "back\\slash", "tab\there", date(1975, 1, 2), "\ud800")

    assert json.loads(RowChunk("j", 0).to_json()) == {
        "job_id": "j", "chunk": 0, "rows": [], "c": [], "f": [], "l": [], "b": [], "s": []
    }
    quoted = RowChunk("j", 0, [odd, ANNE])
    assert json.loads(quoted.to_json())["c"] == ['A"1', "ZE59426195"]
    assert RowChunk.from_json(quoted.to_json()) == quoted


def test_no_phi_in_the_representation() -> None:
    chunk = RowChunk("job-1", 7, [ANNE])

    shown = repr(chunk) + repr(chunk.rows) + repr(chunk.rows[0]) + repr(chunk.columns)
    for value in ("ZE59426195", "ANNE", "NEIL", "1975", "057896633"):
        assert value not in shown


_value = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_row = st.builds(
    QueuedRow,
    st.integers(min_value=1, max_value=10**9),
    _value,
    _value,
    _value,
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 1, 1)),
    _value,
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_row, max_size=8), chunk=st.integers(min_value=0, max_value=10**6))
def test_any_chunk_reads_back_as_written(rows: list[QueuedRow], chunk: int) -> None:
    written = RowChunk("job-ä", chunk, rows)
    body = written.to_json()

    assert json.loads(body)["rows"] == [row.row for row in rows]
    assert RowChunk.from_json(body) == written
    assert list(RowChunk.from_json(body).rows) == rows
    assert written.columns == ValidColumns(
        [row.row for row in rows],
        [row.claim_number for row in rows],
        [row.first_name for row in rows],
        [row.last_name for row in rows],
        [row.date_of_birth.isoformat() for row in rows],
        [row.subscriber_id for row in rows],
    )
