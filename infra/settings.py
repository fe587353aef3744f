"""Every size, name and limit of the AWS stack, in one place.

Two kinds of knobs:

- **CDK context** (`cdk deploy -c key=value`, or `"context"` in cdk.json): values
  that shape the template itself, such as the worker's event-source concurrency,
  which CloudFormation cannot compute from a parameter. Read once, here.
- **CloudFormation parameters** (`cdk deploy --parameters Name=value`): the
  deploy-time strings of the claims API (see `infra/parameters.py`).

Nothing here has side effects: no AWS calls, no git, no environment lookups.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

from aws_cdk import Aws, Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from infra.sftp_users import SftpUser, parse_sftp_users

SERVICE_NAME = "claimbatch"
STACK_ID = "ClaimBatch"

INBOX_PREFIX = "inbox/"  # the only prefix whose new objects start a job
RESULTS_PREFIX = "results/"  # where the aggregator writes; never triggers the splitter

PYTHON_VERSION = "3.13"
RUNTIME = lambda_.Runtime.PYTHON_3_13

# pip --platform tags per Lambda architecture. Lambda's python3.13 runs on
# Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load as well.
PIP_PLATFORMS: dict[str, tuple[str, ...]] = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
ARCHITECTURES: dict[str, lambda_.Architecture] = {
    "arm64": lambda_.Architecture.ARM_64,
    "x86_64": lambda_.Architecture.X86_64,
}

# Runtime dependencies that only the command line imports: left out of the Lambda bundle.
CLI_ONLY_DEPENDENCIES = frozenset({"typer", "rich", "starlette", "uvicorn", "asyncssh", "graphql-core"})

# Lambda's ceiling for an SQS event source's MaximumConcurrency is 1000, its floor 2.
MIN_EVENT_SOURCE_CONCURRENCY = 2
MAX_EVENT_SOURCE_CONCURRENCY = 1000

# A queue's visibility timeout is at least this many times its consumer's timeout
# (AWS guidance for SQS event sources: retries of a throttled batch stay invisible).
VISIBILITY_TIMEOUT_FACTOR = 6
MAX_FUNCTION_TIMEOUT_S = 900  # Lambda's ceiling
# Receives the dead-letter function has of a dead-lettered rows message before it
# goes on to the final dead-letter queue (see Settings.rows_queue).
DEAD_LETTER_RECEIVES = 5

# The job table's two sparse global secondary indexes (their keys and projections
# are in infra/constructs/job_table.py; the contract is
# claimbatch.adapters.aws.dynamodb_job_store). The sweeper queries the first; the
# second is the job API's (a tenant's jobs, newest first).
ACTIVE_JOBS_INDEX = "active-jobs"
TENANT_JOBS_INDEX = "tenant-jobs"
JOB_TABLE_INDEXES = (ACTIVE_JOBS_INDEX, TENANT_JOBS_INDEX)


# The job API's routes: exactly those of claimbatch.api.routes (Powertools' <job_id>
# is API Gateway's {job_id}). Every one of them sits behind the JWT authorizer.
JOB_API_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/jobs"),
    ("GET", "/jobs"),
    ("GET", "/jobs/{job_id}"),
    ("GET", "/jobs/{job_id}/results"),
    ("GET", "/jobs/{job_id}/errors"),
    ("POST", "/jobs/{job_id}/retry"),
    ("POST", "/jobs/{job_id}/cancel"),
    ("GET", "/notifications"),
    ("PUT", "/notifications"),
    ("POST", "/notifications/test"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
)
# The web page (claimbatch.web.page): public, as the page holds no data and signs in itself.
WEB_PAGE_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/"),
    ("GET", "/web/{name}"),
)
# The claim the job API reads the tenant from (claimbatch.api.identity.TENANT_CLAIM):
# the user pool's custom attribute "tenant", which Cognito puts into ID tokens.
TENANT_ATTRIBUTE = "tenant"
# API Gateway gives an integration at most 29 s (CDK's and HTTP API's limit); the function ends first, so a
# slow request is answered by our handler's error, not by a gateway timeout.
API_INTEGRATION_TIMEOUT_S = 29


class ContextReader(Protocol):
    def try_get_context(self, key: str) -> Any: ...


@dataclass(frozen=True)
class FunctionSettings:
    """One Lambda function and the SQS event source that feeds it."""

    name: str  # construct id and log-group stem, e.g. "Splitter"
    handler: str  # module path from the bundle root
    description: str
    timeout: Duration
    memory_mb: int
    # SQS-triggered functions: the event source's batch size and MaximumConcurrency.
    batch_size: int | None = None
    max_concurrency: int | None = None
    allow_recursive_loop: bool = False
    # Scheduled functions: an EventBridge rule invokes the function this often.
    schedule: Duration | None = None

    @property
    def visibility_timeout(self) -> Duration:
        return Duration.seconds(self.timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR)


@dataclass(frozen=True)
class QueueSettings:
    name: str  # construct id, e.g. "SplitQueue"
    max_receive_count: int  # receives before a message moves to the dead-letter queue
    retention_days: int = 4
    dlq_retention_days: int = 14  # the longest SQS keeps a message
    # Set when a function consumes the dead-letter queue: it then gets a redrive
    # policy of its own, into a final dead-letter queue after this many receives.
    dead_letters_max_receive_count: int | None = None

    @property
    def retention(self) -> Duration:
        return Duration.days(self.retention_days)

    @property
    def dlq_retention(self) -> Duration:
        return Duration.days(self.dlq_retention_days)


@dataclass(frozen=True)
class Settings:
    name_prefix: str = SERVICE_NAME
    architecture: str = "arm64"

    # The claims API request budget and what the worker fleet may do with it.
    api_budget_rps: float = 50.0  # requests per second the payer allows us
    api_latency_s: float = 0.5  # expected response time of one lookup
    lookup_concurrency: int = 16  # lookups in flight inside one worker invocation
    worker_max_concurrency_override: int | None = None

    # Splitting and row handling (the functions' environment).
    rows_per_message: int = 100
    max_rows_per_file: int = 1_000_000
    max_bytes_per_file: int = 1 << 30
    # The worker defers a row whose lookup failed transiently (the message comes
    # back after a growing delay) until it has been received this many times or
    # the patience has run out; then it writes the row as failed. The rows
    # queue's maxReceiveCount stays above it, so a row is failed by the worker
    # (and counted) before its message could reach the dead-letter queue.
    max_row_receives: int = 10
    row_patience_s: int = 900

    # The sweeper (and the dead-letter function, which shares its environment):
    # a job without progress for stall_after_s is re-driven, at most max_redrives
    # times, then completed with its missing rows failed and retryable.
    stall_after_s: int = 1800
    max_redrives: int = 2
    sweep_every_minutes: int = 5

    # Both indexes by default; an existing table can gain only one global secondary
    # index per deployment (CloudFormation/DynamoDB limit), see infra/README.md.
    job_table_indexes: tuple[str, ...] = JOB_TABLE_INDEXES

    # Job-end email goes through SES from this address (an SES identity you verified, see
    # infra/README.md); unset: webhooks and EventBridge only. The identity IAM allows to
    # send is this address, or the domain named by notify_email_identity.
    notify_email_from: str | None = None
    notify_email_identity: str | None = None
    notifier_memory_mb: int = 256  # HTTP posts and a few DynamoDB calls per message
    job_events_memory_mb: int = 256

    log_level: str = "INFO"
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR
    noncurrent_version_days: int = 30  # old versions of inputs and results
    incomplete_upload_days: int = 7  # multipart uploads never completed
    access_log_days: int = 365

    skip_dependency_install: bool = False  # tests only: bundle our code without pip

    # SFTP feeds (AWS Transfer Family): off unless asked for, it costs money every hour (infra/README.md).
    sftp: bool = False
    sftp_users: tuple[SftpUser, ...] = ()

    splitter_memory_mb: int = 1769  # one full vCPU for CSV decoding
    worker_memory_mb: int = 512  # I/O bound: HTTP lookups and DynamoDB writes
    aggregator_memory_mb: int = 1024
    dead_letter_memory_mb: int = 256  # a few DynamoDB calls per chunk
    sweeper_memory_mb: int = 256  # one index query and a few updates per stalled job
    # A retry reads the whole input again (CSV decoding): more memory is more CPU.
    job_api_memory_mb: int = 1024

    # The job API (JobApiEnv and the HTTP API in front of it).
    max_upload_bytes: int = 1 << 30  # the presigned POST's content-length-range; = max_bytes_per_file
    upload_url_expires_s: int = 900
    download_url_expires_s: int = 300
    # The stage's default route throttle (token bucket): requests per second and burst.
    api_rate_limit_rps: float = 20.0
    api_burst_limit: int = 40
    # Cognito tokens: ID/access tokens an hour, refresh tokens a working week and a half.
    token_validity_minutes: int = 60
    refresh_token_validity_days: int = 10

    def __post_init__(self) -> None:
        problems = []
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,17}", self.name_prefix):
            problems.append(
                f"name_prefix {self.name_prefix!r}: 2-18 lowercase letters, digits or '-', starting with a letter "
                "(it becomes part of an S3 bucket name)"
            )
        if self.architecture not in ARCHITECTURES:
            problems.append(f"architecture {self.architecture!r}: one of {', '.join(ARCHITECTURES)}")
        if self.api_budget_rps <= 0 or self.api_latency_s <= 0 or self.lookup_concurrency <= 0:
            problems.append("api_budget_rps, api_latency_s and lookup_concurrency must be positive")
        override = self.worker_max_concurrency_override
        if override is not None and not MIN_EVENT_SOURCE_CONCURRENCY <= override <= MAX_EVENT_SOURCE_CONCURRENCY:
            problems.append(
                f"worker_max_concurrency {override}: between {MIN_EVENT_SOURCE_CONCURRENCY} "
                f"and {MAX_EVENT_SOURCE_CONCURRENCY}"
            )
        if self.rows_queue.max_receive_count <= self.max_row_receives:
            problems.append("the rows queue's maxReceiveCount must exceed max_row_receives")
        # A job riding out an API outage is waiting, not stuck: its longest silence is
        # a row's patience plus one visibility timeout of a lost worker invocation.
        quiet_s = self.row_patience_s + self.worker.visibility_timeout.to_seconds()
        if self.stall_after_s <= quiet_s:
            problems.append(
                f"stall_after_s {self.stall_after_s}: more than row_patience_s plus the rows queue's "
                f"visibility timeout ({quiet_s:g} s)"
            )
        if self.max_redrives < 1:
            problems.append("max_redrives must be at least 1")
        if not 2 <= self.sweep_every_minutes <= 60:
            problems.append(f"sweep_every_minutes {self.sweep_every_minutes}: between 2 and 60")
        unknown = sorted(set(self.job_table_indexes) - set(JOB_TABLE_INDEXES))
        if unknown or ACTIVE_JOBS_INDEX not in self.job_table_indexes:
            problems.append(
                f"job_table_indexes {','.join(self.job_table_indexes)!r}: a subset of {', '.join(JOB_TABLE_INDEXES)} "
                f"that includes {ACTIVE_JOBS_INDEX} (the sweeper queries it)"
            )
        if self.max_upload_bytes > self.max_bytes_per_file:
            problems.append(
                f"max_upload_bytes {self.max_upload_bytes}: at most max_bytes_per_file ({self.max_bytes_per_file}), "
                "or an accepted upload would be refused by the splitter"
            )
        if self.api_rate_limit_rps <= 0 or self.api_burst_limit < 1:
            problems.append("api_rate_limit_rps must be positive and api_burst_limit at least 1")
        if problems:
            raise ValueError("invalid claimbatch settings: " + "; ".join(problems))

    # -- derived ---------------------------------------------------------------

    @property
    def lambda_architecture(self) -> lambda_.Architecture:
        return ARCHITECTURES[self.architecture]

    @property
    def pip_platforms(self) -> tuple[str, ...]:
        return PIP_PLATFORMS[self.architecture]

    @property
    def worker_max_concurrency(self) -> int:
        """Concurrent worker invocations the API budget allows (Little's law).

        Requests in flight = budget (req/s) x latency (s); each worker holds
        `lookup_concurrency` of them, so workers = in flight / lookups per worker.
        """
        if self.worker_max_concurrency_override is not None:
            return self.worker_max_concurrency_override
        in_flight = self.api_budget_rps * self.api_latency_s
        workers = math.ceil(in_flight / self.lookup_concurrency)
        return max(MIN_EVENT_SOURCE_CONCURRENCY, min(MAX_EVENT_SOURCE_CONCURRENCY, workers))

    @property
    def api_rps_per_worker(self) -> float:
        """Each worker's share of the request budget, so that all of them together keep to it."""
        return self.api_budget_rps / self.worker_max_concurrency

    @property
    def ingest_bucket_name(self) -> str:
        """Known before the bucket exists, so the split queue's policy can name it
        without a reference cycle (see IngestBucket). Tokens resolve at deploy."""
        return f"{self.name_prefix}-ingest-{Aws.ACCOUNT_ID}-{Aws.REGION}"

    @property
    def splitter(self) -> FunctionSettings:
        return FunctionSettings(
            name="Splitter",
            handler="claimbatch.handlers.splitter.handler",
            description="Reads a CSV from inbox/ and hands its rows to the rows queue in chunks",
            timeout=Duration.seconds(900),
            memory_mb=self.splitter_memory_mb,
            batch_size=1,  # one file per invocation: the whole time budget goes to it
            max_concurrency=5,
            # A file too large for one invocation continues through the split queue,
            # which Lambda's recursive-loop detection would stop after 16 rounds.
            # Each continuation carries a cursor that only moves forward.
            allow_recursive_loop=True,
        )

    @property
    def worker(self) -> FunctionSettings:
        return FunctionSettings(
            name="Worker",
            handler="claimbatch.handlers.worker.handler",
            description="Looks each row of a chunk up in the claims API and records the results",
            timeout=Duration.seconds(120),
            memory_mb=self.worker_memory_mb,
            batch_size=5,  # 5 chunks x rows_per_message rows per invocation
            max_concurrency=self.worker_max_concurrency,
        )

    @property
    def aggregator(self) -> FunctionSettings:
        return FunctionSettings(
            name="Aggregator",
            handler="claimbatch.handlers.aggregator.handler",
            description="Writes results/...results.csv and .summary.json for a finished job",
            timeout=Duration.seconds(900),
            memory_mb=self.aggregator_memory_mb,
            batch_size=1,
            max_concurrency=2,
        )

    @property
    def dead_letters(self) -> FunctionSettings:
        return FunctionSettings(
            name="DeadLetters",
            handler="claimbatch.handlers.dead_letters.handler",
            description="Writes the rows of dead-lettered chunks as failed and retryable, so their jobs complete",
            timeout=Duration.seconds(60),
            memory_mb=self.dead_letter_memory_mb,
            batch_size=10,  # ten chunks per invocation
            max_concurrency=MIN_EVENT_SOURCE_CONCURRENCY,  # dead letters are rare
        )

    @property
    def sweep_period(self) -> Duration:
        return Duration.minutes(self.sweep_every_minutes)

    @property
    def sweeper(self) -> FunctionSettings:
        return FunctionSettings(
            name="Sweeper",
            handler="claimbatch.handlers.sweeper.handler",
            description="Re-drives stalled jobs and completes hopeless ones, on a schedule",
            # Shorter than the period, so one scheduled sweep ends before the next starts
            # (4 minutes for the default 5), and within Lambda's 15.
            timeout=Duration.seconds(min(MAX_FUNCTION_TIMEOUT_S, self.sweep_period.to_seconds() - 60)),
            memory_mb=self.sweeper_memory_mb,
            schedule=self.sweep_period,
        )

    @property
    def job_api(self) -> FunctionSettings:
        return FunctionSettings(
            name="JobApi",
            handler="claimbatch.handlers.job_api.handler",
            description="The job API behind API Gateway: upload forms, jobs, results, retry, cancel",
            # Below the gateway's integration timeout, so the function answers first.
            timeout=Duration.seconds(API_INTEGRATION_TIMEOUT_S - 1),
            memory_mb=self.job_api_memory_mb,
        )

    @property
    def sftp_log_group_name(self) -> str:
        """The SFTP server's structured logs, under the prefix the key lets CloudWatch Logs use."""
        return f"/{self.name_prefix}/sftp"

    @property
    def notifier(self) -> FunctionSettings:
        return FunctionSettings(
            name="Notifier",
            handler="claimbatch.handlers.notifier.handler",
            description="Tells each tenant's webhooks and emails that a job ended; retries by visibility delays",
            # Up to 20 channels of one message in turn, each webhook given 10 s.
            timeout=Duration.seconds(300),
            memory_mb=self.notifier_memory_mb,
            batch_size=5,
            max_concurrency=MIN_EVENT_SOURCE_CONCURRENCY,
        )

    @property
    def job_events(self) -> FunctionSettings:
        return FunctionSettings(
            name="JobEvents",
            handler="claimbatch.handlers.job_state_events.handler",
            description="Publishes every job state change from the job table's stream to the stack's event bus",
            timeout=Duration.seconds(60),
            memory_mb=self.job_events_memory_mb,
            batch_size=100,
        )

    @property
    def notify_queue(self) -> QueueSettings:
        # One message per job end; it comes back once per due retry of each of its
        # channels (8 attempts each, up to 20 channels), so its receive limit is high.
        # A message that keeps failing (30 min visibility) reaches the dead-letter queue after
        # 100 hours, so it is kept 14 days (SQS's longest), not the other queues' 4.
        return QueueSettings(name="NotifyQueue", max_receive_count=200, retention_days=14)

    @property
    def notify_email_identity_name(self) -> str | None:
        return self.notify_email_identity or self.notify_email_from

    @property
    def access_log_group_name(self) -> str:
        """The HTTP API's access logs, under the prefix the key lets CloudWatch Logs use."""
        return f"/{self.name_prefix}/api/access"

    @property
    def split_queue(self) -> QueueSettings:
        return QueueSettings(name="SplitQueue", max_receive_count=5)

    @property
    def rows_queue(self) -> QueueSettings:
        receives = self.max_row_receives + 2
        # Its dead letters are consumed by the dead-letter function (settings.dead_letters).
        # A dead-lettered message keeps the receive count (ApproximateReceiveCount) it
        # brings from this queue, and that may count against the dead-letter queue's
        # own limit: the limit starts from this queue's, so the function gets at least
        # DEAD_LETTER_RECEIVES receives of every message either way.
        return QueueSettings(
            name="RowsQueue",
            max_receive_count=receives,
            dead_letters_max_receive_count=receives + DEAD_LETTER_RECEIVES,
        )

    @property
    def aggregate_queue(self) -> QueueSettings:
        return QueueSettings(name="AggregateQueue", max_receive_count=5)

    # -- from CDK context ---------------------------------------------------------

    @classmethod
    def from_context(cls, node: ContextReader) -> Settings:
        """Context values arrive as strings from `-c key=value`, as JSON values from cdk.json."""
        read = _ContextValues(node)
        values: dict[str, Any] = {
            "name_prefix": read.text("name_prefix"),
            "architecture": read.text("architecture"),
            "api_budget_rps": read.number("api_budget_rps"),
            "api_latency_s": read.number("api_latency_s"),
            "lookup_concurrency": read.integer("lookup_concurrency"),
            "worker_max_concurrency_override": read.integer("worker_max_concurrency"),
            "skip_dependency_install": read.flag("skip_dependency_install"),
            "job_table_indexes": read.names("job_table_indexes"),
            "notify_email_from": read.text("notify_email_from"),
            "notify_email_identity": read.text("notify_email_identity"),
            "sftp": read.flag("sftp"),
            "sftp_users": parse_sftp_users(node.try_get_context("sftp_users")),
        }
        return cls(**{key: value for key, value in values.items() if value is not None})


class _ContextValues:
    def __init__(self, node: ContextReader) -> None:
        self._node = node

    def _raw(self, key: str) -> Any:
        return self._node.try_get_context(key)

    def text(self, key: str) -> str | None:
        value = self._raw(key)
        return None if value is None else str(value)

    def number(self, key: str) -> float | None:
        value = self._raw(key)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"context {key}={value!r} is not a number") from None

    def integer(self, key: str) -> int | None:
        value = self.number(key)
        if value is None:
            return None
        if value != int(value):
            raise ValueError(f"context {key}={value!r} is not a whole number")
        return int(value)

    def names(self, key: str) -> tuple[str, ...] | None:
        """A comma-separated list (`-c key=a,b`) or a JSON list (cdk.json)."""
        value = self._raw(key)
        if value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())

    def flag(self, key: str) -> bool | None:
        value = self._raw(key)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes"}:
            return True
        if text in {"false", "0", "no", ""}:
            return False
        raise ValueError(f"context {key}={value!r} is not true or false")
