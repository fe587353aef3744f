"""What a Settings value must satisfy, each rule with the sentence a user reads
when it does not (all of them at once, so one deploy attempt shows every problem)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from claimbatch.domain.job import MAX_ROWS_PER_MESSAGE
from infra.api_throttling import WORKER_BATCH_SHARE_OF_TIMEOUT
from infra.stack_constants import (
    ACTIVE_JOBS_INDEX,
    ARCHITECTURES,
    JOB_TABLE_INDEXES,
    MAX_EVENT_SOURCE_CONCURRENCY,
    MAX_VISIBILITY_TIMEOUT_S,
    MIN_EVENT_SOURCE_CONCURRENCY,
)

if TYPE_CHECKING:
    from infra.settings import Settings


def settings_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,17}", settings.name_prefix):
        problems.append(
            f"name_prefix {settings.name_prefix!r}: 2-18 lowercase letters, digits or '-', starting with a letter "
            "(it becomes part of an S3 bucket name)"
        )
    if settings.architecture not in ARCHITECTURES:
        problems.append(f"architecture {settings.architecture!r}: one of {', '.join(ARCHITECTURES)}")
    if settings.api_budget_rps <= 0 or settings.api_latency_s <= 0 or settings.lookup_concurrency <= 0:
        problems.append("api_budget_rps, api_latency_s and lookup_concurrency must be positive")
    override = settings.worker_max_concurrency_override
    if override is not None and not MIN_EVENT_SOURCE_CONCURRENCY <= override <= MAX_EVENT_SOURCE_CONCURRENCY:
        problems.append(
            f"worker_max_concurrency {override}: between {MIN_EVENT_SOURCE_CONCURRENCY} "
            f"and {MAX_EVENT_SOURCE_CONCURRENCY}"
        )
    if settings.rows_queue.max_receive_count <= settings.max_row_receives:
        problems.append("the rows queue's maxReceiveCount must exceed max_row_receives")
    # A job riding out an API outage is waiting, not stuck: its longest silence is
    # a row's patience plus one visibility timeout of a lost worker invocation.
    quiet_s = settings.row_patience_s + settings.worker.visibility_timeout.to_seconds()
    if settings.stall_after_s <= quiet_s:
        problems.append(
            f"stall_after_s {settings.stall_after_s}: more than row_patience_s plus the rows queue's "
            f"visibility timeout ({quiet_s:g} s)"
        )
    problems += _retry_problems(settings)
    problems += _worker_time_problems(settings)
    if not 1 <= settings.rows_per_message <= MAX_ROWS_PER_MESSAGE:
        problems.append(
            f"rows_per_message {settings.rows_per_message}: between 1 and {MAX_ROWS_PER_MESSAGE:,} "
            "(a chunk's results are stored in one table item)"
        )
    if settings.max_redrives < 1:
        problems.append("max_redrives must be at least 1")
    if not 2 <= settings.sweep_every_minutes <= 60:
        problems.append(f"sweep_every_minutes {settings.sweep_every_minutes}: between 2 and 60")
    unknown = sorted(set(settings.job_table_indexes) - set(JOB_TABLE_INDEXES))
    if unknown or ACTIVE_JOBS_INDEX not in settings.job_table_indexes:
        problems.append(
            f"job_table_indexes {','.join(settings.job_table_indexes)!r}: a subset of {', '.join(JOB_TABLE_INDEXES)} "
            f"that includes {ACTIVE_JOBS_INDEX} (the sweeper queries it)"
        )
    if settings.max_upload_bytes > settings.max_bytes_per_file:
        problems.append(
            f"max_upload_bytes {settings.max_upload_bytes}: at most max_bytes_per_file ({settings.max_bytes_per_file}), "
            "or an accepted upload would be refused by the splitter"
        )
    if settings.api_rate_limit_rps <= 0 or settings.api_burst_limit < 1:
        problems.append("api_rate_limit_rps must be positive and api_burst_limit at least 1")
    return problems


def _retry_problems(settings: Settings) -> list[str]:
    """A lookup's in-client retries, and the delays between deliveries of a deferred chunk."""
    problems = []
    if settings.lookup_max_attempts < 1 or settings.lookup_base_delay_s <= 0 or settings.lookup_max_elapsed_s <= 0:
        problems.append("lookup_max_attempts, lookup_base_delay_s and lookup_max_elapsed_s must be positive")
    if not 0 <= settings.redelivery_base_s <= settings.max_redelivery_delay_s <= MAX_VISIBILITY_TIMEOUT_S:
        problems.append(
            f"redelivery delays: 0 <= redelivery_base_s <= max_redelivery_delay_s <= {MAX_VISIBILITY_TIMEOUT_S} "
            "(SQS's longest visibility timeout)"
        )
    return problems


def _worker_time_problems(settings: Settings) -> list[str]:
    """A worker's batch must fit comfortably in its timeout at its share of the budget."""
    problems = []
    timeout_s = settings.worker_timeout_s
    if not 0 <= settings.worker_deadline_margin_s <= timeout_s * (1 - WORKER_BATCH_SHARE_OF_TIMEOUT):
        problems.append(
            f"worker_deadline_margin_s {settings.worker_deadline_margin_s:g}: between 0 and "
            f"{timeout_s * (1 - WORKER_BATCH_SHARE_OF_TIMEOUT):g} s (the worker's timeout is {timeout_s} s)"
        )
    if settings.api_budget_rps <= 0 or settings.api_latency_s <= 0 or settings.rows_per_message < 1:
        return problems  # reported above
    one_chunk_s = settings.worker_batch_s(1)
    if one_chunk_s > timeout_s * WORKER_BATCH_SHARE_OF_TIMEOUT:
        problems.append(
            f"rows_per_message {settings.rows_per_message}: one chunk takes {one_chunk_s:.0f} s at each worker's "
            f"{settings.api_rps_per_worker:.3g} requests/s of the budget with api_latency_s {settings.api_latency_s:g}, "
            f"more than half the worker's {timeout_s} s timeout; lower rows_per_message, or raise api_budget_rps or lookup_concurrency"
        )
    return problems
