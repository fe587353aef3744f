"""Stage 1: the splitter reads a new inbox/ object and sends its rows on in chunks."""

from __future__ import annotations

from constructs import Construct

from infra.constructs.stage_kit import StageKit
from infra.settings import INBOX_PREFIX

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
)


class Splitter(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, kit: StageKit) -> None:
        super().__init__(scope, construct_id)
        self.handler = kit.function(
            self,
            kit.settings.splitter,
            kit.table_environment(),
            kit.queue_environment("split", "rows", "aggregate"),
            kit.file_environment(),
        )
        self.event_source = self.handler.consume(kit.split_queue)
        self.handler.allow(
            kit.ingest.read_statement(INBOX_PREFIX),
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.rows_queue.send_statement(),
            # A file too large for one invocation continues in a next one.
            kit.split_queue.send_statement(),
            # A finished (or failed) split asks for the summary.
            kit.aggregate_queue.send_statement(),
        )
