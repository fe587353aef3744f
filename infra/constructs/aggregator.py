"""Stage 3: the aggregator writes a finished job's results and summary under results/.

For a cancelled job it reads the input again, so every row still gets its line."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.ingest_bucket import IngestBucket
from infra.constructs.job_table import JobTable
from infra.constructs.pipeline_function import PipelineFunction
from infra.constructs.queues import MonitoredQueue
from infra.settings import INBOX_PREFIX, RESULTS_PREFIX, Settings

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",  # row results, in row order
    "dynamodb:UpdateItem",  # the job's final state
)


class Aggregator(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        code: lambda_.Code,
        key: EncryptionKey,
        ingest: IngestBucket,
        table: JobTable,
        aggregate_queue: MonitoredQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = PipelineFunction(
            self,
            "Handler",
            settings=settings,
            function=settings.aggregator,
            code=code,
            key=key,
            environment={"TABLE_NAME": table.table.table_name},
        )
        self.event_source = self.handler.consume(aggregate_queue)
        self.handler.allow(
            table.access_statement(*TABLE_ACTIONS),
            ingest.write_statement(RESULTS_PREFIX),
            ingest.read_statement(INBOX_PREFIX),  # a cancelled job's rows not looked up are listed from the input
        )
