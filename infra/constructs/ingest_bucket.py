"""The ingest bucket: files arrive under inbox/, results leave under results/.

Only objects created under inbox/ are announced to the split queue, so what the
system writes itself (results/…) can never start a job. The notification is
declared on the bucket resource itself (no custom resource, no helper Lambda):
the bucket's name is fixed before it exists, so the split queue's policy can name
the bucket without referring to it, and the bucket is created after that policy.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.queues import MonitoredQueue
from infra.settings import INBOX_PREFIX, Settings

READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
# s3:PutObject covers PutObject and the multipart calls (Create/UploadPart/Complete).
WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
# A presigned POST is one PutObject, signed by whoever issued the form.
UPLOAD_ACTIONS = ("s3:PutObject",)
# A presigned GET of the current version (and a GetObject of it).
DOWNLOAD_ACTIONS = ("s3:GetObject",)
PAGE_CORS_MAX_AGE_S = 3600  # browsers cache the preflight answer this long


class IngestBucket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: kms.IKey,
        split_queue: MonitoredQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = self._access_log_bucket(settings)
        self.bucket_name = settings.ingest_bucket_name
        self.bucket = self._ingest_bucket(settings, key)
        self._notify_split_queue(split_queue)

    def _access_log_bucket(self, settings: Settings) -> s3.Bucket:
        # Server access logs: S3 delivers them only to a bucket with SSE-S3.
        return s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=Duration.days(settings.access_log_days),
                    noncurrent_version_expiration=Duration.days(settings.noncurrent_version_days),
                    abort_incomplete_multipart_upload_after=Duration.days(settings.incomplete_upload_days),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _ingest_bucket(self, settings: Settings, key: kms.IKey) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Bucket",
            bucket_name=self.bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="ingest/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOldVersions",
                    noncurrent_version_expiration=Duration.days(settings.noncurrent_version_days),
                    expired_object_delete_marker=True,
                ),
                s3.LifecycleRule(
                    id="AbortIncompleteUploads",
                    abort_incomplete_multipart_upload_after=Duration.days(settings.incomplete_upload_days),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _notify_split_queue(self, split_queue: MonitoredQueue) -> None:
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"
        # S3 may send object-created events of this bucket, and only of it, to the split queue.
        allow_s3 = split_queue.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="IngestBucketNotifications",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[split_queue.queue.queue_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=split_queue.queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=INBOX_PREFIX)]
                        )
                    ),
                )
            ]
        )
        # S3 checks the destination when the configuration is set: the policy comes first.
        self.bucket.node.add_dependency(allow_s3.policy_dependable)

    def allow_page_origin(self, origin: str) -> None:
        """CORS for the web page: it posts upload forms and fetches results from `origin`."""
        self.bucket.add_cors_rule(
            id="WebPage",
            allowed_origins=[origin],
            allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET],
            allowed_headers=["*"],  # what the browser's preflight names; the form's policy still pins the upload
            max_age=PAGE_CORS_MAX_AGE_S,
        )

    def objects_arn(self, prefix: str) -> str:
        return self.bucket.arn_for_objects(f"{prefix}*")

    def read_statement(self, prefix: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(READ_ACTIONS), resources=[self.objects_arn(prefix)])

    def write_statement(self, prefix: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(WRITE_ACTIONS), resources=[self.objects_arn(prefix)])

    def upload_statement(self, prefix: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(UPLOAD_ACTIONS), resources=[self.objects_arn(prefix)])

    def download_statement(self, prefix: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(DOWNLOAD_ACTIONS), resources=[self.objects_arn(prefix)])
