"""Request and response bodies of the job API, declared once: they validate what
comes in, shape what goes out, and are the OpenAPI schema."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from claimbatch.domain.job import JobState

MAX_FILENAME_CHARS = 200
_PARTIAL_SUFFIXES = (".tmp", ".part", ".filepart", ".partial", "~")
# A file name travels in S3 keys, URLs, download headers and local paths: plain ASCII
# letters, digits, spaces and a few marks, starting with a letter, digit or '_'.
_NAME_CHARS = r"A-Za-z0-9 _.,()+=@&#'-"
_NAME = re.compile(rf"[A-Za-z0-9_](?:[{_NAME_CHARS}]*[A-Za-z0-9_.,()+=@&#'-])?")
# The rules of `CreateJobRequest._plain_file_name`, for the OpenAPI document (clients, schemathesis).
FILENAME_PATTERN = (
    r"^(?!.*\.(?:[Tt][Mm][Pp]|[Pp][Aa][Rr][Tt]|[Ff][Ii][Ll][Ee][Pp][Aa][Rr][Tt]|[Pp][Aa][Rr][Tt][Ii][Aa][Ll])$)"
    + _NAME.pattern
    + "$"
)


class ApiJobState(StrEnum):
    """A job's state (docs/jobs.md), and before it exists, its upload's."""

    AWAITING_UPLOAD = "AWAITING_UPLOAD"  # POST /jobs answered; the file has not become a job yet
    UPLOAD_EXPIRED = "UPLOAD_EXPIRED"  # the upload form expired and no file came: final
    RECEIVED = JobState.RECEIVED.value
    SPLITTING = JobState.SPLITTING.value
    PROCESSING = JobState.PROCESSING.value
    AGGREGATING = JobState.AGGREGATING.value
    COMPLETED = JobState.COMPLETED.value
    FAILED = JobState.FAILED.value
    CANCELLED = JobState.CANCELLED.value


class CreateJobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_FILENAME_CHARS,
            description="The file's name, as it appears under results/ (e.g. `claims.csv`): ASCII letters, digits, "
            "spaces and . _ - ( ) , + = @ & # ' (no folders); not a name the inbox skips (.tmp, .part, …).",
            examples=["claims.csv"],
            json_schema_extra={"pattern": FILENAME_PATTERN},
        ),
    ]

    @field_validator("filename")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        if "/" in name or "\\" in name:
            raise ValueError("a file name must not contain '/' or '\\' (no folders)")
        if name.startswith("."):
            raise ValueError("a file name must not start with '.' (such files are not jobs)")
        if name.lower().endswith(_PARTIAL_SUFFIXES):
            raise ValueError(
                "a file name must not end in .tmp, .part, .filepart, .partial or ~ (such files are not jobs)"
            )
        if _NAME.fullmatch(name) is None:
            raise ValueError(
                "a file name holds ASCII letters, digits, spaces and . _ - ( ) , + = @ & # ' only,"
                " and starts with a letter, a digit or '_'"
            )
        return name


class UploadForm(BaseModel):
    url: str = Field(description="POST a multipart/form-data form here")
    fields: dict[str, str] = Field(description="Form fields to send as they are, before the file")
    file_field: str = Field(default="file", description="The form field of the file; it must come last")
    max_bytes: int = Field(description="The largest file the form accepts")
    expires_at: datetime


class CreateJobResponse(BaseModel):
    job_id: str = Field(
        description="Use it on every /jobs/{job_id} route. Until the file has arrived it names the upload; "
        "GET /jobs/{job_id} then also gives the job's own id."
    )
    upload: UploadForm


class JobCountsView(BaseModel):
    total: int | None = Field(description="Data rows in the file; null until the file has been read through")
    done: int
    succeeded: int
    not_found: int
    invalid: int
    failed: int
    cancelled: int
    retryable: int = Field(
        description="Of the failed rows, those that failed with a transient error (claims API unavailable, "
        "throttled, timed out): the rows POST /jobs/{job_id}/retry looks up again"
    )


class JobView(BaseModel):
    job_id: str
    upload_id: str | None = Field(default=None, description="The id POST /jobs returned, for a file uploaded that way")
    filename: str
    state: ApiJobState
    counts: JobCountsView
    progress: int = Field(ge=0, le=100, description="Rows done, in percent of the total")
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = Field(default=None, description="Why the job failed (a file-level error)")
    results: str | None = Field(
        default=None,
        description="Path of the results download (GET it: 302 to the file) once the file is written: when the "
        "job is COMPLETED, and a moment after it is CANCELLED",
    )
    errors: str | None = Field(default=None, description="Path of the failed rows as CSV, once there is a file")


class JobList(BaseModel):
    jobs: list[JobView]
    next: str | None = Field(description="Pass as `next` for the following page; null on the last page")


class RetryView(BaseModel):
    job_id: str
    state: ApiJobState
    rows: int = Field(description="Rows that run again (0: no row failed with a retryable error)")


class ErrorDetail(BaseModel):
    location: str = Field(description="Where the problem is, e.g. `body.filename` or `query.limit`")
    problem: str


class ApiError(BaseModel):
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
