"""The Lambda functions' environment, one pydantic model per function, read once at cold start.

Names here are the contract with the CDK stack (infra/), which sets exactly these.
No PHI and no secret ever sits in an environment variable: the claims API
credentials are read from Secrets Manager by ARN.
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, PositiveInt

from claimbatch import defaults
from claimbatch.claims.settings import DEFAULT_MAX_ANSWER_BYTES, DEFAULT_REQUEST_DEADLINE_S, DEFAULT_REQUEST_TIMEOUT_S
from claimbatch.handlers.per_environment import once_per_environment


class _EnvModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @classmethod
    def from_environ(cls) -> Self:
        return cls.model_validate(dict(os.environ))


class TableEnv(_EnvModel):
    table_name: str = Field(alias="TABLE_NAME")


class RowsQueueEnv(_EnvModel):
    rows_queue_url: str = Field(alias="ROWS_QUEUE_URL")


class AggregateQueueEnv(_EnvModel):
    aggregate_queue_url: str = Field(alias="AGGREGATE_QUEUE_URL")


class SplitQueueEnv(_EnvModel):
    split_queue_url: str = Field(alias="SPLIT_QUEUE_URL")


class ClaimsApiEnv(_EnvModel):
    claims_api_base_url: str = Field(alias="CLAIMS_API_BASE_URL")
    claims_api_secret_arn: str = Field(alias="CLAIMS_API_SECRET_ARN")
    claims_provider_tin: str = Field(alias="CLAIMS_PROVIDER_TIN")
    claims_payer_id: str = Field(default=defaults.CLAIMS_PAYER_ID, alias="CLAIMS_PAYER_ID")
    # The `environment` header of every inquiry; empty: not sent.
    claims_api_environment: str = Field(default="", alias="CLAIMS_API_ENVIRONMENT")
    claims_api_request_timeout_s: PositiveFloat = Field(default=DEFAULT_REQUEST_TIMEOUT_S, alias="CLAIMS_API_REQUEST_TIMEOUT_S")
    claims_api_request_deadline_s: PositiveFloat = Field(
        default=DEFAULT_REQUEST_DEADLINE_S, alias="CLAIMS_API_REQUEST_DEADLINE_S"
    )
    claims_api_max_answer_bytes: PositiveInt = Field(default=DEFAULT_MAX_ANSWER_BYTES, alias="CLAIMS_API_MAX_ANSWER_BYTES")
    lookup_concurrency: PositiveInt = Field(default=defaults.LOOKUP_CONCURRENCY, alias="LOOKUP_CONCURRENCY")
    # The payer's latency as the deployer states it: where the in-flight sizing starts before answers come.
    claims_api_latency_s: PositiveFloat = Field(default=defaults.CLAIMS_API_LATENCY_S, alias="CLAIMS_API_LATENCY_S")
    # In-client retries stay short in Lambda: past them a row goes back to the queue.
    lookup_max_attempts: PositiveInt = Field(default=defaults.LOOKUP_MAX_ATTEMPTS, alias="LOOKUP_MAX_ATTEMPTS")
    lookup_base_delay_s: PositiveFloat = Field(default=defaults.LOOKUP_BASE_DELAY_S, alias="LOOKUP_BASE_DELAY_S")
    lookup_max_elapsed_s: PositiveFloat = Field(default=defaults.LOOKUP_MAX_ELAPSED_S, alias="LOOKUP_MAX_ELAPSED_S")
    # This worker's share of the API's request budget (requests per second); unset: no pacing.
    api_rps_per_worker: PositiveFloat | None = Field(default=None, alias="API_RPS_PER_WORKER")


class FileLimitsEnv(_EnvModel):
    """The limits of one input file; the splitter's, read again where a file is re-read."""

    max_rows: PositiveInt = Field(default=defaults.MAX_ROWS_PER_FILE, alias="MAX_ROWS_PER_FILE")
    max_bytes: PositiveInt = Field(default=defaults.MAX_BYTES_PER_FILE, alias="MAX_BYTES_PER_FILE")


class SplitterEnv(TableEnv, RowsQueueEnv, SplitQueueEnv, AggregateQueueEnv, FileLimitsEnv):
    """S3 events arrive on the split queue; rows leave on the rows queue."""

    rows_per_message: PositiveInt = Field(default=defaults.ROWS_PER_MESSAGE, alias="ROWS_PER_MESSAGE")


class WorkerEnv(TableEnv, RowsQueueEnv, AggregateQueueEnv, ClaimsApiEnv):
    # A row whose lookup failed transiently goes back to the queue (with growing
    # visibility delays) until the message has been received this many times or
    # the patience has run out; then it is written as failed and retryable.
    max_row_receives: PositiveInt = Field(default=defaults.MAX_ROW_RECEIVES, alias="MAX_ROW_RECEIVES")
    row_patience_s: PositiveFloat = Field(default=defaults.ROW_PATIENCE_S, alias="ROW_PATIENCE_S")
    redelivery_base_s: NonNegativeFloat = Field(default=defaults.REDELIVERY_BASE_S, alias="REDELIVERY_BASE_S")
    max_redelivery_delay_s: NonNegativeFloat = Field(
        default=defaults.MAX_REDELIVERY_DELAY_S, alias="MAX_REDELIVERY_DELAY_S"
    )
    # The worker stops waiting for lookups this long before Lambda would time it out,
    # to store the rows answered so far and hand the rest back to the queue.
    deadline_margin_s: NonNegativeFloat = Field(default=defaults.WORKER_DEADLINE_MARGIN_S, alias="WORKER_DEADLINE_MARGIN_S")


class EmailSenderEnv(_EnvModel):
    # The SES identity job-end email is sent from; unset: no email (PUT /notifications refuses addresses).
    email_sender: str | None = Field(default=None, alias="NOTIFY_EMAIL_SENDER")


class JobEndOutboxEnv(_EnvModel):
    """Where a job's end is handed to the notifier; unset: no notifications."""

    notify_queue_url: str | None = Field(default=None, alias="NOTIFY_QUEUE_URL")


class NotifierEnv(TableEnv, EmailSenderEnv):
    notify_queue_url: str = Field(alias="NOTIFY_QUEUE_URL")  # its own queue: retries are visibility delays
    job_api_url: str | None = Field(default=None, alias="JOB_API_URL")  # the links in each message


class JobEventsEnv(_EnvModel):
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")


class AggregatorEnv(TableEnv, FileLimitsEnv, JobEndOutboxEnv):
    """FileLimitsEnv: a cancelled job's input is read again for its results file;
    JobEndOutboxEnv: each job's end goes on to the notifier."""


class JobApiEnv(TableEnv, RowsQueueEnv, AggregateQueueEnv, FileLimitsEnv, EmailSenderEnv):
    """The job API behind API Gateway: uploads into the ingest bucket, jobs from the table;
    a retry sends chunks on the rows queue, a cancel asks for the aggregation."""

    ingest_bucket: str = Field(alias="INGEST_BUCKET")
    kms_key_id: str = Field(alias="KMS_KEY_ID")  # uploads must be encrypted with it (SSE-KMS)
    # The splitter's: a retry re-sends chunks by their row ranges.
    rows_per_message: PositiveInt = Field(default=defaults.ROWS_PER_MESSAGE, alias="ROWS_PER_MESSAGE")
    max_upload_bytes: PositiveInt = Field(default=defaults.MAX_UPLOAD_BYTES, alias="MAX_UPLOAD_BYTES")
    upload_url_expires_s: PositiveInt = Field(default=defaults.UPLOAD_URL_EXPIRES_S, alias="UPLOAD_URL_EXPIRES_S")
    download_url_expires_s: PositiveInt = Field(
        default=defaults.DOWNLOAD_URL_EXPIRES_S, alias="DOWNLOAD_URL_EXPIRES_S"
    )
    # The web page's sign-in: Cognito's hosted sign-in (https://….amazoncognito.com) and the
    # page's app client. Without them the page is not served (the API works as before).
    sign_in_domain: str | None = Field(default=None, alias="SIGN_IN_DOMAIN", pattern=r"^https://[A-Za-z0-9.-]+$")
    sign_in_client_id: str | None = Field(default=None, alias="SIGN_IN_CLIENT_ID")


class SignalsEnv(TableEnv, SplitQueueEnv, AggregateQueueEnv):
    """The dead-letter and sweeper functions: they only re-drive and signal."""

    stall_after_s: PositiveFloat = Field(default=defaults.STALL_AFTER_S, alias="STALL_AFTER_S")
    max_redrives: PositiveInt = Field(default=defaults.MAX_REDRIVES, alias="MAX_REDRIVES")


@once_per_environment
def splitter_env() -> SplitterEnv:
    return SplitterEnv.from_environ()


@once_per_environment
def worker_env() -> WorkerEnv:
    return WorkerEnv.from_environ()


@once_per_environment
def aggregator_env() -> AggregatorEnv:
    return AggregatorEnv.from_environ()


@once_per_environment
def job_api_env() -> JobApiEnv:
    return JobApiEnv.from_environ()


@once_per_environment
def signals_env() -> SignalsEnv:
    return SignalsEnv.from_environ()


@once_per_environment
def notifier_env() -> NotifierEnv:
    return NotifierEnv.from_environ()


@once_per_environment
def email_sender_env() -> EmailSenderEnv:
    return EmailSenderEnv.from_environ()


@once_per_environment
def job_end_outbox_env() -> JobEndOutboxEnv:
    return JobEndOutboxEnv.from_environ()


@once_per_environment
def job_events_env() -> JobEventsEnv:
    return JobEventsEnv.from_environ()

