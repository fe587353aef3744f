"""The job table: job records, their counters and cursors, and per-row results.

Keys are generic (`pk`, `sk`, both strings) so that one table holds every item
type of `claimbatch.adapters.aws.dynamodb_job_store`; items carry their own
expiry in `expires_at` (epoch seconds), which DynamoDB's TTL deletes.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


class JobTable(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Global secondary indexes go here, e.g. the job-listing index of the job
        # API: self.table.add_global_secondary_index(index_name=..., partition_key=...).
        # Then add them to `index_arns` below so that `access_statement` covers them.
        self.index_arns: list[str] = []

    def access_statement(self, *actions: str) -> iam.PolicyStatement:
        """Item-level actions on the table (and its indexes, once there are any)."""
        return iam.PolicyStatement(actions=list(actions), resources=[self.table.table_arn, *self.index_arns])
