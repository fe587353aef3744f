"""The rows read_claim_rows hands out are ordinary model objects, whichever way they were built."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date

from claimbatch.domain.claim_row import ClaimQuery, ValidRow
from claimbatch.domain.bulk_checks import fills_slots, valid_rows_builder
from claimbatch.domain.input_reader import read_claim_rows

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"


def test_rows_built_in_bulk_equal_rows_built_by_their_constructors() -> None:
    build = valid_rows_builder()

    built = build(range(7, 9), ["C1", "C2"], ["ANNE", "LI"], ["KISA", "O'NEIL"], [date(1975, 1, 2)] * 2, ["1", "2"])

    expected = [
        ValidRow(7, ClaimQuery("C1", "ANNE", "KISA", date(1975, 1, 2), "1")),
        ValidRow(8, ClaimQuery("C2", "LI", "O'NEIL", date(1975, 1, 2), "2")),
    ]
    assert built == expected
    assert [hash(row) for row in built] == [hash(row) for row in expected]
    assert [type(row.query) for row in built] == [ClaimQuery, ClaimQuery]  # type: ignore[union-attr]
    assert pickle.loads(pickle.dumps(built)) == expected
    assert dataclasses.replace(built[0].query, first_name="X").first_name == "X"  # type: ignore[union-attr]
    assert repr(built[0].query) == "ClaimQuery(<redacted>)"  # type: ignore[union-attr]


def test_rows_from_a_file_are_frozen_like_any_other() -> None:
    row = next(read_claim_rows([f"{HEADER}\nC1,ANNE,KISA,01/02/1975,1\n".encode()], today=date(2025, 1, 1)))

    assert isinstance(row, ValidRow)
    try:
        row.query.first_name = "X"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("ClaimQuery should stay frozen")


def test_the_bulk_builder_only_fills_slots_of_the_models_it_knows() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithoutSlots:
        row: int
        query: object

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        row: int
        query: object

        def __post_init__(self) -> None:
            pass

    assert fills_slots(ValidRow, ("row", "query"))
    assert fills_slots(ClaimQuery, ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id"))
    assert not fills_slots(WithoutSlots, ("row", "query"))
    assert not fills_slots(Checked, ("row", "query"))
    assert not fills_slots(ValidRow, ("query", "row"))


def test_a_whole_file_in_memory_can_be_given_as_bytes() -> None:
    data = f"{HEADER}\nC1,ANNE,KISA,01/02/1975,1\n".encode()

    assert list(read_claim_rows(data, today=date(2025, 1, 1))) == list(read_claim_rows([data], today=date(2025, 1, 1)))
