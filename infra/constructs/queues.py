"""A queue as every stage of the pipeline needs it: encrypted, TLS only, with a
dead-letter queue and an alarm on that dead-letter queue's depth. Made once
here, used for the split, rows and aggregate queues."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.settings import QueueSettings

# sqs:SendMessage also authorizes SendMessageBatch.
SEND_ACTIONS = ("sqs:SendMessage",)
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)


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
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=settings.dlq_retention,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=settings.retention,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=settings.max_receive_count, queue=self.dead_letters
            ),
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "DeadLettersAlarm",
            alarm_description=(
                f"Messages of the claimbatch {settings.name} reached its dead-letter queue after "
                f"{settings.max_receive_count} receives: inspect them, then redrive or delete."
            ),
            metric=self.dead_letters.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))

    def send_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(SEND_ACTIONS), resources=[self.queue.queue_arn])

    def consume_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(CONSUME_ACTIONS), resources=[self.queue.queue_arn])
