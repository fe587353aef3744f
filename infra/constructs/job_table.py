"""The job table: job records, their counters and cursors, and each chunk's results (one item per chunk).

Keys are generic (`pk`, `sk`, both strings) so that one table holds every item
type of `claimbatch.adapters.aws.dynamodb_job_store`; items carry their own
expiry in `expires_at` (epoch seconds), which DynamoDB's TTL deletes.

Two sparse global secondary indexes hold job items only (no other item carries
their keys):

- `active-jobs` (`active_pk` = "ACTIVE" while the job is not terminal,
  `active_sk` = created_at#job): the sweeper's list of unfinished jobs. KEYS_ONLY:
  the store reads the table's `pk` from it (every index holds the table's keys)
  and then gets the job item itself, consistently, so nothing else is copied.
- `tenant-jobs` (`tenant_pk` = tenant, `tenant_sk` = created_at#job): every job
  of a tenant, newest first, for the job API's listings. ALL: a listing shows the
  jobs' states and counts without a read per job.

Permissions on an index are separate statements (`query_index_statement`), given
only to the functions that query it: item actions on the table never reach an index.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.settings import ACTIVE_JOBS_INDEX, TENANT_JOBS_INDEX

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class IndexSpec:
    partition_key: str
    sort_key: str
    projection: dynamodb.ProjectionType


INDEXES: dict[str, IndexSpec] = {
    ACTIVE_JOBS_INDEX: IndexSpec("active_pk", "active_sk", dynamodb.ProjectionType.KEYS_ONLY),
    TENANT_JOBS_INDEX: IndexSpec("tenant_pk", "tenant_sk", dynamodb.ProjectionType.ALL),
}


class JobTable(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, indexes: tuple[str, ...] = tuple(INDEXES)
    ) -> None:
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
            # Job state changes go to the stack's event bus from this stream (Notifications).
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.index_names = indexes
        for name in indexes:
            spec = INDEXES[name]
            self.table.add_global_secondary_index(
                index_name=name,
                partition_key=dynamodb.Attribute(name=spec.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=spec.sort_key, type=dynamodb.AttributeType.STRING),
                projection_type=spec.projection,
            )

    def access_statement(self, *actions: str) -> iam.PolicyStatement:
        """Item-level actions on the table itself (not on its indexes)."""
        return iam.PolicyStatement(actions=list(actions), resources=[self.table.table_arn])

    def index_arn(self, index_name: str) -> str:
        if index_name not in self.index_names:
            raise ValueError(f"the job table has no index {index_name!r}")
        return f"{self.table.table_arn}/index/{index_name}"

    def query_index_statement(self, index_name: str) -> iam.PolicyStatement:
        """dynamodb:Query on one index: the only action an index supports besides Scan."""
        return iam.PolicyStatement(actions=["dynamodb:Query"], resources=[self.index_arn(index_name)])
