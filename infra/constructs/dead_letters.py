"""The rows queue's dead letters: a chunk the workers failed on too often is
written as failed, retryable rows, so that its job still completes.

The function consumes the rows queue's dead-letter queue. What it cannot
account for in a few receives goes on to that queue's final dead-letter queue,
which the alarm watches (see `queues.py`).
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.job_table import JobTable
from infra.constructs.pipeline_function import PipelineFunction
from infra.constructs.queues import MonitoredQueue
from infra.constructs.signals import signals_environment
from infra.settings import Settings

# dynamodb:TransactWriteItems is no IAM action: a transaction is authorized on
# the actions inside it (here a conditional Put and a conditional Update).
TABLE_ACTIONS = (
    "dynamodb:GetItem",  # the job
    "dynamodb:Query",  # row results already recorded (table only, no index)
    "dynamodb:BatchWriteItem",  # the rows given up, as failed and retryable
    "dynamodb:PutItem",  # the chunk's marker, in a transaction with the counters
    "dynamodb:UpdateItem",  # the counters; PROCESSING -> AGGREGATING when the job is done
)


class DeadLetters(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        code: lambda_.Code,
        key: EncryptionKey,
        table: JobTable,
        rows_queue: MonitoredQueue,
        split_queue: MonitoredQueue,
        aggregate_queue: MonitoredQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = PipelineFunction(
            self,
            "Handler",
            settings=settings,
            function=settings.dead_letters,
            code=code,
            key=key,
            # SignalsEnv requires SPLIT_QUEUE_URL, but this function never sends there:
            # it only asks for the summary when the last rows of a job are in.
            environment=signals_environment(
                settings, table=table, split_queue=split_queue, aggregate_queue=aggregate_queue
            ),
        )
        self.event_source = self.handler.consume(rows_queue.dead_letter_source)
        self.handler.allow(
            table.access_statement(*TABLE_ACTIONS),
            aggregate_queue.send_statement(),
        )
