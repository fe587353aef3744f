"""Value rules of a data row (docs/input-files.md: "values", "date_of_birth", "ids", "names"), directly
and as the row errors a user reads in the results file."""

from __future__ import annotations

from datetime import date

import pytest
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ValidRow
from claimbatch.domain.input_reader import read_claim_rows
from claimbatch.domain.value_rules import (
    ValueRuleError,
    check_id,
    check_name,
    is_plain_id,
    is_plain_name,
    parse_date_of_birth,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.row_rules import row_by_the_rules

TODAY = date(2025, 6, 30)
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"


def rule_error(check: object, *args: object) -> str:
    with pytest.raises(ValueRuleError) as raised:
        check(*args)  # type: ignore[operator]
    return raised.value.message


# --- date_of_birth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["03/05/1975", "3/5/1975", "03/5/1975", "3/05/1975", "03-05-1975", "1975-03-05", "19750305"],
    ids=["MM/DD/YYYY", "M/D/YYYY", "MM/D/YYYY", "M/DD/YYYY", "MM-DD-YYYY", "YYYY-MM-DD", "YYYYMMDD"],
)
def test_each_date_format(text: str) -> None:
    assert parse_date_of_birth(text, TODAY) == date(1975, 3, 5)


def test_month_comes_first_in_us_dates() -> None:
    assert parse_date_of_birth("12/01/1975", TODAY) == date(1975, 12, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("13/45/1975", "date_of_birth '13/45/1975' is not a valid date (expected MM/DD/YYYY)"),
        ("02/30/1975", "date_of_birth '02/30/1975' is not a valid date (expected MM/DD/YYYY)"),
        ("02/29/1975", "date_of_birth '02/29/1975' is not a valid date (expected MM/DD/YYYY)"),
        ("00/10/1975", "date_of_birth '00/10/1975' is not a valid date (expected MM/DD/YYYY)"),
        ("19751305", "date_of_birth '19751305' is not a valid date (expected MM/DD/YYYY)"),
        ("1975-02-30", "date_of_birth '1975-02-30' is not a valid date (expected MM/DD/YYYY)"),
        ("March 5, 1975", "date_of_birth 'March 5, 1975' is not a valid date (expected MM/DD/YYYY)"),
        ("1975/03/05", "date_of_birth '1975/03/05' is not a valid date (expected MM/DD/YYYY)"),
        ("03/05-1975", "date_of_birth '03/05-1975' is not a valid date (expected MM/DD/YYYY)"),
        ("03/05/19755", "date_of_birth '03/05/19755' is not a valid date (expected MM/DD/YYYY)"),
        ("03/05/975", "date_of_birth '03/05/975' is not a valid date (expected MM/DD/YYYY)"),
        ("٠٣/٠٥/١٩٧٥", "date_of_birth '٠٣/٠٥/١٩٧٥' is not a valid date (expected MM/DD/YYYY)"),
        ("27149", "date_of_birth '27149' is not a valid date (expected MM/DD/YYYY)"),
    ],
)
def test_impossible_or_unknown_dates(text: str, message: str) -> None:
    assert rule_error(parse_date_of_birth, text, TODAY) == message


@pytest.mark.parametrize("text", ["03/05/75", "3/5/75", "03-05-75"])
def test_two_digit_years_are_row_errors(text: str) -> None:
    assert (
        rule_error(parse_date_of_birth, text, TODAY)
        == f"date_of_birth '{text}' has a two-digit year (expected MM/DD/YYYY)"
    )


def test_leap_day_in_a_leap_year_is_fine() -> None:
    assert parse_date_of_birth("02/29/1976", TODAY) == date(1976, 2, 29)


def test_dates_in_the_future_are_row_errors() -> None:
    assert parse_date_of_birth("06/30/2025", TODAY) == TODAY
    assert rule_error(parse_date_of_birth, "07/01/2025", TODAY) == "date_of_birth '07/01/2025' is in the future"


def test_dates_before_1900_are_row_errors() -> None:
    assert parse_date_of_birth("01/01/1900", TODAY) == date(1900, 1, 1)
    assert rule_error(parse_date_of_birth, "12/31/1899", TODAY) == "date_of_birth '12/31/1899' is before 1900"
    assert rule_error(parse_date_of_birth, "0001-01-01", TODAY) == "date_of_birth '0001-01-01' is before 1900"


def test_empty_date_is_a_row_error() -> None:
    assert rule_error(parse_date_of_birth, "", TODAY) == "date_of_birth is empty"


def test_today_is_injected_so_the_future_is_deterministic() -> None:
    assert parse_date_of_birth("01/01/2030", date(2031, 1, 1)) == date(2030, 1, 1)


def test_read_claim_rows_uses_the_given_today() -> None:
    data = f"{HEADER}\nC1,A,B,01/01/2030,1\n".encode()

    assert isinstance(next(read_claim_rows([data], today=date(2031, 1, 1))), ValidRow)
    assert isinstance(next(read_claim_rows([data], today=date(2029, 1, 1))), InvalidRow)


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ZE59426195", "057896633", "0", "A-1-B", "-", "a" * 30, "W123456789-01"])
def test_ids_of_letters_digits_and_hyphens(value: str) -> None:
    assert check_id("claim_number", value) == value


@pytest.mark.parametrize("value", ["5.79E+08", "5.79e+08", "1E+10", "5,79E+08", "1.23456789012E-05"])
def test_scientific_notation_says_a_spreadsheet_turned_the_id_into_a_number(value: str) -> None:
    assert rule_error(check_id, "subscriber_id", value) == (
        f"subscriber_id '{value}' is in scientific notation: a spreadsheet turned the id into a number "
        "(format the column as text and export again)"
    )


def test_an_id_ending_in_dot_zero_says_a_spreadsheet_turned_it_into_a_number() -> None:
    assert rule_error(check_id, "subscriber_id", "57896633.0") == (
        "subscriber_id '57896633.0' has decimals: a spreadsheet turned the id into a number "
        "(format the column as text and export again)"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [("AB_12", "'_'"), ("AB 12", "a space"), ("ÉCLAIR1", "'É'"), ("12.5", "'.'"), ("A/B", "'/'"), ("A\tB", "a tab")],
)
def test_other_characters_in_ids_are_named(value: str, shown: str) -> None:
    assert rule_error(check_id, "claim_number", value).endswith(
        f"contains {shown}; only letters A-Z, digits and - are allowed"
    )


def test_ids_up_to_30_characters() -> None:
    assert check_id("claim_number", "A" * 30) == "A" * 30
    assert (
        rule_error(check_id, "claim_number", "A" * 31) == f"claim_number '{'A' * 31}' is longer than 30 characters (31)"
    )


def test_a_long_bad_value_is_shortened_in_its_error() -> None:
    message = rule_error(check_id, "claim_number", "A_" + "B" * 100)

    assert message == f"claim_number 'A_{'B' * 37}…' contains '_'; only letters A-Z, digits and - are allowed"


def test_empty_id_is_a_row_error() -> None:
    assert rule_error(check_id, "claim_number", "") == "claim_number is empty"


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "CHANTAL",
        "O'Brien",
        "Anne-Marie",
        "St. John",
        "de la Cruz",
        "Zoë",
        "José",
        "Jose\u0301",  # é written as e + combining accent
        "李",
        "Дмитрий",
        "محمد",
        "प्रिया",  # Devanagari, with vowel signs that are marks, not letters
        "ゆうこ",
        "Ngọc Ánh",
        "X" * 60,
    ],
)
def test_names_of_letters_of_any_script(name: str) -> None:
    assert check_name("first_name", name) == name


@pytest.mark.parametrize("char", ["~", "*", ":", "^"])
def test_characters_payer_gateways_reject(char: str) -> None:
    assert rule_error(check_name, "last_name", f"KI{char}SA") == (
        f"last_name 'KI{char}SA' contains '{char}', which payer gateways reject"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("J0HN", "'0'"),
        ("JOHN_PAUL", "'_'"),
        ("JOHN,PAUL", "','"),
        ("JOHN²", "'²'"),
        ("A\tB", "a tab"),
        ("JOHN!", "'!'"),
    ],
)
def test_other_characters_in_names_are_named(name: str, shown: str) -> None:
    assert rule_error(check_name, "first_name", name).endswith(
        f"contains {shown}; only letters, spaces, ' - and . are allowed"
    )


@pytest.mark.parametrize("name", ["-", "'", ". .", "\u0301"])
def test_names_need_a_letter(name: str) -> None:
    assert rule_error(check_name, "first_name", name) == f"first_name '{name}' has no letters"


def test_names_up_to_60_characters() -> None:
    message = rule_error(check_name, "first_name", "X" * 61)

    assert message == f"first_name '{'X' * 39}…' is longer than 60 characters (61)"


def test_empty_name_is_a_row_error() -> None:
    assert rule_error(check_name, "last_name", "") == "last_name is empty"


# --- rows ------------------------------------------------------------------------------------


def test_a_row_with_several_problems_reports_them_all_in_column_order() -> None:
    data = f"{HEADER}\n 5.79E+08 ,J*HN,,13/45/1975,AB_1\n".encode()

    rows = list(read_claim_rows([data], today=TODAY))

    assert rows == [
        InvalidRow(
            1,
            "5.79E+08",
            "claim_number '5.79E+08' is in scientific notation: a spreadsheet turned the id into a number "
            "(format the column as text and export again); "
            "first_name 'J*HN' contains '*', which payer gateways reject; "
            "last_name is empty; "
            "date_of_birth '13/45/1975' is not a valid date (expected MM/DD/YYYY); "
            "subscriber_id 'AB_1' contains '_'; only letters A-Z, digits and - are allowed",
        )
    ]


def test_a_valid_row_with_unusual_names_goes_through() -> None:
    data = f"{HEADER}\nC-1,प्रिया,Jose\u0301,1975-03-05,X-9\n".encode()

    assert list(read_claim_rows([data], today=TODAY)) == [
        ValidRow(1, ClaimQuery("C-1", "प्रिया", "Jose\u0301", date(1975, 3, 5), "X-9"))
    ]


# --- the quick paths agree with the rules ----------------------------------------------------

_id_text = st.text(alphabet=st.sampled_from(list("aZ09-_ .É+E\t٣")), max_size=34)
_name_text = st.text(alphabet=st.sampled_from([*list("aZé李 '-.~*:^0_́²,\t"), "ि"]), max_size=64)


@settings(max_examples=300, deadline=None)
@given(value=_id_text)
def test_a_quick_yes_for_an_id_is_a_yes_of_the_rule(value: str) -> None:
    if is_plain_id(value):
        assert check_id("claim_number", value) == value


@settings(max_examples=300, deadline=None)
@given(value=_name_text)
def test_a_quick_yes_for_a_name_is_a_yes_of_the_rule(value: str) -> None:
    if is_plain_name(value):
        assert check_name("first_name", value) == value


_date_text = st.sampled_from(["01/02/1975", "1/2/1975", "1975-01-02", "19750102", "02/30/1975", "01/02/75", "", "x"])


# The filter drops the rows holding CSV's special characters: many, on purpose (the values keep them otherwise).
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    rows=st.lists(
        st.tuples(_id_text, _name_text, _name_text, _date_text, _id_text).filter(
            lambda r: not any(c in "".join(r) for c in ',"\t\r\n')
        ),
        min_size=1,
        max_size=40,
    )
)
def test_reading_a_file_judges_each_row_as_the_rules_do(rows: list[tuple[str, str, str, str, str]]) -> None:
    # Given a file of arbitrary (comma-free, quote-free) values
    text = HEADER + "\n" + "".join(",".join(values) + "\n" for values in rows)

    parsed = list(read_claim_rows([text.encode()], today=TODAY))

    # Then each row is valid or not exactly as the value rules say, with the same errors
    assert parsed == [row_by_the_rules(n, [v.strip() for v in values], TODAY) for n, values in enumerate(rows, 1)]


_us_date_text = st.one_of(
    st.builds(
        "{:02d}/{:02d}/{:04d}".format,
        st.integers(min_value=0, max_value=13),
        st.integers(min_value=0, max_value=32),
        st.integers(min_value=1890, max_value=2030),
    ),
    st.sampled_from(["1/2/1975", "1975-01-02", "01-02-1975", "01/02/75", "ab/cd/efgh", "٠١/٠٢/١٩٧٥", ""]),
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_us_date_text, min_size=1, max_size=12))
def test_dates_read_in_bulk_are_those_the_rule_reads_one_by_one(texts: list[str]) -> None:
    from claimbatch.domain.bulk_checks import BirthDates

    births = BirthDates(TODAY)
    bulk, breaking = births.read(texts)
    again, breaking_again = births.read(texts)  # the second time from what it remembers

    for index, text in enumerate(texts):
        try:
            expected = parse_date_of_birth(text, TODAY).isoformat()
        except ValueRuleError:
            assert index in breaking and index in breaking_again  # left to the rule, value by value
            continue
        assert bulk[index] == again[index] == expected and index not in breaking