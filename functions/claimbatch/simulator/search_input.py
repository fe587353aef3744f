"""`searchClaimInput`, checked as the payer checks it.

`payerId` is required. A claim-number search needs nothing else. Member fields
(`memberId`, `memberFirstName`, `memberLastName`, `memberDateOfBirth`) make a
member search, which the payer refuses without `serviceStartDate` and
`serviceEndDate` at most 90 days apart. Messages name fields, never values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from claimbatch.claims.member_match import normalised_name, payer_date

PAYER_DATE_FORMAT = "%m/%d/%Y"
MAX_SERVICE_RANGE_DAYS = 90
_CLAIM_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")
_PAYER_ID = re.compile(r"^[A-Z0-9]{1,10}$")
_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_MEMBER_FIELDS = ("member_id", "member_first_name", "member_last_name", "member_date_of_birth")


class InvalidSearchInput(ValueError):
    """The searchClaimInput cannot be answered; `description` goes into the 400 body."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _payer_date(value: str) -> date:
    if not _DATE.match(value):
        raise ValueError("must be a date as MM/DD/YYYY")
    try:
        return datetime.strptime(value, PAYER_DATE_FORMAT).date()
    except ValueError:
        raise ValueError("is not a calendar date") from None


class SearchClaimInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    payer_id: str = Field(alias="payerId")
    claim_number: str | None = Field(default=None, alias="claimNumber")
    patient_account_number: str | None = Field(default=None, alias="patientAccountNumber")
    member_id: str | None = Field(default=None, alias="memberId")
    member_first_name: str | None = Field(default=None, alias="memberFirstName")
    member_last_name: str | None = Field(default=None, alias="memberLastName")
    member_date_of_birth: str | None = Field(default=None, alias="memberDateOfBirth")
    member_policy: str | None = Field(default=None, alias="memberPolicy")
    service_start_date: str | None = Field(default=None, alias="serviceStartDate")
    service_end_date: str | None = Field(default=None, alias="serviceEndDate")

    @field_validator("claim_number", "payer_id", mode="after")
    @classmethod
    def _identifier(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        pattern = _CLAIM_NUMBER if info.field_name == "claim_number" else _PAYER_ID
        value = value.upper()
        if not pattern.match(value):
            raise ValueError("is not a well-formed identifier")
        return value

    @field_validator("member_date_of_birth", "service_start_date", "service_end_date", mode="after")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            _payer_date(value)
        return value

    @property
    def is_member_search(self) -> bool:
        return any(getattr(self, name) for name in _MEMBER_FIELDS)

    def asks_for(self, member: Mapping[str, object]) -> bool:
        """Does a claim's member fit every member field given (a member search)?"""

        def text(key: str) -> str:
            return str(member.get(key) or "")

        checks = []
        if self.member_first_name:
            checks.append(normalised_name(self.member_first_name) == normalised_name(text("firstName")))
        if self.member_last_name:
            checks.append(normalised_name(self.member_last_name) == normalised_name(text("lastName")))
        if self.member_date_of_birth:
            checks.append(payer_date(self.member_date_of_birth) == payer_date(text("dateOfBirth")))
        if self.member_id:
            checks.append(self.member_id in (text("memberId"), text("subscriberId")))
        return all(checks)

    def _check_member_search(self) -> None:
        if not self.is_member_search:
            return
        if not (self.service_start_date and self.service_end_date):
            raise InvalidSearchInput(
                "serviceStartDate and serviceEndDate are required for a search by member data"
            )
        start, end = _payer_date(self.service_start_date), _payer_date(self.service_end_date)
        if not 0 <= (end - start).days <= MAX_SERVICE_RANGE_DAYS:
            raise InvalidSearchInput(
                f"serviceStartDate to serviceEndDate must be a range of at most {MAX_SERVICE_RANGE_DAYS} days"
            )

    @classmethod
    def parse(cls, raw: object) -> SearchClaimInput:
        """Validate a raw searchClaimInput, or raise InvalidSearchInput with one readable sentence."""
        if not isinstance(raw, Mapping):
            raise InvalidSearchInput("variables.searchClaimInput must be an object")
        try:
            parsed = cls.model_validate({key: value for key, value in raw.items() if value is not None})
        except ValidationError as exc:
            raise InvalidSearchInput(_describe(exc)) from None
        parsed._check_member_search()
        return parsed


def _describe(exc: ValidationError) -> str:
    """One sentence per invalid field, naming the field by its API name and never echoing its value."""
    aliases = {name: field.alias or name for name, field in SearchClaimInput.model_fields.items()}
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "searchClaimInput"
        field = aliases.get(field, field)
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "string_type":
            message = "must be a string"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"searchClaimInput.{field} {message}")
    return "; ".join(parts)
