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

from dataclasses import dataclass

from aws_cdk import Aws
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from claimbatch import defaults
from claimbatch.claims.settings import DEFAULT_MAX_ANSWER_BYTES, DEFAULT_REQUEST_DEADLINE_S, DEFAULT_REQUEST_TIMEOUT_S
from infra.api_throttling import ApiThrottling
from infra.function_sizing import FunctionSettings, QueueSettings, StageSizing
from infra.settings_checks import settings_problems
from infra.settings_context import ContextReader, settings_values
from infra.sftp_users import SftpUser

# The stack's fixed names and limits, imported from here by the constructs as well.
from infra.stack_constants import (
    ACTIVE_JOBS_INDEX,
    API_INTEGRATION_TIMEOUT_S,
    ARCHITECTURES,
    CLI_ONLY_DEPENDENCIES,
    DEAD_LETTER_RECEIVES,
    INBOX_PREFIX,
    JOB_API_ROUTES,
    JOB_TABLE_INDEXES,
    MAX_EVENT_SOURCE_CONCURRENCY,
    MAX_FUNCTION_TIMEOUT_S,
    MIN_EVENT_SOURCE_CONCURRENCY,
    PIP_PLATFORMS,
    PYTHON_VERSION,
    RESULTS_PREFIX,
    RUNTIME,
    SERVICE_NAME,
    STACK_ID,
    TENANT_ATTRIBUTE,
    TENANT_JOBS_INDEX,
    VISIBILITY_TIMEOUT_FACTOR,
    WEB_PAGE_ROUTES,
)

__all__ = [
    "ContextReader",
    "FunctionSettings",
    "QueueSettings",
    "Settings",
    "ACTIVE_JOBS_INDEX",
    "API_INTEGRATION_TIMEOUT_S",
    "ARCHITECTURES",
    "CLI_ONLY_DEPENDENCIES",
    "DEAD_LETTER_RECEIVES",
    "INBOX_PREFIX",
    "JOB_API_ROUTES",
    "JOB_TABLE_INDEXES",
    "MAX_EVENT_SOURCE_CONCURRENCY",
    "MAX_FUNCTION_TIMEOUT_S",
    "MIN_EVENT_SOURCE_CONCURRENCY",
    "PIP_PLATFORMS",
    "PYTHON_VERSION",
    "RESULTS_PREFIX",
    "RUNTIME",
    "SERVICE_NAME",
    "STACK_ID",
    "TENANT_ATTRIBUTE",
    "TENANT_JOBS_INDEX",
    "VISIBILITY_TIMEOUT_FACTOR",
    "WEB_PAGE_ROUTES",
]


@dataclass(frozen=True)
class Settings(StageSizing, ApiThrottling):
    """Every knob of the stack, with its default; the derived sizes are in
    function_sizing.py and api_throttling.py, the rules in settings_checks.py."""

    name_prefix: str = SERVICE_NAME
    architecture: str = "arm64"

    # The claims API request budget and what the worker fleet may do with it.
    api_budget_rps: float = 50.0  # requests per second the payer allows us
    api_latency_s: float = defaults.CLAIMS_API_LATENCY_S  # the payer's mean response time of one lookup, as the deployer expects it
    lookup_concurrency: int = defaults.LOOKUP_CONCURRENCY  # the most lookups in flight inside one worker invocation
    worker_max_concurrency_override: int | None = None
    # One lookup's in-client retries (short: past them the row's chunk waits on the queue).
    lookup_max_attempts: int = defaults.LOOKUP_MAX_ATTEMPTS
    lookup_base_delay_s: float = defaults.LOOKUP_BASE_DELAY_S
    lookup_max_elapsed_s: float = defaults.LOOKUP_MAX_ELAPSED_S
    # The claims client's limits on one request (the client's own defaults).
    claims_api_request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    claims_api_request_deadline_s: float = DEFAULT_REQUEST_DEADLINE_S
    claims_api_max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES

    # Splitting and row handling (the functions' environment).
    rows_per_message: int = defaults.ROWS_PER_MESSAGE
    max_rows_per_file: int = defaults.MAX_ROWS_PER_FILE
    max_bytes_per_file: int = defaults.MAX_BYTES_PER_FILE
    # The worker defers a row whose lookup failed transiently (the message comes
    # back after a growing, jittered delay: base * 2**receives, at most the cap)
    # until it has been received this many times or the patience has run out;
    # then it writes the row as failed. The rows queue's maxReceiveCount stays
    # above it, so a row is failed by the worker (and counted) before its message
    # could reach the dead-letter queue.
    max_row_receives: int = defaults.MAX_ROW_RECEIVES
    row_patience_s: int = defaults.ROW_PATIENCE_S
    redelivery_base_s: float = defaults.REDELIVERY_BASE_S
    max_redelivery_delay_s: float = defaults.MAX_REDELIVERY_DELAY_S
    # The worker stops waiting for lookups this long before its timeout, stores the rows
    # answered so far and hands the chunk back for the rest (at once: nothing failed).
    worker_deadline_margin_s: float = defaults.WORKER_DEADLINE_MARGIN_S

    # The sweeper (and the dead-letter function, which shares its environment):
    # a job without progress for stall_after_s is re-driven, at most max_redrives
    # times, then completed with its missing rows failed and retryable.
    stall_after_s: int = defaults.STALL_AFTER_S
    max_redrives: int = defaults.MAX_REDRIVES
    sweep_every_minutes: int = defaults.SWEEP_EVERY_MINUTES

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
    max_upload_bytes: int = defaults.MAX_UPLOAD_BYTES  # the presigned POST's content-length-range
    upload_url_expires_s: int = defaults.UPLOAD_URL_EXPIRES_S
    download_url_expires_s: int = defaults.DOWNLOAD_URL_EXPIRES_S
    # The stage's default route throttle (token bucket): requests per second and burst.
    api_rate_limit_rps: float = 20.0
    api_burst_limit: int = 40
    # Cognito tokens: ID/access tokens an hour, refresh tokens a working week and a half.
    token_validity_minutes: int = 60
    refresh_token_validity_days: int = 10

    def __post_init__(self) -> None:
        problems = settings_problems(self)
        if problems:
            raise ValueError("invalid claimbatch settings: " + "; ".join(problems))

    @property
    def lambda_architecture(self) -> lambda_.Architecture:
        return ARCHITECTURES[self.architecture]

    @property
    def pip_platforms(self) -> tuple[str, ...]:
        return PIP_PLATFORMS[self.architecture]

    @property
    def ingest_bucket_name(self) -> str:
        """Known before the bucket exists, so the split queue's policy can name it
        without a reference cycle (see IngestBucket). Tokens resolve at deploy."""
        return f"{self.name_prefix}-ingest-{Aws.ACCOUNT_ID}-{Aws.REGION}"

    @property
    def sftp_log_group_name(self) -> str:
        """The SFTP server's structured logs, under the prefix the key lets CloudWatch Logs use."""
        return f"/{self.name_prefix}/sftp"

    @property
    def notify_email_identity_name(self) -> str | None:
        return self.notify_email_identity or self.notify_email_from

    @property
    def access_log_group_name(self) -> str:
        """The HTTP API's access logs, under the prefix the key lets CloudWatch Logs use."""
        return f"/{self.name_prefix}/api/access"

    @classmethod
    def from_context(cls, node: ContextReader) -> Settings:
        return cls(**settings_values(node))
