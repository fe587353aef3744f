"""SFTP feeds on AWS: an AWS Transfer Family SFTP server in front of the ingest bucket.

Built only with the context key `sftp=true` (the server costs money every hour
it exists; see infra/README.md). Each service-managed user is one tenant, logs
in with an SSH public key only, and sees two logical folders, nothing else:

    /inbox    → s3://<bucket>/inbox/<tenant>/    upload, list, read back, rename, delete
    /results  → s3://<bucket>/results/<tenant>/  list and download only

Transfer Family writes an object when the client closes the file, so the
pipeline sees complete files; an upload under a temporary name (WinSCP's
`.filepart`) is skipped by the inbox rules, and the rename that follows is a new
object under the final name, which starts the job.

Each tenant has an IAM role of its own, assumable by Transfer Family only for
this server's users, which is what keeps tenants apart and /results read-only:
it may list the bucket only under its two prefixes, write and delete only under
inbox/<tenant>/, read only there and under results/<tenant>/, and use the stack
key only through S3. The server logs in structured JSON to a log group of the
stack, encrypted with the stack key (structured logging needs no logging role;
a logging role only serves workflows, which this server has none of).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_transfer as transfer
from constructs import Construct

from infra.constructs.encryption_key import USE_ACTIONS, EncryptionKey, encrypted_log_group
from infra.constructs.ingest_bucket import IngestBucket
from infra.settings import INBOX_PREFIX, RESULTS_PREFIX, Settings
from infra.sftp_users import SftpUser

# No SHA-1, no CBC ciphers (see infra/README.md); CloudFormation's default would be TransferSecurityPolicy-2018-11.
SECURITY_POLICY = "TransferSecurityPolicy-2024-01"
INBOX_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
RESULTS_ACTIONS = ("s3:GetObject",)
INBOX_FOLDER, RESULTS_FOLDER = "/inbox", "/results"


class SftpServer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: EncryptionKey,
        ingest: IngestBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = encrypted_log_group(self, "Logs", name=settings.sftp_log_group_name, settings=settings, key=key)
        self.server = transfer.CfnServer(
            self,
            "Server",
            protocols=["SFTP"],
            domain="S3",
            endpoint_type="PUBLIC",
            identity_provider_type="SERVICE_MANAGED",
            security_policy_name=SECURITY_POLICY,
            structured_log_destinations=[self.log_group.log_group_arn],
            # Clients that set a file's time or mode after an upload (WinSCP, `put -p`) get OK: S3 keeps no modes.
            protocol_details=transfer.CfnServer.ProtocolDetailsProperty(set_stat_option="ENABLE_NO_OP"),
            s3_storage_options=transfer.CfnServer.S3StorageOptionsProperty(directory_listing_optimization="ENABLED"),
        )
        self.endpoint = f"{self.server.attr_server_id}.server.transfer.{Aws.REGION}.{Aws.URL_SUFFIX}"
        self.roles: dict[str, iam.Role] = {}
        self.policies: dict[str, iam.ManagedPolicy] = {}
        self.users: dict[str, transfer.CfnUser] = {}
        for user in settings.sftp_users:
            self.roles[user.tenant] = self._tenant_role(user.tenant, key, ingest)
            self.users[user.tenant] = self._user(user, ingest)

    def _tenant_role(self, tenant: str, key: EncryptionKey, ingest: IngestBucket) -> iam.Role:
        inbox, results = f"{INBOX_PREFIX}{tenant}/", f"{RESULTS_PREFIX}{tenant}/"
        # Transfer Family lists a logical folder with and without its trailing slash.
        listable = [inbox.rstrip("/"), f"{inbox}*", results.rstrip("/"), f"{results}*"]
        server_users = (
            f"arn:{Aws.PARTITION}:transfer:{Aws.REGION}:{Aws.ACCOUNT_ID}:user/{self.server.attr_server_id}/*"
        )
        role = iam.Role(
            self,
            f"Role-{tenant}",
            description=f"claimbatch SFTP user {tenant}: its inbox and results folders only",
            assumed_by=iam.ServicePrincipal(
                "transfer.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": server_users},
                },
            ),
        )
        statements = [
            # Transfer Family looks the bucket's region up (AWS's example user policies allow it).
            iam.PolicyStatement(
                sid="BucketLocation", actions=["s3:GetBucketLocation"], resources=[ingest.bucket.bucket_arn]
            ),
            iam.PolicyStatement(
                sid="ListOwnFolders",
                actions=["s3:ListBucket"],
                resources=[ingest.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": listable}},
            ),
            iam.PolicyStatement(sid="Inbox", actions=list(INBOX_ACTIONS), resources=[ingest.objects_arn(inbox)]),
            iam.PolicyStatement(
                sid="ResultsReadOnly", actions=list(RESULTS_ACTIONS), resources=[ingest.objects_arn(results)]
            ),
            iam.PolicyStatement(
                sid="StackKeyThroughS3",
                actions=list(USE_ACTIONS),
                resources=[key.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
            ),
        ]
        self.policies[tenant] = iam.ManagedPolicy(self, f"Access-{tenant}", statements=statements, roles=[role])
        return role

    def _user(self, user: SftpUser, ingest: IngestBucket) -> transfer.CfnUser:
        bucket = ingest.bucket.bucket_name
        return transfer.CfnUser(
            self,
            f"User-{user.tenant}",
            server_id=self.server.attr_server_id,
            user_name=user.tenant,
            role=self.roles[user.tenant].role_arn,
            home_directory_type="LOGICAL",
            home_directory_mappings=[
                transfer.CfnUser.HomeDirectoryMapEntryProperty(
                    entry=INBOX_FOLDER, target=f"/{bucket}/{INBOX_PREFIX}{user.tenant}"
                ),
                transfer.CfnUser.HomeDirectoryMapEntryProperty(
                    entry=RESULTS_FOLDER, target=f"/{bucket}/{RESULTS_PREFIX}{user.tenant}"
                ),
            ],
            ssh_public_keys=list(user.public_keys),
        )
