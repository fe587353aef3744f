"""SFTP feeds on AWS (context sftp=true): a Transfer Family server, one user and one role per
tenant with logical /inbox and /results folders, held to cdk-nag and cfn-lint like the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint

from infra.app import build_app
from infra.constructs.sftp import SECURITY_POLICY
from infra.nag import rule_packs
from tests.infrastructure.conftest import Synthesized

ACME_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC/sRoMpP0ulDO57FC0Z0Z3J8jU15Hke7KtB6gbSh8P0 ops@acme"
BETA_KEYS = [
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WhZrNmkzjqw2Ae4= a@beta",
    ACME_KEY,
]
TENANTS = {"acme": [ACME_KEY], "beta.co": BETA_KEYS}


@pytest.fixture(scope="module")
def sftp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    outdir = tmp_path_factory.mktemp("cdk.out.sftp")
    context = {"skip_dependency_install": "true", "sftp": "true", "sftp_users": json.dumps(TENANTS)}
    app, stack = build_app(context=context, outdir=str(outdir))
    failure = None
    try:
        app.synth()
    except Exception as error:  # the rule packs' report; the template is written first
        failure = str(error)
    template_path = Path(outdir) / stack.template_file
    document = json.loads(template_path.read_text(encoding="utf-8"))
    yield Synthesized(app, stack, Template.from_json(document), document["Resources"], document, template_path, failure)


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["Properties"]


def _users(sftp: Synthesized) -> dict[str, dict[str, Any]]:
    return {_props(user)["UserName"]: _props(user) for user in sftp.of_type("AWS::Transfer::User").values()}


def _role_policy(sftp: Synthesized, user: dict[str, Any]) -> list[dict[str, Any]]:
    role = user["Role"]["Fn::GetAtt"][0]
    (policy,) = [
        _props(resource)["PolicyDocument"]["Statement"]
        for resource in sftp.of_type("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role} in _props(resource).get("Roles", [])
    ]
    return policy


def _bucket_ref(sftp: Synthesized) -> str:
    return sftp.logical_id(sftp.stack.ingest.bucket)


def test_off_by_default(synthesized: Synthesized):
    assert synthesized.settings.sftp is False
    assert [res["Type"] for res in synthesized.resources.values() if res["Type"].startswith("AWS::Transfer::")] == []
    assert not any("Sftp" in name for name in synthesized.document["Outputs"])


def test_the_server_is_sftp_only_with_keys_only_and_a_current_security_policy(sftp: Synthesized):
    (server,) = sftp.of_type("AWS::Transfer::Server").values()
    props = _props(server)

    assert props["Protocols"] == ["SFTP"]
    assert props["IdentityProviderType"] == "SERVICE_MANAGED"  # keys per user, no password, no custom IdP
    assert props["Domain"] == "S3" and props["EndpointType"] == "PUBLIC"
    assert props["SecurityPolicyName"] == SECURITY_POLICY == "TransferSecurityPolicy-2024-01"
    assert props["ProtocolDetails"] == {"SetStatOption": "ENABLE_NO_OP"}
    assert "LoggingRole" not in props and "WorkflowDetails" not in props
    assert set(sftp.document["Outputs"]) >= {"SftpEndpoint", "SftpServerId"}


def test_the_server_logs_to_a_log_group_encrypted_with_the_stack_key(sftp: Synthesized):
    (server,) = sftp.of_type("AWS::Transfer::Server").values()
    (destination,) = _props(server)["StructuredLogDestinations"]
    log_group = sftp.resources[destination["Fn::GetAtt"][0]]

    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert _props(log_group)["LogGroupName"] == "/claimbatch/sftp"  # the prefix the key lets CloudWatch Logs use
    assert _props(log_group)["KmsKeyId"] == {"Fn::GetAtt": [sftp.logical_id(sftp.stack.encryption.key), "Arn"]}
    assert _props(log_group)["RetentionInDays"] == 365


def test_each_tenant_is_a_user_with_its_keys_and_two_logical_folders(sftp: Synthesized):
    users = _users(sftp)

    assert set(users) == set(TENANTS)
    for tenant, user in users.items():
        assert user["SshPublicKeys"] == TENANTS[tenant]
        assert user["HomeDirectoryType"] == "LOGICAL"
        assert user["HomeDirectoryMappings"] == [
            {"Entry": "/inbox", "Target": {"Fn::Join": ["", ["/", {"Ref": _bucket_ref(sftp)}, f"/inbox/{tenant}"]]}},
            {"Entry": "/results", "Target": {"Fn::Join": ["", ["/", {"Ref": _bucket_ref(sftp)}, f"/results/{tenant}"]]}},
        ]
        assert "HomeDirectory" not in user and "Policy" not in user
    roles = {json.dumps(user["Role"]) for user in users.values()}
    assert len(roles) == len(users), "one role per tenant"


def test_a_tenants_role_writes_only_its_inbox_and_reads_only_its_results(sftp: Synthesized):
    bucket_arn = {"Fn::GetAtt": [_bucket_ref(sftp), "Arn"]}
    for tenant, user in _users(sftp).items():
        statements = {statement["Sid"]: statement for statement in _role_policy(sftp, user)}

        assert set(statements) == {"BucketLocation", "ListOwnFolders", "Inbox", "ResultsReadOnly", "StackKeyThroughS3"}
        location = statements["BucketLocation"]
        assert (location["Action"], location["Resource"]) == ("s3:GetBucketLocation", bucket_arn)
        assert all(statement["Effect"] == "Allow" for statement in statements.values())
        listing = statements["ListOwnFolders"]
        assert (listing["Action"], listing["Resource"]) == ("s3:ListBucket", bucket_arn)
        assert listing["Condition"] == {
            "StringLike": {
                "s3:prefix": [f"inbox/{tenant}", f"inbox/{tenant}/*", f"results/{tenant}", f"results/{tenant}/*"]
            }
        }
        inbox = statements["Inbox"]
        assert sorted(inbox["Action"]) == ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
        assert inbox["Resource"] == {"Fn::Join": ["", [bucket_arn, f"/inbox/{tenant}/*"]]}
        results = statements["ResultsReadOnly"]
        assert results["Action"] == "s3:GetObject"  # /results is read-only
        assert results["Resource"] == {"Fn::Join": ["", [bucket_arn, f"/results/{tenant}/*"]]}
        kms = statements["StackKeyThroughS3"]
        assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert kms["Resource"] == {"Fn::GetAtt": [sftp.logical_id(sftp.stack.encryption.key), "Arn"]}
        assert kms["Condition"] == {
            "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
        }
        others = [name for name in TENANTS if name != tenant]
        assert not any(f"/{other}" in json.dumps(statements) for other in others)


def test_only_transfer_family_for_this_servers_users_assumes_a_tenant_role(sftp: Synthesized):
    server = sftp.stack.resolve(sftp.stack.get_logical_id(sftp.stack.sftp.server))
    for user in _users(sftp).values():
        role = sftp.resources[user["Role"]["Fn::GetAtt"][0]]
        (trust,) = _props(role)["AssumeRolePolicyDocument"]["Statement"]

        assert trust["Principal"] == {"Service": "transfer.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
        source = json.dumps(trust["Condition"]["ArnLike"]["aws:SourceArn"])
        assert ":transfer:" in source and ":user/" in source and server in source
        assert "ManagedPolicyArns" not in _props(role) and "Policies" not in _props(role)


def test_cdk_nag_finds_nothing_unacknowledged_and_every_acknowledgement_has_a_reason(sftp: Synthesized):
    assert sftp.validation_failure is None, sftp.validation_failure
    findings = [violation.rule_name for pack in rule_packs() for violation in pack.validate_scope(sftp.app).violations]
    assert findings == []
    acknowledged = {
        name: resource["Metadata"]["cdk_nag"]["rules_to_suppress"]
        for name, resource in sftp.resources.items()
        if name.startswith("SftpAccess")
    }
    assert len(acknowledged) == len(TENANTS)
    for rules in acknowledged.values():
        assert sorted(rule["id"].split("::")[1].split("/")[1] for rule in rules) == ["inbox", "results"]
        assert all(len(rule["reason"]) >= 100 for rule in rules)


def test_cfn_lint_reports_no_errors_and_no_new_warnings(sftp: Synthesized):
    matches = lint(
        sftp.template_path.read_text(encoding="utf-8"),
        config=ManualArgs(regions=["us-east-1", "us-west-2", "eu-west-1"]),
    )

    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id != "W3005"] == []


def test_the_template_has_the_server_users_and_mappings_as_cloudformation_sees_them(sftp: Synthesized):
    sftp.template.resource_count_is("AWS::Transfer::Server", 1)
    sftp.template.resource_count_is("AWS::Transfer::User", len(TENANTS))
    sftp.template.has_resource_properties(
        "AWS::Transfer::User",
        {
            "UserName": "acme",
            "HomeDirectoryType": "LOGICAL",
            "HomeDirectoryMappings": Match.array_with([Match.object_like({"Entry": "/results"})]),
        },
    )
