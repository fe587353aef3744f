"""Telling people when a job ends, and the world when a job changes:

    job table ──stream (job items)──► JobEvents λ ──PutEvents──► event bus (source claimbatch,
                                                                   detail-type "Job State Change")
    aggregator ──SendMessage──► notify queue ──► Notifier λ ──► webhooks (https), SES email
                                   │  ▲ retries: the message's visibility delay
                                   ▼  │
                              dead letters (alarm)

- The bus is the stack's own: customers add rules to it for their own targets.
- The notifier reads the tenant's channels and the delivery records from the
  job table (GetItem, PutItem), defers its own message (ChangeMessageVisibility,
  part of consuming), and sends email only as the configured SES identity.
- The job-events function reads only the table's stream, and puts events only
  on this bus; batches it cannot publish go to a failure queue with an alarm.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.job_table import JobTable
from infra.constructs.pipeline_function import PipelineFunction
from infra.constructs.queues import MonitoredQueue, not_empty_alarm
from infra.constructs.stage_kit import StageKit
from infra.settings import Settings

NOTIFIER_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")  # channels; delivery records
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
JOB_ITEMS_ONLY = {"dynamodb": {"Keys": {"sk": {"S": lambda_.FilterRule.is_equal("JOB")}}}}


class Notifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: StageKit,
        alarm_topic: sns.ITopic,
        job_api_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        settings, code, key, table = kit.settings, kit.code, kit.key, kit.table
        self._settings = settings
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{settings.name_prefix}-jobs")
        self.queue = MonitoredQueue(
            self,
            settings.notify_queue.name,
            settings=settings.notify_queue,
            visibility_timeout=settings.notifier.visibility_timeout,
            key=key.key,
            alarm_topic=alarm_topic,
        )
        self.notifier = PipelineFunction(
            self,
            "Notifier",
            settings=settings,
            function=settings.notifier,
            code=code,
            key=key,
            environment={
                **kit.table_environment(),
                "NOTIFY_QUEUE_URL": self.queue.queue.queue_url,
                "JOB_API_URL": job_api_url,
                **self.email_environment(),
            },
        )
        self.notifier.consume(self.queue)  # includes sqs:ChangeMessageVisibility: the retry delays
        self.notifier.allow(table.access_statement(*NOTIFIER_TABLE_ACTIONS), *self.email_statements())
        self.job_events = self._job_events(settings, code, key, table, alarm_topic)

    def _job_events(
        self, settings: Settings, code: lambda_.Code, key: EncryptionKey, table: JobTable, alarm_topic: sns.ITopic
    ) -> PipelineFunction:
        function = PipelineFunction(
            self,
            "JobEvents",
            settings=settings,
            function=settings.job_events,
            code=code,
            key=key,
            environment={"EVENT_BUS_NAME": self.bus.event_bus_name},
        )
        self.stream_failures = sqs.Queue(
            self,
            "StreamFailures",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        assert table.table.table_stream_arn is not None
        stream = table.table.table_stream_arn
        function.allow(
            iam.PolicyStatement(sid="ReadJobTableStream", actions=list(STREAM_ACTIONS), resources=[stream]),
            iam.PolicyStatement(
                sid="ListJobTableStreams",
                actions=["dynamodb:ListStreams"],
                resources=[f"{table.table.table_arn}/stream/*"],
            ),
            iam.PolicyStatement(
                sid="PublishJobEvents", actions=["events:PutEvents"], resources=[self.bus.event_bus_arn]
            ),
            iam.PolicyStatement(
                sid="RecordStreamFailures", actions=["sqs:SendMessage"], resources=[self.stream_failures.queue_arn]
            ),
        )
        self.stream_mapping = function.function.add_event_source_mapping(
            "FromJobTableStream",
            event_source_arn=table.table.table_stream_arn,
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=settings.job_events.batch_size,
            max_batching_window=Duration.seconds(1),
            bisect_batch_on_error=True,
            retry_attempts=10,
            report_batch_item_failures=True,
            filters=[lambda_.FilterCriteria.filter(JOB_ITEMS_ONLY)],
            on_failure=event_sources.SqsDlq(self.stream_failures),
        )
        self.stream_failures_alarm = not_empty_alarm(
            self,
            "StreamFailuresAlarm",
            self.stream_failures,
            "Job state changes the JobEvents function could not publish to the event bus after "
            "10 retries: their stream records are described in the StreamFailures queue. Read the function's log.",
            alarm_topic,
        )
        return function

    # -- what other functions get ---------------------------------------------------------

    def email_environment(self) -> dict[str, str]:
        sender = self._settings.notify_email_from
        return {"NOTIFY_EMAIL_SENDER": sender} if sender else {}

    def email_statements(self) -> list[iam.PolicyStatement]:
        identity = self._settings.notify_email_identity_name
        if identity is None:
            return []
        arn = f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{identity}"
        return [iam.PolicyStatement(sid="SendEmailAsTheIdentity", actions=["ses:SendEmail"], resources=[arn])]

    def announce_from(self, aggregator: PipelineFunction) -> None:
        """The aggregator hands each job's end to the notify queue."""
        aggregator.function.add_environment("NOTIFY_QUEUE_URL", self.queue.queue.queue_url)
        aggregator.allow(self.queue.send_statement())

    def test_sends_from(self, job_api: PipelineFunction) -> None:
        """POST /notifications/test sends from the job API function itself."""
        for name, value in self.email_environment().items():
            job_api.function.add_environment(name, value)
        job_api.allow(*self.email_statements())
