"""The claimbatch stack: one construct per stage, wired together here."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.bundling import lambda_code
from infra.constructs.aggregator import Aggregator
from infra.constructs.alarm_topic import AlarmTopic
from infra.constructs.api_users import ApiUsers
from infra.constructs.dead_letters import DeadLetters
from infra.constructs.encryption_key import EncryptionKey
from infra.constructs.ingest_bucket import IngestBucket
from infra.constructs.job_api import JobApi
from infra.constructs.job_table import JobTable
from infra.constructs.notifications import Notifications
from infra.constructs.queues import MonitoredQueue
from infra.constructs.sftp import SftpServer
from infra.constructs.splitter import Splitter
from infra.constructs.stage_kit import StageKit
from infra.constructs.sweeper import Sweeper
from infra.constructs.workers import Workers
from infra.parameters import ClaimsApiParameters
from infra.settings import INBOX_PREFIX, RESULTS_PREFIX, FunctionSettings, QueueSettings, Settings


class ClaimbatchStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=settings.name_prefix,
            description="claimbatch: bulk insurance claim-status lookups (S3 inbox -> SQS -> Lambda -> results; job API)",
        )
        self.settings = settings
        self.claims_api = ClaimsApiParameters.declare(self)

        self.encryption = EncryptionKey(self, "Encryption", settings=settings)
        key = self.encryption
        self.alarms = AlarmTopic(self, "Alarms", key=key.key)

        self.split_queue = self._monitored_queue(settings.split_queue, settings.splitter)
        # The rows queue's dead letters are consumed (DeadLetters below).
        self.rows_queue = self._monitored_queue(settings.rows_queue, settings.worker, settings.dead_letters)
        self.aggregate_queue = self._monitored_queue(settings.aggregate_queue, settings.aggregator)
        self.queues = (self.split_queue, self.rows_queue, self.aggregate_queue)

        self.jobs = JobTable(self, "Jobs", key=key.key, indexes=settings.job_table_indexes)
        self.ingest = IngestBucket(self, "Ingest", settings=settings, key=key.key, split_queue=self.split_queue)

        kit = StageKit(
            settings=settings,
            code=lambda_code(settings),  # one asset, bundled once, for every function
            key=key,
            table=self.jobs,
            ingest=self.ingest,
            split_queue=self.split_queue,
            rows_queue=self.rows_queue,
            aggregate_queue=self.aggregate_queue,
        )
        self.splitter = Splitter(self, "Splitter", kit=kit)
        self.workers = Workers(self, "Workers", kit=kit, claims_api=self.claims_api)
        self.aggregator = Aggregator(self, "Aggregator", kit=kit)
        self.dead_letters = DeadLetters(self, "DeadLetters", kit=kit)
        self.sweeper = Sweeper(self, "Sweeper", kit=kit, alarm_topic=self.alarms.topic)
        self.api_users = ApiUsers(self, "ApiUsers", settings=settings)
        self.job_api = JobApi(self, "JobApi", kit=kit, users=self.api_users)
        self.sftp = SftpServer(self, "Sftp", settings=settings, key=key, ingest=self.ingest) if settings.sftp else None
        self.notifications = Notifications(
            self, "Notifications", kit=kit, alarm_topic=self.alarms.topic, job_api_url=self.job_api.api.api_endpoint
        )
        self.notifications.announce_from(self.aggregator.handler)
        self.notifications.test_sends_from(self.job_api.handler)
        self.functions = (
            self.splitter.handler,
            self.workers.handler,
            self.aggregator.handler,
            self.dead_letters.handler,
            self.sweeper.handler,
            self.job_api.handler,
            self.notifications.notifier,
            self.notifications.job_events,
        )

        self._outputs()

    def _monitored_queue(
        self,
        queue_settings: QueueSettings,
        consumer_settings: FunctionSettings,
        dead_letter_consumer: FunctionSettings | None = None,
    ) -> MonitoredQueue:
        return MonitoredQueue(
            self,
            queue_settings.name,
            settings=queue_settings,
            visibility_timeout=consumer_settings.visibility_timeout,
            key=self.encryption.key,
            alarm_topic=self.alarms.topic,
            dead_letter_consumer=dead_letter_consumer,
        )

    def _outputs(self) -> None:
        """What a user of the deployed stack needs to know (`cdk deploy` prints them)."""
        key = self.encryption
        bucket = self.ingest.bucket.bucket_name
        CfnOutput(self, "IngestBucketName", value=bucket, description="The bucket of inbox/ and results/")
        CfnOutput(self, "InboxUri", value=f"s3://{bucket}/{INBOX_PREFIX}", description="Drop CSV files here")
        CfnOutput(self, "ResultsUri", value=f"s3://{bucket}/{RESULTS_PREFIX}", description="Results appear here")
        CfnOutput(self, "JobTableName", value=self.jobs.table.table_name)
        CfnOutput(
            self,
            "EventBusName",
            value=self.notifications.bus.event_bus_name,
            description="Every job state change (source claimbatch, detail-type Job State Change)",
        )
        CfnOutput(self, "AlarmTopicArn", value=self.alarms.topic.topic_arn, description="Subscribe to get alarms")
        CfnOutput(self, "JobApiUrl", value=self.job_api.url, description="The job API (every route needs an ID token)")
        CfnOutput(self, "UserPoolId", value=self.api_users.pool.user_pool_id, description="The job API's users")
        CfnOutput(
            self,
            "UserPoolClientId",
            value=self.api_users.client.user_pool_client_id,
            description="The app client to sign in with (InitiateAuth)",
        )
        if self.sftp is not None:
            CfnOutput(self, "SftpEndpoint", value=self.sftp.endpoint, description="sftp <tenant>@<this> (port 22)")
            CfnOutput(self, "SftpServerId", value=self.sftp.server.attr_server_id)
        CfnOutput(self, "WebPageUrl", value=self.job_api.page_url, description="The web page for billing staff")
        CfnOutput(self, "SignInDomain", value=self.api_users.sign_in_url, description="Cognito's hosted sign-in")
        web_client = self.api_users.web_client
        assert web_client is not None
        CfnOutput(
            self, "WebClientId", value=web_client.user_pool_client_id, description="The web page's app client"
        )
        CfnOutput(
            self, "KeyArn", value=key.key.key_arn, description="The stack's KMS key (may also encrypt the API secret)"
        )
