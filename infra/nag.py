"""cdk-nag (v3): the rule packs the stack is held to, and every finding we
accept, each with its reason. This is the only place that acknowledges findings.

Packs: AwsSolutions, HIPAA.Security and Serverless. They run at synthesis
(`Validations.of(app).add_plugins(...)`): an unacknowledged finding fails
`make synth` and `cdk deploy`. Acknowledgements are attached to the narrowest
construct that carries the finding and are copied into the template's resource
Metadata (`cdk_nag.rules_to_suppress`) as an audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NagPack, ServerlessChecks
from constructs import IConstruct

from infra.constructs.pipeline_function import PipelineFunction
from infra.settings import INBOX_PREFIX, RESULTS_PREFIX
from infra.stack import ClaimbatchStack


@dataclass(frozen=True)
class Accepted:
    rule: str
    reason: str


# -- Lambda functions -------------------------------------------------------------

NOT_IN_VPC = (
    "The functions reach only public AWS endpoints (S3, SQS, DynamoDB, Secrets Manager, KMS, X-Ray, CloudWatch "
    "Logs), all over TLS with SigV4-signed IAM requests, and the payer's claims API on the internet over TLS. "
    "There is no private resource to reach, so a VPC would add a NAT gateway (for the payer API) and interface "
    "endpoints at a fixed monthly cost without changing who can reach the data, which IAM and KMS already decide."
)
NO_RESERVED_CONCURRENCY = (
    "Concurrency is bounded per function by the MaximumConcurrency of its SQS event source (infra/settings.py; "
    "the worker's is derived from the claims API request budget), which AWS recommends over reserved concurrency "
    "for SQS triggers: reserved concurrency below the pollers' concurrency throttles invocations, inflates receive "
    "counts and pushes healthy messages into the dead-letter queues, and it would also take capacity from the "
    "account pool (a new account's quota of 10 makes the deployment fail)."
)
NO_FUNCTION_DLQ = (
    "The function is only invoked synchronously, by an SQS event source mapping; a function dead-letter queue "
    "applies to asynchronous invocations and would never receive anything. Failed messages go to the dead-letter "
    "queue of their source queue (redrive policy, maxReceiveCount >= 5), and an alarm watches the last queue of "
    "that chain."
)
NO_ESM_FAILURE_DESTINATION = (
    "Lambda supports on-failure destinations for stream and Kafka event sources only, not for SQS. The SQS "
    "equivalent is in place: the source queue's redrive policy moves a message that keeps failing to its "
    "dead-letter queue, and an alarm fires on that queue's depth."
)
PYTHON_3_13 = (
    "python3.13 is the runtime the project is built and tested for: the bundle's binary wheels (pydantic-core "
    "and others) are installed for CPython 3.13, and the code is tested on it. It is a current, supported Lambda "
    "runtime; moving to 3.14 is a deliberate upgrade with its own test run, not a side effect of a lint rule."
)

# -- The scheduled sweeper ------------------------------------------------------------------

SWEEPER_CONCURRENCY = (
    "The sweeper is invoked only by its schedule (every 5 minutes by default) and its timeout is shorter than the "
    "period, so one sweep runs at a time (two at most while Lambda retries a failed one): there is nothing to cap. "
    "Reserved concurrency would take capacity out of the account's pool for good, and an account still on the "
    "new-account quota of 10 cannot reserve any, so the deployment would fail."
)
SWEEPER_NO_DLQ = (
    "The sweeper's only event is the schedule's tick, which carries no data: a sweep reads its work from the job "
    "table's active-jobs index. A dead-letter queue would hold nothing but the times of failed sweeps, and redriving "
    "one would only repeat what the next tick, at most one period later, does anyway. Failing sweeps are reported "
    "by the alarm on the function's Errors metric instead."
)
SCHEDULE_NO_TARGET_DLQ = (
    "The rule's one target is the sweeper and its event a schedule tick without data. A tick EventBridge cannot hand "
    "to Lambda within one period (the target's maximum event age) is superseded by the next tick, which does the "
    "same work, so a target dead-letter queue would only collect timestamps. Undelivered ticks still show in the "
    "rule's FailedInvocations metric, and failing sweeps in the alarm on the sweeper's Errors."
)

# -- The job API ---------------------------------------------------------------------------

API_CONCURRENCY = (
    "The job API function is invoked only by its HTTP API, and the API's stage throttles every route (a default "
    "route rate and burst limit, infra/settings.py), which bounds its concurrency: at 20 requests per second and "
    "sub-second answers a handful of instances. Reserved concurrency would take capacity out of the account's pool "
    "for good, and an account still on the new-account quota of 10 cannot reserve any, so the deployment would fail."
)
API_NO_DLQ = (
    "API Gateway invokes the job API function synchronously and hands its answer, or the error, straight back to the "
    "caller, who sees the status and may retry. A function dead-letter queue applies to asynchronous invocations "
    "only and would never receive anything; failed requests show in the API's access log and the function's log."
)
API_INBOX_OBJECTS = (
    "The job API signs presigned POST upload forms, and S3 authorizes the upload as the form's signer, so the role "
    "needs s3:PutObject for keys inbox/<tenant>/<upload id>/<file name>, which vary with every request; each form's "
    "policy pins the exact key, the size and SSE-KMS with the stack key. A retry also reads the input again "
    "(GetObject, GetObjectVersion). One role serves every tenant, so tenants are kept apart in code by the verified "
    "token's tenant, from which every key is built; inbox/ is the narrowest prefix IAM can name here."
)
API_RESULTS_OBJECTS = (
    "The job API reads (s3:GetObject only, no writes) results files under results/ of the one ingest bucket: the "
    "errors route reads the failed rows from a job's results file, and the results route signs a short-lived "
    "download link for it. The files are named after the inputs users choose, so results/ is the narrowest prefix."
)
USER_POOL_NOT_PLUS = (
    "The user pool is on the Essentials feature plan: administrator-created users only (no self sign-up), a 14-"
    "character password policy and required TOTP MFA. Plus adds threat protection (risk-based adaptive "
    "authentication, compromised-credential checks) at a per-user monthly price with no free tier, for a handful of "
    "billing staff accounts that MFA already protects. An operator who wants it sets the feature plan to Plus."
)

XRAY_WRITE = (
    "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; AWS requires "
    "Resource '*' for them. They only let the function send its own trace data."
)

# -- S3 -------------------------------------------------------------------------------

INBOX_OBJECTS = (
    "The splitter reads (GetObject, GetObjectVersion) any object under inbox/ of the one ingest bucket: object "
    "keys are the file names users and feeds choose, so the inbox/ prefix is the narrowest scope there is. It "
    "cannot read results/ or anything else."
)
RESULTS_OBJECTS = (
    "The aggregator writes (PutObject and multipart upload) results files and summaries under results/ of the "
    "one ingest bucket, named after the input files, so the results/ prefix is the narrowest scope there is, and "
    "reads them there (GetObject) only to copy a job's own results file to the name users see. It "
    "cannot overwrite inbox/."
)
AGGREGATOR_INBOX_OBJECTS = (
    "The aggregator reads (GetObject, GetObjectVersion) the input of a cancelled job under inbox/ of the one "
    "ingest bucket, so that every row still gets its line in the results file; input keys are the file names "
    "users and feeds choose, so the inbox/ prefix is the narrowest scope there is. It cannot write there."
)
NO_REPLICATION = (
    "Cross-region replication needs a second bucket, KMS key and IAM role in another region, which this "
    "single-region stack does not own; an operator who needs it adds a replica stack. Durability within the "
    "region comes from S3 itself (multi-AZ), versioning with 30 days of old versions, and the fact that every "
    "result can be rebuilt by submitting the input again."
)
ACCESS_LOG_SSE_S3 = (
    "This bucket receives S3 server access logs, and S3 delivers those only to buckets encrypted with SSE-S3, not "
    "SSE-KMS. It holds request metadata (keys, requesters), no file contents; it blocks public access, allows TLS "
    "only, is versioned and expires logs after a year."
)

# -- SFTP (AWS Transfer Family, with context sftp=true) ---------------------------------------

SFTP_INBOX_OBJECTS = (
    "An SFTP user uploads, reads back, renames (copy and delete) and deletes the files it chooses under its own "
    "inbox/<tenant>/ prefix, which its /inbox folder maps to; the file names are the clearinghouse's, so that prefix "
    "is the narrowest scope there is. The role is this tenant's alone and reaches no other tenant's prefix."
)
SFTP_RESULTS_OBJECTS = (
    "An SFTP user downloads (s3:GetObject only, no writes or deletes: /results is read-only) the results files and "
    "summaries under its own results/<tenant>/ prefix, named after its inputs, so that prefix is the narrowest scope "
    "there is. The role is this tenant's alone and reaches no other tenant's prefix."
)


# -- DynamoDB and SQS --------------------------------------------------------------------

PITR_NOT_BACKUP_PLAN = (
    "The table has point-in-time recovery (continuous backups, restore to any second of the last 35 days) and "
    "deletion protection. Its items are transient job state that expires by TTL; the lasting records (input "
    "files, results, summaries) live in the versioned bucket. A Backup plan would keep extra copies of patient "
    "data past its TTL without adding a recovery path."
)
DLQ_HAS_NO_DLQ = (
    "This queue is the last dead-letter queue of its chain and nothing consumes it: it keeps failed messages for "
    "14 days for inspection and redrive, and an alarm fires as soon as it holds one. A dead-letter queue of its own "
    "would only move the same messages one hop further."
)

# -- The web page -------------------------------------------------------------------------------

WEB_PAGE_IS_PUBLIC = (
    "The web page (GET /) and its scripts and style sheet (GET /web/{name}) must load before anyone has signed "
    "in: they are the sign-in. They hold no data (fixed files and the sign-in settings); every data route of "
    "the API keeps the Cognito JWT authorizer, and the stage's throttling applies to these routes too."
)


# -- Notifications ----------------------------------------------------------------------------

JOB_EVENTS_CONCURRENCY = (
    "The job-events function is invoked only by the job table's stream, which runs one batch per shard at a time "
    "(the table has a handful of shards), so its concurrency is bounded by the stream itself. Reserved concurrency "
    "would take capacity out of the account's pool for good, and a new account's quota of 10 cannot spare any."
)
JOB_EVENTS_NO_DLQ = (
    "The job-events function is only invoked synchronously by its stream event source mapping; a function "
    "dead-letter queue applies to asynchronous invocations only. Records it cannot publish after 10 retries are "
    "described in the mapping's on-failure destination (an encrypted queue with an alarm)."
)
STREAM_FAILURES_IS_A_DLQ = (
    "This queue is the on-failure destination of the job table's stream mapping: it receives descriptions of "
    "stream batches the job-events function could not publish, keeps them 14 days for inspection, and an alarm "
    "fires as soon as it holds one. It is the end of its chain; nothing consumes it."
)
JOB_STREAMS = (
    "Lambda's stream poller lists the table's streams (dynamodb:ListStreams) before reading the current one; "
    "stream ARNs end in a creation timestamp, so table/<name>/stream/* is the narrowest resource naming this "
    "table's streams. Reading records is allowed on the current stream's ARN only."
)


def _accept_notifications(stack: ClaimbatchStack) -> None:
    notifications = stack.notifications
    _accept(
        notifications.queue.last_dead_letters.node.default_child,
        Accepted("Serverless-SQSRedrivePolicy", DLQ_HAS_NO_DLQ),
    )
    _accept(
        notifications.stream_failures.node.default_child,
        Accepted("Serverless-SQSRedrivePolicy", STREAM_FAILURES_IS_A_DLQ),
        Accepted("AwsSolutions-SQS3", STREAM_FAILURES_IS_A_DLQ),
    )
    _accept(
        notifications.job_events.policy.node.default_child,
        Accepted(_iam5_resource(stack, f"{stack.jobs.table.table_arn}/stream/*"), JOB_STREAMS),
    )


def rule_packs(app: App | None = None) -> list[NagPack]:
    """The packs; given the app, acknowledgements are also written into the template."""
    audit_trail = app is not None
    return [
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=audit_trail),
        HIPAASecurityChecks(app, write_suppressions_to_cloud_formation=audit_trail),
        ServerlessChecks(app, write_suppressions_to_cloud_formation=audit_trail),
    ]


def register_rule_packs(app: App) -> None:
    Validations.of(app).add_plugins(*rule_packs(app))


def acknowledge_accepted_findings(stack: ClaimbatchStack) -> None:
    for function in stack.functions:
        if function is stack.job_api.handler:
            _accept_function(function, concurrency=API_CONCURRENCY, no_dlq=API_NO_DLQ)
        elif function is stack.notifications.job_events:
            _accept_function(function, concurrency=JOB_EVENTS_CONCURRENCY, no_dlq=JOB_EVENTS_NO_DLQ)
        elif function.schedule is not None:
            _accept_function(function, concurrency=SWEEPER_CONCURRENCY, no_dlq=SWEEPER_NO_DLQ)
        else:
            _accept_function(function, concurrency=NO_RESERVED_CONCURRENCY, no_dlq=NO_FUNCTION_DLQ)
    _accept(
        stack.splitter.handler.policy.node.default_child,
        Accepted(_iam5_resource(stack, stack.ingest.objects_arn(INBOX_PREFIX)), INBOX_OBJECTS),
    )
    _accept(
        stack.aggregator.handler.policy.node.default_child,
        Accepted(_iam5_resource(stack, stack.ingest.objects_arn(RESULTS_PREFIX)), RESULTS_OBJECTS),
        Accepted(_iam5_resource(stack, stack.ingest.objects_arn(INBOX_PREFIX)), AGGREGATOR_INBOX_OBJECTS),
    )
    _accept(
        stack.job_api.handler.policy.node.default_child,
        Accepted(_iam5_resource(stack, stack.ingest.objects_arn(INBOX_PREFIX)), API_INBOX_OBJECTS),
        Accepted(_iam5_resource(stack, stack.ingest.objects_arn(RESULTS_PREFIX)), API_RESULTS_OBJECTS),
    )
    _accept(stack.api_users.pool.node.default_child, Accepted("AwsSolutions-COG8", USER_POOL_NOT_PLUS))
    if stack.sftp is not None:
        for tenant, policy in stack.sftp.policies.items():
            _accept(
                policy.node.default_child,
                Accepted(_iam5_resource(stack, stack.ingest.objects_arn(f"{INBOX_PREFIX}{tenant}/")), SFTP_INBOX_OBJECTS),
                Accepted(
                    _iam5_resource(stack, stack.ingest.objects_arn(f"{RESULTS_PREFIX}{tenant}/")), SFTP_RESULTS_OBJECTS
                ),
            )
    for route in stack.job_api.page_routes:
        _accept(route.node.default_child, Accepted("AwsSolutions-APIG4", WEB_PAGE_IS_PUBLIC))
    for bucket in (stack.ingest.bucket, stack.ingest.access_logs):
        _accept(bucket.node.default_child, Accepted("HIPAA.Security-S3BucketReplicationEnabled", NO_REPLICATION))
    _accept(
        stack.ingest.access_logs.node.default_child,
        Accepted("HIPAA.Security-S3DefaultEncryptionKMS", ACCESS_LOG_SSE_S3),
    )
    _accept(stack.jobs.table.node.default_child, Accepted("HIPAA.Security-DynamoDBInBackupPlan", PITR_NOT_BACKUP_PLAN))
    _accept_notifications(stack)
    for queue in stack.queues:
        # The rows queue's dead letters are consumed and have a redrive policy: its final queue ends the chain.
        _accept(queue.last_dead_letters.node.default_child, Accepted("Serverless-SQSRedrivePolicy", DLQ_HAS_NO_DLQ))


def _accept_function(function: PipelineFunction, *, concurrency: str, no_dlq: str) -> None:
    _accept(
        function.function.node.default_child,
        Accepted("HIPAA.Security-LambdaInsideVPC", NOT_IN_VPC),
        Accepted("HIPAA.Security-LambdaConcurrency", concurrency),
        Accepted("HIPAA.Security-LambdaDLQ", no_dlq),
        Accepted("Serverless-LambdaDLQ", no_dlq),
        Accepted("AwsSolutions-L1", PYTHON_3_13),
        Accepted("Serverless-LambdaLatestVersion", PYTHON_3_13),
    )
    for mapping in function.event_sources:
        _accept(
            mapping.node.default_child,
            Accepted("Serverless-LambdaEventSourceMappingDestination", NO_ESM_FAILURE_DESTINATION),
        )
    if function.schedule is not None:
        _accept(function.schedule.node.default_child, Accepted("Serverless-EventBusDLQ", SCHEDULE_NO_TARGET_DLQ))
    _accept(function.policy.node.default_child, Accepted("AwsSolutions-IAM5[Resource::*]", XRAY_WRITE))


def _accept(resource: IConstruct | None, *findings: Accepted) -> None:
    """Acknowledge on the CloudFormation resource itself, so nothing else inherits it."""
    assert resource is not None
    for finding in findings:
        Validations.of(resource).acknowledge(Acknowledgment(id=finding.rule, reason=finding.reason))


def _iam5_resource(stack: Stack, resource: str) -> str:
    """The finding id cdk-nag gives a wildcard resource (its flattenCfnReference)."""
    return f"AwsSolutions-IAM5[Resource::{_flatten(stack.resolve(resource))}]"


def _flatten(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
