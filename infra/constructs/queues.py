"""A queue as every stage of the pipeline needs it: encrypted, TLS only, with a
dead-letter queue and an alarm on the depth of the last queue of that chain.
Made once here, used for the split, rows and aggregate queues.

A dead-letter queue may itself have a consumer (the rows queue's: the
dead-letter function turns its chunks into failed, retryable rows). It is then
a work queue in turn: a visibility timeout for that consumer and a redrive
policy into a final dead-letter queue, and the alarm watches that final queue,
which holds only what the consumer could not deal with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.settings import FunctionSettings, QueueSettings

def not_empty_alarm(
    scope: Construct, construct_id: str, queue: sqs.IQueue, description: str, alarm_topic: sns.ITopic
) -> cloudwatch.Alarm:
    """An alarm, sent to `alarm_topic`, as soon as a queue that should stay empty holds a message."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
        ),
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
    return alarm


# sqs:SendMessage also authorizes SendMessageBatch.
SEND_ACTIONS = ("sqs:SendMessage",)
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)


@dataclass(frozen=True)
class QueueSource:
    """A queue as a function's event source: `name` names the event source mapping."""

    name: str
    queue: sqs.IQueue

    def consume_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(CONSUME_ACTIONS), resources=[self.queue.queue_arn])


class MonitoredQueue(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: QueueSettings,
        visibility_timeout: Duration,
        key: kms.IKey,
        alarm_topic: sns.ITopic,
        dead_letter_consumer: FunctionSettings | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        consumed = dead_letter_consumer is not None
        if consumed != (settings.dead_letters_max_receive_count is not None):
            raise ValueError(
                f"{settings.name}: a consumer of the dead-letter queue and its maxReceiveCount go together"
            )

        self._key = key
        # Only when the dead letters are consumed: where that consumer's failures end.
        self.final_dead_letters: sqs.Queue | None = None
        if dead_letter_consumer is not None:
            assert settings.dead_letters_max_receive_count is not None
            self.final_dead_letters = self._encrypted_queue("FinalDeadLetters", retention_period=settings.dlq_retention)
            self.dead_letters = self._encrypted_queue(
                "DeadLetters",
                retention_period=settings.dlq_retention,
                visibility_timeout=dead_letter_consumer.visibility_timeout,
                dead_letter_queue=sqs.DeadLetterQueue(
                    max_receive_count=settings.dead_letters_max_receive_count, queue=self.final_dead_letters
                ),
            )
        else:
            self.dead_letters = self._encrypted_queue("DeadLetters", retention_period=settings.dlq_retention)
        self.queue = self._encrypted_queue(
            "Queue",
            visibility_timeout=visibility_timeout,
            retention_period=settings.retention,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=settings.max_receive_count, queue=self.dead_letters
            ),
        )
        self.alarm = self._dead_letters_alarm(settings, dead_letter_consumer, alarm_topic)

    def _encrypted_queue(self, queue_id: str, **properties: Any) -> sqs.Queue:
        return sqs.Queue(
            self,
            queue_id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self._key,
            enforce_ssl=True,
            **properties,
        )

    def _dead_letters_alarm(
        self, settings: QueueSettings, dead_letter_consumer: FunctionSettings | None, alarm_topic: sns.ITopic
    ) -> cloudwatch.Alarm:
        if dead_letter_consumer is None:
            description = (
                f"Messages of the claimbatch {settings.name} reached its dead-letter queue after "
                f"{settings.max_receive_count} receives: inspect them, then redrive or delete."
            )
        else:
            description = (
                f"Dead letters of the claimbatch {settings.name} that the {dead_letter_consumer.name} function could "
                "not account for as failed, retryable rows reached the final dead-letter queue (maxReceiveCount "
                f"{settings.dead_letters_max_receive_count} on the dead-letter queue); the sweeper re-drives or "
                "completes their jobs. Read the function's log group, fix the cause, then move the messages back "
                "to the dead-letter queue or delete them."
            )
        return not_empty_alarm(self, "DeadLettersAlarm", self.last_dead_letters, description, alarm_topic)

    @property
    def last_dead_letters(self) -> sqs.Queue:
        """The end of the chain: nothing consumes it, the alarm watches it."""
        return self.final_dead_letters or self.dead_letters

    @property
    def source(self) -> QueueSource:
        return QueueSource(self.node.id, self.queue)

    @property
    def dead_letter_source(self) -> QueueSource:
        if self.final_dead_letters is None:
            raise ValueError(f"{self.node.id}: its dead-letter queue has no consumer settings")
        return QueueSource(f"{self.node.id}DeadLetters", self.dead_letters)

    def send_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(SEND_ACTIONS), resources=[self.queue.queue_arn])

    def consume_statement(self) -> iam.PolicyStatement:
        return self.source.consume_statement()
