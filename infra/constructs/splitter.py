"""Stage 1: the splitter reads a new inbox/ object and sends its rows on in chunks."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.ingest_bucket import IngestBucket
from infra.constructs.job_table import JobTable
from infra.constructs.pipeline_function import PipelineFunction
from infra.constructs.queues import MonitoredQueue
from infra.settings import INBOX_PREFIX, Settings

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",  # rows that fail validation are recorded at once
)


class Splitter(Construct):
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
        split_queue: MonitoredQueue,
        rows_queue: MonitoredQueue,
        aggregate_queue: MonitoredQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = PipelineFunction(
            self,
            "Handler",
            settings=settings,
            function=settings.splitter,
            code=code,
            key=key,
            environment={
                "TABLE_NAME": table.table.table_name,
                "SPLIT_QUEUE_URL": split_queue.queue.queue_url,
                "ROWS_QUEUE_URL": rows_queue.queue.queue_url,
                "AGGREGATE_QUEUE_URL": aggregate_queue.queue.queue_url,
                "ROWS_PER_MESSAGE": str(settings.rows_per_message),
                "MAX_ROWS_PER_FILE": str(settings.max_rows_per_file),
                "MAX_BYTES_PER_FILE": str(settings.max_bytes_per_file),
            },
        )
        self.event_source = self.handler.consume(split_queue)
        self.handler.allow(
            ingest.read_statement(INBOX_PREFIX),
            table.access_statement(*TABLE_ACTIONS),
            rows_queue.send_statement(),
            # A file too large for one invocation continues in a next one.
            split_queue.send_statement(),
            # A finished (or failed) split asks for the summary.
            aggregate_queue.send_statement(),
        )
