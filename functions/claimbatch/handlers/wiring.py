"""Composition root of the Lambda functions: ports wired to AWS adapters from
the environment, built on first use and kept for the execution environment's
life (tests call `reset()` between cases)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from botocore.config import Config

from claimbatch.adapters.aws.boto_clients import aws_client
from claimbatch.adapters.aws.claims_credentials import client_credentials
from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.adapters.aws.powertools_metrics import PowertoolsPipelineMetrics
from claimbatch.adapters.aws.s3_file_links import S3FileLinks
from claimbatch.adapters.aws.s3_object_store import S3ObjectStore
from claimbatch.adapters.aws.sqs_queues import SqsDeferral, SqsRowQueue, SqsSender, SqsStageSignals
from claimbatch.api.dependencies import JobApiDeps, JobApiSettings
from claimbatch.api.routes import build_job_api
from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.input_reader import InputLimits
from claimbatch.handlers import env_vars, notification_wiring
from claimbatch.handlers.per_environment import forget_all, forget_also, once_per_environment
from claimbatch.logic.aggregate_results import AggregateDeps
from claimbatch.logic.process_chunk import WorkerDeps
from claimbatch.logic.redelivery import RedeliveryPolicy
from claimbatch.logic.split_file import SplitDeps, SplitSettings
from claimbatch.logic.sweep_jobs import SweepSettings
from claimbatch.observability import TracedLookups
from claimbatch.web.page import SignIn, install_web_page


forget_also(aws_client)  # the adapters' boto3 clients, cached in adapters/aws/boto_clients.py


@once_per_environment
def _sender() -> SqsSender:
    return SqsSender(aws_client("sqs"))


@once_per_environment
def job_store(table_name: str) -> DynamoJobStore:
    return DynamoJobStore(table_name, aws_client("dynamodb"))


@once_per_environment
def splitter_deps() -> SplitDeps:
    env = env_vars.splitter_env()
    return SplitDeps(
        store=job_store(env.table_name),
        objects=S3ObjectStore(aws_client("s3")),
        rows=SqsRowQueue(_sender(), env.rows_queue_url),
        signals=SqsStageSignals(_sender(), env.aggregate_queue_url, env.split_queue_url),
        settings=SplitSettings(
            rows_per_message=env.rows_per_message,
            limits=InputLimits(max_rows=env.max_rows, max_bytes=env.max_bytes),
        ),
    )


@once_per_environment
def aggregator_deps() -> AggregateDeps:
    env = env_vars.aggregator_env()
    return AggregateDeps(
        store=job_store(env.table_name),
        objects=S3ObjectStore(aws_client("s3")),
        limits=InputLimits(max_rows=env.max_rows, max_bytes=env.max_bytes),
    )


def _presigning_s3_client() -> Any:
    """Links to SSE-KMS objects must be signed with Signature Version 4, on the regional endpoint."""
    return boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


@once_per_environment
def job_api() -> APIGatewayHttpResolver:
    env = env_vars.job_api_env()
    links = S3FileLinks(_presigning_s3_client(), env.ingest_bucket, env.kms_key_id)
    app = build_job_api(
        JobApiDeps(
            store=job_store(env.table_name),
            objects=S3ObjectStore(aws_client("s3")),
            links=links,
            rows=SqsRowQueue(_sender(), env.rows_queue_url),
            signals=SqsStageSignals(_sender(), env.aggregate_queue_url),
            settings=JobApiSettings(
                upload_bucket=env.ingest_bucket,
                max_upload_bytes=env.max_upload_bytes,
                upload_expires=timedelta(seconds=env.upload_url_expires_s),
                download_expires=timedelta(seconds=env.download_url_expires_s),
                rows_per_message=env.rows_per_message,
                limits=InputLimits(max_rows=env.max_rows, max_bytes=env.max_bytes),
            ),
            notifications=notification_wiring.notification_api_deps(env.table_name),
        )
    )
    if env.sign_in_domain and env.sign_in_client_id:
        install_web_page(app, SignIn.cognito(env.sign_in_domain, env.sign_in_client_id, (links.origin(),)))
    return app


def _signals_store() -> tuple[DynamoJobStore, SqsStageSignals]:
    env = env_vars.signals_env()
    return job_store(env.table_name), SqsStageSignals(_sender(), env.aggregate_queue_url, env.split_queue_url)


@once_per_environment
def dead_letter_deps() -> tuple[DynamoJobStore, SqsStageSignals]:
    return _signals_store()


@once_per_environment
def sweeper_deps() -> tuple[DynamoJobStore, SqsStageSignals, SweepSettings]:
    env = env_vars.signals_env()
    store, signals = _signals_store()
    return store, signals, SweepSettings(stall_after=timedelta(seconds=env.stall_after_s), max_redrives=env.max_redrives)


def _claims_settings(env: env_vars.ClaimsApiEnv) -> ClaimsApiSettings:
    credentials = client_credentials(env.claims_api_secret_arn)
    return ClaimsApiSettings(
        base_url=env.claims_api_base_url,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        provider_tin=env.claims_provider_tin,
        payer_id=env.claims_payer_id,
        environment=env.claims_api_environment.strip() or None,
        request_timeout_s=env.claims_api_request_timeout_s,
        request_deadline_s=env.claims_api_request_deadline_s,
        max_answer_bytes=env.claims_api_max_answer_bytes,
        max_in_flight=env.lookup_concurrency,
        expected_latency_s=env.claims_api_latency_s,
        rate_limit_rps=env.api_rps_per_worker,
        retry=RetryBudget(
            max_attempts=env.lookup_max_attempts,
            base_delay_s=env.lookup_base_delay_s,
            max_elapsed_s=env.lookup_max_elapsed_s,
        ),
    )


# The worker's HTTP client holds a connection pool bound to an event loop. In
# Lambda, Powertools keeps one loop for the execution environment, so the pool
# is reused across invocations; a new loop (tests) gets a new client.
_workers: dict[int, WorkerDeps] = {}


def worker_deps() -> WorkerDeps:
    loop_id = id(asyncio.get_running_loop())
    deps = _workers.get(loop_id)
    if deps is None:
        env = env_vars.worker_env()
        _workers.clear()
        deps = WorkerDeps(
            store=job_store(env.table_name),
            provider=TracedLookups(OptumClaimsClient(_claims_settings(env))),
            signals=SqsStageSignals(_sender(), env.aggregate_queue_url),
            max_deliveries=env.max_row_receives,
            patience_s=env.row_patience_s,
            redelivery=RedeliveryPolicy(base_s=env.redelivery_base_s, max_delay_s=env.max_redelivery_delay_s),
            metrics=PowertoolsPipelineMetrics(),
            abandoned_request_s=env.claims_api_request_deadline_s,
        )
        _workers[loop_id] = deps
    return deps


@once_per_environment
def rows_deferral() -> SqsDeferral:
    """How the worker puts a chunk back on the rows queue for later."""
    return SqsDeferral(aws_client("sqs"), env_vars.worker_env().rows_queue_url)


def reset() -> None:
    """Forget every cached client, store and setting (tests change the environment)."""
    forget_all()
    _workers.clear()
