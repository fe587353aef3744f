"""Security settings of the synthesized template: encryption, TLS, buckets, table, IAM, secrets."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from claimbatch.adapters.aws import dynamodb_job_store
from claimbatch.handlers import env_vars

from infra.constructs.job_table import JobTable

from tests.infrastructure.conftest import Synthesized


def _key_arn(synthesized: Synthesized) -> dict[str, Any]:
    return {"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.encryption.key), "Arn"]}


def _statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy_document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_of(synthesized: Synthesized, handler: Any) -> list[dict[str, Any]]:
    policy = synthesized.resources[synthesized.logical_id(handler.policy)]
    return _statements(policy["Properties"]["PolicyDocument"])


def _flat(value: Any) -> str:
    """A resource as text: literal parts kept, references as <LogicalId>."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_flat(part) for part in value["Fn::Join"][1])
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return json.dumps(value)


# -- KMS -----------------------------------------------------------------------------------


def test_one_customer_managed_key_with_rotation(synthesized: Synthesized) -> None:
    synthesized.template.resource_count_is("AWS::KMS::Key", 1)
    synthesized.template.has_resource(
        "AWS::KMS::Key",
        {"Properties": Match.object_like({"EnableKeyRotation": True}), "DeletionPolicy": "Retain"},
    )


def test_the_key_lets_cloudwatch_logs_use_it_only_for_our_log_groups(synthesized: Synthesized) -> None:
    (key,) = synthesized.of_type("AWS::KMS::Key").values()
    statements = _statements(key["Properties"]["KeyPolicy"])
    (logs,) = [s for s in statements if "logs." in _flat(s["Principal"].get("Service", ""))]

    condition = _flat(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert condition.endswith(":log-group:/claimbatch/*")
    services = {_flat(s["Principal"].get("Service", "")) for s in statements}
    assert {"s3.amazonaws.com", "cloudwatch.amazonaws.com"} <= services


def test_queues_table_bucket_topic_and_logs_are_encrypted_with_the_key(synthesized: Synthesized) -> None:
    key = _key_arn(synthesized)
    for queue in synthesized.of_type("AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == key
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table", {"SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}}
    )
    synthesized.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": Match.any_value(),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    }
                ]
            },
        },
    )
    synthesized.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": key})
    for log_group in synthesized.of_type("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["KmsKeyId"] == key
    for function in synthesized.of_type("AWS::Lambda::Function").values():
        assert function["Properties"]["KmsKeyArn"] == key  # environment variables at rest


# -- TLS ----------------------------------------------------------------------------------


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    return (
        statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        and statement.get("Principal") in ({"AWS": "*"}, "*")
    )


@pytest.mark.parametrize(
    ("resource_type", "policy_type", "target_key"),
    [
        ("AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "Queues"),
        ("AWS::S3::Bucket", "AWS::S3::BucketPolicy", "Bucket"),
        ("AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "Topics"),
    ],
)
def test_every_queue_bucket_and_topic_refuses_requests_without_tls(
    synthesized: Synthesized, resource_type: str, policy_type: str, target_key: str
) -> None:
    protected = set()
    for policy in synthesized.of_type(policy_type).values():
        if any(_denies_plain_http(s) for s in _statements(policy["Properties"]["PolicyDocument"])):
            protected |= {_flat(target) for target in _as_list(policy["Properties"][target_key])}

    assert {f"<{name}>" for name in synthesized.of_type(resource_type)} <= protected


# -- S3 ------------------------------------------------------------------------------------


def test_both_buckets_block_public_access_are_versioned_and_owner_enforced(synthesized: Synthesized) -> None:
    buckets = synthesized.of_type("AWS::S3::Bucket")

    assert len(buckets) == 2
    for name, bucket in buckets.items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, name
        assert bucket["DeletionPolicy"] == "Retain", name


def test_the_ingest_bucket_logs_access_to_the_log_bucket_and_expires_old_versions(synthesized: Synthesized) -> None:
    ingest = synthesized.resources[synthesized.logical_id(synthesized.stack.ingest.bucket)]["Properties"]
    log_bucket_id = synthesized.logical_id(synthesized.stack.ingest.access_logs)
    rules = {rule["Id"]: rule for rule in ingest["LifecycleConfiguration"]["Rules"]}

    assert ingest["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_bucket_id}
    assert rules["ExpireOldVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_the_access_log_bucket_is_hardened_as_far_as_log_delivery_allows(synthesized: Synthesized) -> None:
    log_bucket = synthesized.resources[synthesized.logical_id(synthesized.stack.ingest.access_logs)]["Properties"]
    (rule,) = log_bucket["LifecycleConfiguration"]["Rules"]

    # S3 delivers server access logs only to SSE-S3 buckets (acknowledged in infra/nag.py).
    assert log_bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert rule["ExpirationInDays"] == 365
    synthesized.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": synthesized.logical_id(synthesized.stack.ingest.access_logs)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Action": "s3:PutObject",
                            }
                        )
                    ]
                )
            },
        },
    )


# -- DynamoDB ----------------------------------------------------------------------------------


def test_the_job_table_is_on_demand_recoverable_and_protected(synthesized: Synthesized) -> None:
    synthesized.template.resource_count_is("AWS::DynamoDB::Table", 1)
    synthesized.template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )


def _indexes(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    return {index["IndexName"]: index for index in table["Properties"]["GlobalSecondaryIndexes"]}


def test_the_job_table_has_the_two_sparse_indexes_of_the_job_store(synthesized: Synthesized) -> None:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    indexes = _indexes(synthesized)

    assert indexes == {
        "active-jobs": {
            "IndexName": "active-jobs",
            "KeySchema": [
                {"AttributeName": "active_pk", "KeyType": "HASH"},
                {"AttributeName": "active_sk", "KeyType": "RANGE"},
            ],
            # The store reads the table's pk from it (every index holds the table's keys).
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
        "tenant-jobs": {
            "IndexName": "tenant-jobs",
            "KeySchema": [
                {"AttributeName": "tenant_pk", "KeyType": "HASH"},
                {"AttributeName": "tenant_sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    }
    # Every key attribute is a string, and nothing else is declared.
    assert sorted(table["Properties"]["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": name, "AttributeType": "S"}
        for name in sorted(["pk", "sk", "active_pk", "active_sk", "tenant_pk", "tenant_sk"])
    ]


def test_the_index_names_are_the_ones_the_job_store_queries() -> None:
    assert {dynamodb_job_store.ACTIVE_INDEX, dynamodb_job_store.TENANT_INDEX} == {"active-jobs", "tenant-jobs"}


def test_an_existing_table_can_gain_its_indexes_one_deployment_at_a_time() -> None:
    # CloudFormation adds at most one global secondary index to an existing table per update.
    stack = Stack(App(), "OneIndex")
    table = JobTable(stack, "Jobs", key=kms.Key(stack, "Key"), indexes=("active-jobs",))

    (resource,) = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table").values()
    assert [index["IndexName"] for index in resource["Properties"]["GlobalSecondaryIndexes"]] == ["active-jobs"]
    with pytest.raises(ValueError, match="tenant-jobs"):
        table.index_arn("tenant-jobs")


# -- IAM -----------------------------------------------------------------------------------------


def _all_identity_statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    statements = []
    for policy in synthesized.of_type("AWS::IAM::ManagedPolicy").values():
        statements += _statements(policy["Properties"]["PolicyDocument"])
    return statements


def test_roles_carry_no_inline_policies_only_their_own_managed_policy(synthesized: Synthesized) -> None:
    synthesized.template.resource_count_is("AWS::IAM::Policy", 0)
    policies = synthesized.of_type("AWS::IAM::ManagedPolicy")
    roles = synthesized.of_type("AWS::IAM::Role")

    assert len(roles) == 8
    attached = []
    for role in roles.values():
        assert "Policies" not in role["Properties"]
        (policy,) = role["Properties"]["ManagedPolicyArns"]  # no AWS managed policy
        attached.append(policy["Ref"])
    assert sorted(attached) == sorted(policies)


def test_no_policy_grants_a_wildcard_action(synthesized: Synthesized) -> None:
    actions = [action for s in _all_identity_statements(synthesized) for action in _as_list(s["Action"])]

    assert actions
    assert [action for action in actions if "*" in action] == []


def test_wildcard_resources_are_only_x_ray_the_two_object_prefixes_and_the_table_streams(
    synthesized: Synthesized,
) -> None:
    bucket_id = synthesized.logical_id(synthesized.stack.ingest.bucket)
    table_id = synthesized.logical_id(synthesized.stack.jobs.table)
    wildcards = {}
    for statement in _all_identity_statements(synthesized):
        for resource in _as_list(statement["Resource"]):
            if "*" in _flat(resource):
                wildcards.setdefault(_flat(resource), set()).update(_as_list(statement["Action"]))

    # Over every function: the job API also writes inbox/ (presigned upload forms) and reads results/.
    assert wildcards == {
        "*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
        f"<{bucket_id}.Arn>/inbox/*": {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"},
        f"<{bucket_id}.Arn>/results/*": {
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
            "s3:GetObject",
        },
        f"<{table_id}.Arn>/stream/*": {"dynamodb:ListStreams"},  # the job-events function's stream poller
    }


def _grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """action -> resources (flattened) over a policy's statements."""
    granted: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            granted.setdefault(action, set()).update(_flat(r) for r in _as_list(statement["Resource"]))
    return granted


def test_the_splitter_reads_only_the_inbox_and_sends_to_the_three_queues(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.splitter.handler))
    bucket = synthesized.logical_id(stack.ingest.bucket)
    queue = {q: f"<{synthesized.logical_id(q.queue)}.Arn>" for q in stack.queues}

    assert granted["s3:GetObject"] == granted["s3:GetObjectVersion"] == {f"<{bucket}.Arn>/inbox/*"}
    assert "s3:PutObject" not in granted
    assert granted["sqs:SendMessage"] == set(queue.values())
    assert granted["sqs:ReceiveMessage"] == {queue[stack.split_queue]}
    assert "secretsmanager:GetSecretValue" not in granted


def test_the_worker_reads_the_one_credentials_secret_and_touches_no_object(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.workers.handler))

    assert granted["secretsmanager:GetSecretValue"] == {"<ClaimsApiCredentialsArn>"}
    assert granted["kms:Decrypt"] == {f"<{synthesized.logical_id(stack.encryption.key)}.Arn>"}
    assert granted["sqs:ReceiveMessage"] == {f"<{synthesized.logical_id(stack.rows_queue.queue)}.Arn>"}
    assert granted["sqs:SendMessage"] == {f"<{synthesized.logical_id(stack.aggregate_queue.queue)}.Arn>"}
    assert not [action for action in granted if action.startswith("s3:")]
    # A chunk's results are one item, read by key and written with its count: no query, no batch write.
    table = f"<{synthesized.logical_id(stack.jobs.table)}.Arn>"
    assert {action: resources for action, resources in granted.items() if action.startswith("dynamodb:")} == {
        action: {table} for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
    }


def test_the_aggregator_writes_only_under_results(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.aggregator.handler))
    bucket = synthesized.logical_id(stack.ingest.bucket)

    assert granted["s3:PutObject"] == {f"<{bucket}.Arn>/results/*"}
    # a cancelled job's input, read again; a job's own results file, copied to the name users see
    assert granted["s3:GetObject"] == {f"<{bucket}.Arn>/inbox/*", f"<{bucket}.Arn>/results/*"}
    assert granted["sqs:SendMessage"] == {f"<{synthesized.logical_id(stack.notifications.queue.queue)}.Arn>"}
    assert granted["dynamodb:Query"] == {f"<{synthesized.logical_id(stack.jobs.table)}.Arn>"}
    assert "dynamodb:BatchWriteItem" not in granted


def test_only_the_sweeper_and_the_job_api_query_an_index_each_its_own_and_only_job_events_lists_streams(
    synthesized: Synthesized,
) -> None:
    table_arn = f"<{synthesized.logical_id(synthesized.stack.jobs.table)}.Arn>"
    on_indexes = {}
    for handler in synthesized.stack.functions:
        for action, resources in _grants(_policy_of(synthesized, handler)).items():
            for resource in resources:
                if resource.startswith(f"{table_arn}/"):
                    on_indexes.setdefault(handler.settings.name, set()).add((action, resource))

    assert on_indexes == {
        "Sweeper": {("dynamodb:Query", f"{table_arn}/index/active-jobs")},
        "JobApi": {("dynamodb:Query", f"{table_arn}/index/tenant-jobs")},
        "JobEvents": {("dynamodb:ListStreams", f"{table_arn}/stream/*")},
    }


def test_the_sweeper_reads_the_active_jobs_and_redrives_through_the_split_and_aggregate_queues(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.sweeper.handler))
    table = f"<{synthesized.logical_id(stack.jobs.table)}.Arn>"
    key = f"<{synthesized.logical_id(stack.encryption.key)}.Arn>"

    assert {action: resources for action, resources in granted.items() if action.startswith("dynamodb:")} == {
        "dynamodb:Query": {f"{table}/index/active-jobs"},
        "dynamodb:GetItem": {table},
        "dynamodb:UpdateItem": {table},
    }
    assert granted["sqs:SendMessage"] == {
        f"<{synthesized.logical_id(stack.split_queue.queue)}.Arn>",
        f"<{synthesized.logical_id(stack.aggregate_queue.queue)}.Arn>",
    }
    assert granted["kms:Decrypt"] == granted["kms:GenerateDataKey"] == {key}
    assert "sqs:ReceiveMessage" not in granted  # scheduled, not a queue consumer
    assert not [action for action in granted if action.startswith(("s3:", "secretsmanager:"))]


def test_the_dead_letter_function_consumes_the_rows_dead_letters_and_only_asks_for_summaries(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.dead_letters.handler))
    table = f"<{synthesized.logical_id(stack.jobs.table)}.Arn>"
    rows_dead_letters = f"<{synthesized.logical_id(stack.rows_queue.dead_letters)}.Arn>"

    # count_chunk's transaction is authorized on its conditional Put and Update
    # (dynamodb:TransactWriteItems is no IAM action).
    assert {action: resources for action, resources in granted.items() if action.startswith("dynamodb:")} == {
        action: {table}
        for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
    }
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"):
        assert granted[action] == {rows_dead_letters}, action
    # It completes jobs (the summary request); it never continues a split, so no split queue.
    assert granted["sqs:SendMessage"] == {f"<{synthesized.logical_id(stack.aggregate_queue.queue)}.Arn>"}
    assert granted["kms:Decrypt"] == {f"<{synthesized.logical_id(stack.encryption.key)}.Arn>"}
    assert not [action for action in granted if action.startswith(("s3:", "secretsmanager:"))]


def test_each_function_writes_only_its_own_log_group(synthesized: Synthesized) -> None:
    for handler in synthesized.stack.functions:
        granted = _grants(_policy_of(synthesized, handler))
        assert granted["logs:PutLogEvents"] == {f"<{synthesized.logical_id(handler.log_group)}.Arn>"}


# -- Environment and secrets -----------------------------------------------------------------------

_POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
    "POWERTOOLS_TRACER_CAPTURE_ERROR",
}


# Variables a function reads that the stack leaves unset on purpose, each with its reason.
_NOT_DEPLOYED = {
    # The notifier's e-mail sender: set only when the stack is given one (context
    # notify_email_from); without it the notifier sends webhooks only.
    "NOTIFY_EMAIL_SENDER",
}


def _aliases(model: type) -> tuple[set[str], set[str]]:
    """(required, all) environment variable names of a function's env model."""
    fields = model.model_fields.values()  # type: ignore[attr-defined]
    return {f.alias for f in fields if f.is_required()}, {f.alias for f in fields} - _NOT_DEPLOYED


@pytest.mark.parametrize(
    ("handler", "model"),
    [
        ("claimbatch.handlers.splitter.handler", env_vars.SplitterEnv),
        ("claimbatch.handlers.worker.handler", env_vars.WorkerEnv),
        ("claimbatch.handlers.aggregator.handler", env_vars.AggregatorEnv),
        ("claimbatch.handlers.dead_letters.handler", env_vars.SignalsEnv),
        ("claimbatch.handlers.sweeper.handler", env_vars.SignalsEnv),
        ("claimbatch.handlers.job_api.handler", env_vars.JobApiEnv),
        ("claimbatch.handlers.notifier.handler", env_vars.NotifierEnv),
        ("claimbatch.handlers.job_state_events.handler", env_vars.JobEventsEnv),
    ],
)
def test_each_function_gets_the_environment_its_env_model_reads(
    synthesized: Synthesized, handler: str, model: type
) -> None:
    (function,) = [
        f for f in synthesized.of_type("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == handler
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    _, known = _aliases(model)

    # Optional ones included: a function never runs on a default the stack did not choose.
    assert set(variables) - _POWERTOOLS == known, "exactly what the function reads"
    assert variables["POWERTOOLS_SERVICE_NAME"] == variables["POWERTOOLS_METRICS_NAMESPACE"] == "claimbatch"
    # Every literal value is one the model accepts.
    fields = {field.alias: field for field in model.model_fields.values()}  # type: ignore[attr-defined]
    for name, value in variables.items():
        if isinstance(value, str) and name in fields:
            field = fields[name]
            annotation = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            TypeAdapter(annotation).validate_python(value)


@pytest.mark.parametrize("handler", ["claimbatch.handlers.dead_letters.handler", "claimbatch.handlers.sweeper.handler"])
def test_the_signal_functions_get_exactly_the_signals_environment(synthesized: Synthesized, handler: str) -> None:
    (function,) = [
        f for f in synthesized.of_type("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == handler
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    stack, settings = synthesized.stack, synthesized.settings

    assert set(variables) - _POWERTOOLS == _aliases(env_vars.SignalsEnv)[1] == {
        "TABLE_NAME",
        "SPLIT_QUEUE_URL",
        "AGGREGATE_QUEUE_URL",
        "STALL_AFTER_S",
        "MAX_REDRIVES",
    }
    assert variables["TABLE_NAME"] == {"Ref": synthesized.logical_id(stack.jobs.table)}
    assert variables["SPLIT_QUEUE_URL"] == {"Ref": synthesized.logical_id(stack.split_queue.queue)}
    assert variables["AGGREGATE_QUEUE_URL"] == {"Ref": synthesized.logical_id(stack.aggregate_queue.queue)}
    assert variables["STALL_AFTER_S"] == str(settings.stall_after_s)
    assert variables["MAX_REDRIVES"] == str(settings.max_redrives)


def test_the_job_api_gets_exactly_the_job_api_environment(synthesized: Synthesized) -> None:
    stack, settings = synthesized.stack, synthesized.settings
    function = synthesized.resources[synthesized.logical_id(stack.job_api.handler.function)]["Properties"]
    variables = function["Environment"]["Variables"]

    assert function["Handler"] == "claimbatch.handlers.job_api.handler"
    only_with_email = {"NOTIFY_EMAIL_SENDER"}  # set with the context key notify_email_from (POST /notifications/test)
    assert set(variables) - _POWERTOOLS == _aliases(env_vars.JobApiEnv)[1] - only_with_email == {
        "TABLE_NAME",
        "ROWS_QUEUE_URL",
        "AGGREGATE_QUEUE_URL",
        "MAX_ROWS_PER_FILE",
        "MAX_BYTES_PER_FILE",
        "INGEST_BUCKET",
        "KMS_KEY_ID",
        "ROWS_PER_MESSAGE",
        "MAX_UPLOAD_BYTES",
        "UPLOAD_URL_EXPIRES_S",
        "DOWNLOAD_URL_EXPIRES_S",
        "SIGN_IN_DOMAIN",
        "SIGN_IN_CLIENT_ID",
    }
    assert variables["TABLE_NAME"] == {"Ref": synthesized.logical_id(stack.jobs.table)}
    assert variables["ROWS_QUEUE_URL"] == {"Ref": synthesized.logical_id(stack.rows_queue.queue)}
    assert variables["AGGREGATE_QUEUE_URL"] == {"Ref": synthesized.logical_id(stack.aggregate_queue.queue)}
    assert variables["INGEST_BUCKET"] == {"Ref": synthesized.logical_id(stack.ingest.bucket)}
    assert variables["KMS_KEY_ID"] == _key_arn(synthesized)  # the bucket's key: uploads must use it
    # A retry re-reads the input exactly as the splitter did: same limits, same chunk size.
    splitter = synthesized.resources[synthesized.logical_id(stack.splitter.handler.function)]["Properties"]
    for name in ("MAX_ROWS_PER_FILE", "MAX_BYTES_PER_FILE", "ROWS_PER_MESSAGE"):
        assert variables[name] == splitter["Environment"]["Variables"][name], name
    assert variables["MAX_UPLOAD_BYTES"] == str(settings.max_upload_bytes)
    assert int(variables["MAX_UPLOAD_BYTES"]) <= int(variables["MAX_BYTES_PER_FILE"])
    assert variables["UPLOAD_URL_EXPIRES_S"] == str(settings.upload_url_expires_s)
    assert variables["DOWNLOAD_URL_EXPIRES_S"] == str(settings.download_url_expires_s)


def test_credentials_reach_the_worker_only_as_a_secret_arn_parameter(synthesized: Synthesized) -> None:
    worker = synthesized.resources[synthesized.logical_id(synthesized.stack.workers.handler.function)]
    variables = worker["Properties"]["Environment"]["Variables"]

    assert variables["CLAIMS_API_SECRET_ARN"] == {"Ref": "ClaimsApiCredentialsArn"}
    assert variables["CLAIMS_API_BASE_URL"] == {"Ref": "ClaimsApiBaseUrl"}
    assert variables["CLAIMS_PROVIDER_TIN"] == {"Ref": "ClaimsProviderTin"}


def test_environment_values_are_references_or_plain_settings(synthesized: Synthesized) -> None:
    # Nothing secret and nothing about patients can hide in a literal: every
    # literal value is a number, a switch or the service's name.
    literals = set()
    for function in synthesized.of_type("AWS::Lambda::Function").values():
        for name, value in function["Properties"]["Environment"]["Variables"].items():
            if isinstance(value, str):
                literals.add(value)
            elif name == "SIGN_IN_DOMAIN":  # references joined into the hosted sign-in's URL (test_job_api.py)
                assert set(value) == {"Fn::Join"}, name
            else:
                assert set(value) <= {"Ref", "Fn::GetAtt"}, name

    assert {v for v in literals if not _is_number(v)} <= {"claimbatch", "INFO", "false"}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_api_parameters_are_validated_at_deploy_time(synthesized: Synthesized) -> None:
    parameters = synthesized.document["Parameters"]

    assert parameters["ClaimsApiBaseUrl"]["AllowedPattern"].startswith("^https://")
    assert "secretsmanager" in parameters["ClaimsApiCredentialsArn"]["AllowedPattern"]
    assert parameters["ClaimsProviderTin"]["AllowedPattern"] == "^[0-9]{9}$"
    assert parameters["ClaimsPayerId"]["Default"] == "87726"
    assert parameters["ClaimsApiEnvironment"]["Default"] == ""  # no `environment` header unless asked
    assert "Default" not in parameters["ClaimsApiCredentialsArn"]
