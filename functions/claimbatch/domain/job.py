"""Jobs: one input file, its state machine (docs/jobs.md) and its counters."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from claimbatch.domain.input_reader import InputLimits

from claimbatch.domain.result_row import ResultRow, RowOutcome


class JobState(StrEnum):
    RECEIVED = "RECEIVED"
    SPLITTING = "SPLITTING"
    PROCESSING = "PROCESSING"
    AGGREGATING = "AGGREGATING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})

# The forward moves of docs/jobs.md. FAILED and CANCELLED are reachable from any
# non-terminal state; a COMPLETED job may go back to PROCESSING for a retry.
ALLOWED_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.RECEIVED: frozenset({JobState.SPLITTING}),
    JobState.SPLITTING: frozenset({JobState.PROCESSING}),
    JobState.PROCESSING: frozenset({JobState.AGGREGATING}),
    JobState.AGGREGATING: frozenset({JobState.COMPLETED}),
    JobState.COMPLETED: frozenset({JobState.PROCESSING}),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


def can_transition(current: JobState, target: JobState) -> bool:
    if target in (JobState.FAILED, JobState.CANCELLED):
        return not current.is_terminal
    return target in ALLOWED_TRANSITIONS[current]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SourceObject(BaseModel):
    """Where a job's input came from. `version` is the S3 version id, or the
    event sequencer / content identity when the store is not versioned."""

    bucket: str
    key: str
    version: str
    etag: str = ""
    size: int = 0


class JobCounts(BaseModel):
    total: int | None = None  # known once the splitter has read the whole file
    done: int = 0
    succeeded: int = 0
    not_found: int = 0
    invalid: int = 0
    failed: int = 0
    cancelled: int = 0
    # Of the failed rows, those whose error was transient (API down, throttled, timed out):
    # the rows a retry looks up again.
    retryable: int = 0

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.total == 0 else 0
        return min(100, self.done * 100 // self.total)


class OutcomeTally(BaseModel):
    """Counter increments for a set of finished rows."""

    done: int = 0
    succeeded: int = 0
    not_found: int = 0
    invalid: int = 0
    failed: int = 0
    cancelled: int = 0
    retryable: int = 0  # a part of `failed`, as in JobCounts

    @classmethod
    def of(cls, results: Iterable[ResultRow]) -> OutcomeTally:
        tally = cls()
        for result in results:
            tally.add(result)
        return tally

    def add(self, result: ResultRow) -> None:
        self.done += 1
        field = result.outcome.value
        setattr(self, field, getattr(self, field) + 1)
        if result.outcome is RowOutcome.FAILED and result.retryable:
            self.retryable += 1

    def increments(self) -> dict[str, int]:
        return {name: value for name, value in self.model_dump().items() if value}


MAX_ROWS_PER_MESSAGE = 1_000  # one chunk's results fit one DynamoDB item; 1,000 valid rows fit one SQS message


class SplitPlan(BaseModel):
    """How a job's input is cut into chunks, fixed at its first split: chunk k holds
    input rows k*n+1 .. (k+1)*n (n = rows_per_message), and the file is held to
    max_rows and max_bytes. Every later pass over the input (a continuation, a
    re-drive, a retry, a cancelled job's results) follows the job's plan, not the
    settings of the day: chunk ids name row ranges, and each is counted once.
    A chunk's results are stored together, so its rows are bounded (MAX_ROWS_PER_MESSAGE)."""

    model_config = ConfigDict(frozen=True)

    rows_per_message: int = Field(ge=1, le=MAX_ROWS_PER_MESSAGE)
    max_rows: PositiveInt
    max_bytes: PositiveInt

    def chunk_of(self, row: int) -> int:
        return (row - 1) // self.rows_per_message

    def limits(self, base: InputLimits) -> InputLimits:
        """`base` (the limits that are not part of a plan) held to the plan's row and byte limits."""
        return replace(base, max_rows=self.max_rows, max_bytes=self.max_bytes)


class Job(BaseModel):
    job_id: str
    source: SourceObject
    state: JobState = JobState.RECEIVED
    counts: JobCounts = Field(default_factory=JobCounts)
    error: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime | None = None  # last state change or counted chunk: the sweeper's progress signal
    redrives: int = 0  # times the sweeper split the job again after it stalled
    split_plan: SplitPlan | None = None  # recorded at the first split
    results_key: str
    summary_key: str

    @property
    def tenant(self) -> str:
        return tenant_of(self.source.key)


def job_id_for(source: SourceObject) -> str:
    """Deterministic id: the same object version always makes the same job."""
    identity = "\x1f".join((source.bucket, source.key, source.version))
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


RESULTS_SUFFIX = ".results.csv"
SUMMARY_SUFFIX = ".summary.json"
INBOX_PREFIX = "inbox/"
RESULTS_PREFIX = "results/"


OTHER_RESULTS_SUFFIX = "-results.csv"
OTHER_SUMMARY_SUFFIX = "-summary.json"
JOB_COPIES_FOLDER = ".jobs"  # beside the results: each job's own copy of its results file


def output_keys(input_key: str) -> tuple[str, str]:
    """inbox/<path>/<name>.csv → results/<path>/<name>.results.csv and .summary.json;
    any other name (`a.CSV`, `a.txt`, `a`) → <name>-results.csv and <name>-summary.json.

    No two input keys share an output: `.results.csv` outputs come from `.csv`
    inputs only (one each), `-results.csv` outputs from the others (one each)."""
    relative = input_key[len(INBOX_PREFIX) :] if input_key.startswith(INBOX_PREFIX) else input_key
    if relative.endswith(".csv"):
        stem = relative[: -len(".csv")]
        return RESULTS_PREFIX + stem + RESULTS_SUFFIX, RESULTS_PREFIX + stem + SUMMARY_SUFFIX
    return RESULTS_PREFIX + relative + OTHER_RESULTS_SUFFIX, RESULTS_PREFIX + relative + OTHER_SUMMARY_SUFFIX


def job_results_key(job: Job) -> str:
    """The job's own copy of its results file, which later jobs of the same input name never
    replace (they replace the file at `results_key`): results/<path>/.jobs/<job_id>.results.csv."""
    folder = job.results_key.rsplit("/", 1)[0]
    return f"{folder}/{JOB_COPIES_FOLDER}/{job.job_id}{RESULTS_SUFFIX}"


DEFAULT_TENANT = "default"


def tenant_of(key: str) -> str:
    """inbox/<tenant>/… belongs to that tenant; a file straight in inbox/ to the default one."""
    parts = key[len(INBOX_PREFIX) :].split("/") if key.startswith(INBOX_PREFIX) else []
    return parts[0] if len(parts) > 1 and parts[0] else DEFAULT_TENANT


def new_job(source: SourceObject) -> Job:
    results_key, summary_key = output_keys(source.key)
    return Job(job_id=job_id_for(source), source=source, results_key=results_key, summary_key=summary_key)


__all__ = [
    "Job",
    "JobCounts",
    "JobState",
    "OutcomeTally",
    "RowOutcome",
    "SourceObject",
    "SplitPlan",
    "can_transition",
    "job_id_for",
    "job_results_key",
    "new_job",
    "output_keys",
]
