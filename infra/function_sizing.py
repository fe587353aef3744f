"""The stack's functions and queues, sized from the settings: timeouts, memory,
batch sizes, event-source concurrency, receive limits and retention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration

from infra.stack_constants import (
    API_INTEGRATION_TIMEOUT_S,
    DEAD_LETTER_RECEIVES,
    MAX_FUNCTION_TIMEOUT_S,
    MIN_EVENT_SOURCE_CONCURRENCY,
    VISIBILITY_TIMEOUT_FACTOR,
)

if TYPE_CHECKING:
    from infra.settings import Settings

WORKER_TIMEOUT_S = 120


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


class StageSizing:
    """The functions and queues of `Settings` (a mixin: `self` is the Settings)."""

    @property
    def splitter(self: Settings) -> FunctionSettings:
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
    def worker_timeout_s(self: Settings) -> int:
        return WORKER_TIMEOUT_S

    @property
    def worker(self: Settings) -> FunctionSettings:
        return FunctionSettings(
            name="Worker",
            handler="claimbatch.handlers.worker.handler",
            description="Looks each row of a chunk up in the claims API and records the results",
            timeout=Duration.seconds(self.worker_timeout_s),
            memory_mb=self.worker_memory_mb,
            batch_size=self.worker_batch_chunks,  # chunks that fit in half the timeout at its share of the budget
            max_concurrency=self.worker_max_concurrency,
        )

    @property
    def aggregator(self: Settings) -> FunctionSettings:
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
    def dead_letters(self: Settings) -> FunctionSettings:
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
    def sweep_period(self: Settings) -> Duration:
        return Duration.minutes(self.sweep_every_minutes)

    @property
    def sweeper(self: Settings) -> FunctionSettings:
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
    def job_api(self: Settings) -> FunctionSettings:
        return FunctionSettings(
            name="JobApi",
            handler="claimbatch.handlers.job_api.handler",
            description="The job API behind API Gateway: upload forms, jobs, results, retry, cancel",
            # Below the gateway's integration timeout, so the function answers first.
            timeout=Duration.seconds(API_INTEGRATION_TIMEOUT_S - 1),
            memory_mb=self.job_api_memory_mb,
        )

    @property
    def notifier(self: Settings) -> FunctionSettings:
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
    def job_events(self: Settings) -> FunctionSettings:
        return FunctionSettings(
            name="JobEvents",
            handler="claimbatch.handlers.job_state_events.handler",
            description="Publishes every job state change from the job table's stream to the stack's event bus",
            timeout=Duration.seconds(60),
            memory_mb=self.job_events_memory_mb,
            batch_size=100,
        )

    @property
    def notify_queue(self: Settings) -> QueueSettings:
        # One message per job end; it comes back once per due retry of each of its
        # channels (8 attempts each, up to 20 channels), so its receive limit is high.
        # A message that keeps failing (30 min visibility) reaches the dead-letter queue after
        # 100 hours, so it is kept 14 days (SQS's longest), not the other queues' 4.
        return QueueSettings(name="NotifyQueue", max_receive_count=200, retention_days=14)

    @property
    def split_queue(self: Settings) -> QueueSettings:
        return QueueSettings(name="SplitQueue", max_receive_count=5)

    @property
    def rows_queue(self: Settings) -> QueueSettings:
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
    def aggregate_queue(self: Settings) -> QueueSettings:
        return QueueSettings(name="AggregateQueue", max_receive_count=5)
