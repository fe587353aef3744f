"""A row judged by the value rules alone, one value at a time (no batch, no cache,
no quick test): the reference the input reader's fast paths are held to."""

from __future__ import annotations

from datetime import date

from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ValidRow
from claimbatch.domain.value_rules import ValueRuleError, check_id, check_name, parse_date_of_birth


def row_by_the_rules(row: int, values: list[str] | tuple[str, ...], today: date) -> ValidRow | InvalidRow:
    """Row `row` of the five columns in header order, each value already trimmed."""
    claim, first, last, born, subscriber = values
    errors: list[str] = []
    checked: list[object] = []
    for check, column, value in (
        (check_id, "claim_number", claim),
        (check_name, "first_name", first),
        (check_name, "last_name", last),
        (None, "date_of_birth", born),
        (check_id, "subscriber_id", subscriber),
    ):
        try:
            checked.append(parse_date_of_birth(value, today) if check is None else check(column, value))  # type: ignore[operator]
        except ValueRuleError as error:
            errors.append(error.message)
    if errors:
        return InvalidRow(row, claim, "; ".join(errors))
    return ValidRow(row, ClaimQuery(*checked))  # type: ignore[arg-type]
