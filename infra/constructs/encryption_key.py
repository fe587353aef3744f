"""The one customer-managed KMS key: bucket, queues, table, logs, alarm topic."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.settings import Settings

# What a function needs of the key: read what SQS, S3 and Secrets Manager hand
# it (Decrypt) and write encrypted messages and objects (GenerateDataKey).
USE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

_LOGS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)


class EncryptionKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{settings.name_prefix}",
            description="claimbatch: encrypts the ingest bucket, queues, job table, log groups and alarm topic",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,  # data encrypted with it outlives the stack
        )
        # CloudWatch Logs encrypts our log groups, and only ours.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsForClaimbatchLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=list(_LOGS_ACTIONS),
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:{log_group_prefix(settings)}*"
                        )
                    }
                },
            )
        )
        # S3 event notifications into the encrypted split queue, and CloudWatch
        # alarms into the encrypted alarm topic: both services encrypt the
        # message they deliver with this key (AWS documents no condition keys
        # for these deliveries; the queue and topic policies scope the source).
        for sid, service in (
            ("S3EventNotificationsToEncryptedQueue", "s3.amazonaws.com"),
            ("CloudWatchAlarmsToEncryptedTopic", "cloudwatch.amazonaws.com"),
        ):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=list(USE_ACTIONS),
                    resources=["*"],
                )
            )

    def use_statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(sid="UseTheStackKey", actions=list(USE_ACTIONS), resources=[self.key.key_arn])


def log_group_prefix(settings: Settings) -> str:
    return f"/{settings.name_prefix}/"


def encrypted_log_group(
    scope: Construct, construct_id: str, *, name: str, settings: Settings, key: EncryptionKey
) -> logs.LogGroup:
    """A log group of the stack: encrypted with its key, kept for the retention of the
    settings, and kept when the stack goes (logs are records)."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=settings.log_retention,
        encryption_key=key.key,
        removal_policy=RemovalPolicy.RETAIN,
    )
