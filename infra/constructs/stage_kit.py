"""What every stage of the pipeline is built from, held once: the settings, the
one code asset, the stack key, the job table, the bucket and the three queues.

Each stage construct makes its function with `kit.function(...)` and composes
its environment from the pieces below, one per model of
`claimbatch.handlers.env_vars` (TableEnv, the queue URLs, the file limits), so
a variable is named and valued in one place. What a function may *do* with
these resources stays in its own construct, statement by statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.ingest_bucket import IngestBucket
from infra.constructs.job_table import JobTable
from infra.constructs.pipeline_function import PipelineFunction
from infra.constructs.queues import MonitoredQueue
from infra.settings import FunctionSettings, Settings

QueueName = Literal["split", "rows", "aggregate"]


@dataclass(frozen=True)
class StageKit:
    settings: Settings
    code: lambda_.Code
    key: EncryptionKey
    table: JobTable
    ingest: IngestBucket
    split_queue: MonitoredQueue
    rows_queue: MonitoredQueue
    aggregate_queue: MonitoredQueue

    def function(
        self, scope: Construct, function: FunctionSettings, *environments: Mapping[str, str]
    ) -> PipelineFunction:
        """The stage's Lambda function (construct id `Handler`), its environment the union of `environments`."""
        environment: dict[str, str] = {}
        for part in environments:
            environment.update(part)
        return PipelineFunction(
            scope,
            "Handler",
            settings=self.settings,
            function=function,
            code=self.code,
            key=self.key,
            environment=environment,
        )

    def table_environment(self) -> dict[str, str]:
        return {"TABLE_NAME": self.table.table.table_name}

    def queue_environment(self, *queues: QueueName) -> dict[str, str]:
        """`SPLIT_QUEUE_URL`, `ROWS_QUEUE_URL`, `AGGREGATE_QUEUE_URL`, for the queues named."""
        by_name = {"split": self.split_queue, "rows": self.rows_queue, "aggregate": self.aggregate_queue}
        return {f"{name.upper()}_QUEUE_URL": by_name[name].queue.queue_url for name in queues}

    def file_environment(self) -> dict[str, str]:
        """How an input file is read and split: the splitter's, and a retry's (the job API)."""
        return {
            "ROWS_PER_MESSAGE": str(self.settings.rows_per_message),
            "MAX_ROWS_PER_FILE": str(self.settings.max_rows_per_file),
            "MAX_BYTES_PER_FILE": str(self.settings.max_bytes_per_file),
        }
