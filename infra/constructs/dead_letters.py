"""The rows queue's dead letters: a chunk the workers failed on too often is
written as failed, retryable rows, so that its job still completes.

The function consumes the rows queue's dead-letter queue. What it cannot
account for in a few receives goes on to that queue's final dead-letter queue,
which the alarm watches (see `queues.py`).
"""

from __future__ import annotations

from constructs import Construct

from infra.constructs.signals import signals_environment
from infra.constructs.stage_kit import StageKit

# dynamodb:TransactWriteItems is no IAM action: a transaction is authorized on
# the actions inside it (here a conditional Put and a conditional Update).
TABLE_ACTIONS = (
    "dynamodb:GetItem",  # the job; the chunk's results already recorded
    "dynamodb:PutItem",  # the chunk's results, the rows given up among them, in a transaction with the counters
    "dynamodb:UpdateItem",  # the counters; PROCESSING -> AGGREGATING when the job is done
)


class DeadLetters(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, kit: StageKit) -> None:
        super().__init__(scope, construct_id)
        # SignalsEnv requires SPLIT_QUEUE_URL, but this function never sends there:
        # it only asks for the summary when the last rows of a job are in.
        self.handler = kit.function(self, kit.settings.dead_letters, signals_environment(kit))
        self.event_source = self.handler.consume(kit.rows_queue.dead_letter_source)
        self.handler.allow(
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.aggregate_queue.send_statement(),
        )
