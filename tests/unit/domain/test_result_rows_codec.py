"""The compact encoding of a chunk's results: every field read back as written, in row
order, and the rows of a chunk's two stored parts merged back into row order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.domain.result_rows_codec import decode_results, encode_results, without_rows
from claimbatch.domain.results_order import rows_of_chunks

texts = st.text(max_size=30)
results = st.builds(
    ResultRow,
    row=st.integers(min_value=1, max_value=10**9),
    claim_number=texts,
    outcome=st.sampled_from(list(RowOutcome)),
    status=texts,
    patient_name=texts,
    total_charged=texts,
    total_paid=texts,
    processed_date=texts,
    error=texts,
    retryable=st.booleans(),
    status_category=texts,
    status_code=texts,
    payment_number=texts,
    payment_date=texts,
)


@given(st.lists(results, max_size=20, unique_by=lambda result: result.row))
def test_results_are_read_back_as_written_in_row_order(rows: list[ResultRow]) -> None:
    decoded = decode_results(encode_results(rows))

    assert decoded == sorted(rows, key=lambda result: result.row)
    assert all(type(result.retryable) is bool and isinstance(result.outcome, RowOutcome) for result in decoded)


def test_empty_trailing_fields_are_left_out() -> None:
    row_error = ResultRow(row=7, claim_number="C7", outcome=RowOutcome.INVALID, error="bad date")

    assert encode_results([row_error]) == b'[[7,"C7","invalid","","","","","","bad date"]]'
    assert without_rows([row_error], [7]) == []


def _rows(*numbers: int) -> list[ResultRow]:
    return [ResultRow(row=n, claim_number=f"C{n}", outcome=RowOutcome.SUCCEEDED) for n in numbers]


def test_a_chunks_two_parts_merge_into_row_order_and_chunks_follow_each_other() -> None:
    parts = [(0, _rows(1, 3, 4)), (0, _rows(2, 5)), (1, _rows(6, 7)), (3, _rows(19)), (3, _rows(17))]

    assert [result.row for result in rows_of_chunks(parts)] == [1, 2, 3, 4, 5, 6, 7, 17, 19]
