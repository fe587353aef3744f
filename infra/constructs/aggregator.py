"""Stage 3: the aggregator writes a finished job's results and summary under results/.

For a cancelled job it reads the input again, so every row still gets its line."""

from __future__ import annotations

from constructs import Construct

from infra.constructs.stage_kit import StageKit
from infra.settings import INBOX_PREFIX, RESULTS_PREFIX

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",  # row results, in row order
    "dynamodb:UpdateItem",  # the job's final state
)


class Aggregator(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, kit: StageKit) -> None:
        super().__init__(scope, construct_id)
        file_limits = {name: value for name, value in kit.file_environment().items() if name != "ROWS_PER_MESSAGE"}
        # A cancelled job's input is read again, with the splitter's limits.
        self.handler = kit.function(self, kit.settings.aggregator, kit.table_environment(), file_limits)
        self.event_source = self.handler.consume(kit.aggregate_queue)
        self.handler.allow(
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.ingest.write_statement(RESULTS_PREFIX),
            kit.ingest.download_statement(RESULTS_PREFIX),  # CopyObject of a job's own results file
            kit.ingest.read_statement(INBOX_PREFIX),  # a cancelled job's rows not looked up are listed from the input
        )
