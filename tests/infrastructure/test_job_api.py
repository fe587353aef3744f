"""The job API: an HTTP API whose every route needs a Cognito ID token, in front of
one function with exactly the permissions the API code uses."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

from claimbatch.api import identity
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from claimbatch.api.routes import build_job_api
from claimbatch.web.page import SignIn, install_web_page

from infra.constructs.job_api import ACCESS_LOG_FORMAT
from infra.settings import JOB_API_ROUTES, WEB_PAGE_ROUTES
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_security import _as_list, _flat, _grants, _policy_of


def _only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (resource,) = resources.values()
    return resource["Properties"]


def _ref(synthesized: Synthesized, construct: Any) -> dict[str, str]:
    return {"Ref": synthesized.logical_id(construct)}


# -- Routes and the authorizer ---------------------------------------------------------------


def test_the_routes_are_exactly_those_the_api_code_answers() -> None:
    # Given the API code's resolver (its routes do not touch their dependencies until called)
    resolver = build_job_api(_NoDeps())  # type: ignore[arg-type]

    # When its routes are written as API Gateway writes them ({name}, not Powertools' <name>)
    answered = {
        (method, re.sub(r"<(\w+)>", r"{\1}", route.path))
        for route in resolver._static_routes + resolver._dynamic_routes
        for method in route.method.split("|")
    }

    # Then the HTTP API routes exactly those: nothing the code answers is missing, nothing more
    assert set(JOB_API_ROUTES) == answered


def test_the_open_routes_are_exactly_the_pages_routes() -> None:
    # Given a resolver with the web page's routes only
    resolver = APIGatewayHttpResolver()
    install_web_page(resolver, SignIn.local(token_required=False))

    # Then the HTTP API's open routes are exactly those
    answered = {
        (method, re.sub(r"<(\w+)>", r"{\1}", route.path))
        for route in resolver._static_routes + resolver._dynamic_routes
        for method in route.method.split("|")
    }
    assert set(WEB_PAGE_ROUTES) == answered


def test_every_route_has_the_jwt_authorizer_and_only_the_page_is_open(synthesized: Synthesized) -> None:
    routes = synthesized.of_type("AWS::ApiGatewayV2::Route")
    authorizer = synthesized.logical_id(synthesized.stack.job_api.api.node.find_child("CognitoJwt"))
    page_routes = {f"{method} {path}" for method, path in WEB_PAGE_ROUTES}

    assert {route["Properties"]["RouteKey"] for route in routes.values()} == {
        f"{method} {path}" for method, path in JOB_API_ROUTES
    } | page_routes
    for route in routes.values():
        properties = route["Properties"]
        if properties["RouteKey"] in page_routes:
            assert properties["AuthorizationType"] == "NONE", properties["RouteKey"]
            continue
        assert properties["AuthorizationType"] == "JWT", properties["RouteKey"]
        assert properties["AuthorizerId"] == {"Ref": authorizer}, properties["RouteKey"]
    # No catch-all: what the function does not answer, API Gateway refuses without invoking it.
    assert not [key for key in (r["Properties"]["RouteKey"] for r in routes.values()) if "$default" in key]
    assert not [key for key in (r["Properties"]["RouteKey"] for r in routes.values()) if "proxy+" in key]


def test_the_authorizer_accepts_id_tokens_of_the_pool_for_the_app_clients(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    authorizer = _only(synthesized.of_type("AWS::ApiGatewayV2::Authorizer"))

    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"]["Audience"] == [
        _ref(synthesized, stack.api_users.client),
        _ref(synthesized, stack.api_users.web_client),
    ]
    assert authorizer["JwtConfiguration"]["Issuer"] == {
        "Fn::Join": [
            "",
            [
                "https://cognito-idp.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                "/",
                _ref(synthesized, stack.api_users.pool),
            ],
        ]
    }


def test_every_route_invokes_the_job_api_function_with_payload_2(synthesized: Synthesized) -> None:
    function_id = synthesized.logical_id(synthesized.stack.job_api.handler.function)
    integration_id, integration = next(iter(synthesized.of_type("AWS::ApiGatewayV2::Integration").items()))

    assert len(synthesized.of_type("AWS::ApiGatewayV2::Integration")) == 1
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert integration["Properties"]["IntegrationUri"] == {"Fn::GetAtt": [function_id, "Arn"]}
    function = synthesized.resources[function_id]["Properties"]
    # The function answers before the gateway gives up on it.
    assert function["Timeout"] * 1000 < integration["Properties"]["TimeoutInMillis"] <= 29_000
    for route in synthesized.of_type("AWS::ApiGatewayV2::Route").values():
        assert route["Properties"]["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}


def test_api_gateway_may_invoke_the_function_from_its_routes_only(synthesized: Synthesized) -> None:
    function_id = synthesized.logical_id(synthesized.stack.job_api.handler.function)
    api_id = synthesized.logical_id(synthesized.stack.job_api.api)
    permissions = [
        p["Properties"]
        for p in synthesized.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]

    assert len(permissions) == len(JOB_API_ROUTES) + len(WEB_PAGE_ROUTES)
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        source = _flat(permission["SourceArn"])
        assert f":<{api_id}>/*/*/" in source, source  # this API, one route's path each


# -- The stage: access logs and throttling ---------------------------------------------------


def test_one_auto_deployed_default_stage_throttles_every_route(synthesized: Synthesized) -> None:
    settings = synthesized.settings
    stage = _only(synthesized.of_type("AWS::ApiGatewayV2::Stage"))

    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": settings.api_rate_limit_rps,
        "ThrottlingBurstLimit": settings.api_burst_limit,
    }


def test_access_logs_go_as_json_to_an_encrypted_log_group_with_retention(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    stage = _only(synthesized.of_type("AWS::ApiGatewayV2::Stage"))
    log_group_id = synthesized.logical_id(stack.job_api.access_logs)
    log_group = synthesized.resources[log_group_id]

    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    assert json.loads(stage["AccessLogSettings"]["Format"]) == ACCESS_LOG_FORMAT
    assert log_group["Properties"]["LogGroupName"] == "/claimbatch/api/access"
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [synthesized.logical_id(stack.encryption.key), "Arn"]}
    assert log_group["DeletionPolicy"] == "Retain"


def test_access_logs_record_who_and_what_but_no_request_content() -> None:
    variables = set(ACCESS_LOG_FORMAT.values())

    assert "$context.requestId" in variables
    assert "$context.authorizer.claims.sub" in variables  # who
    assert "$context.routeKey" in variables  # what (the route template, not the path's values)
    assert not [v for v in variables if re.search(r"querystring|body|header|path\b", v, re.IGNORECASE)]


# -- The user pool --------------------------------------------------------------------------------


def test_users_are_created_by_an_administrator_and_need_mfa_and_a_strong_password(synthesized: Synthesized) -> None:
    pool = _only(synthesized.of_type("AWS::Cognito::UserPool"))

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 14
    assert all(policy[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert pool["DeletionProtection"] == "ACTIVE"


def test_the_tenant_is_a_custom_attribute_the_token_carries_as_the_claim_the_api_reads(
    synthesized: Synthesized,
) -> None:
    pool = _only(synthesized.of_type("AWS::Cognito::UserPool"))
    (tenant,) = [attribute for attribute in pool["Schema"] if attribute["Name"] == "tenant"]

    assert identity.TENANT_CLAIM == "custom:tenant"
    assert tenant["AttributeDataType"] == "String"
    assert int(tenant["StringAttributeConstraints"]["MaxLength"]) == 64  # identity.TENANT_PATTERN's length


def test_the_app_client_reads_the_tenant_but_cannot_change_it(synthesized: Synthesized) -> None:
    client = synthesized.resources[synthesized.logical_id(synthesized.stack.api_users.client)]["Properties"]

    assert "custom:tenant" in client["ReadAttributes"]
    # An absent WriteAttributes would let users write every attribute, their tenant included.
    assert client["WriteAttributes"] and "custom:tenant" not in client["WriteAttributes"]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


# -- The web page: hosted sign-in, its app client, the bucket's CORS -----------------------------


def _page_url(synthesized: Synthesized) -> str:
    """The API's own endpoint (https://<api id>.execute-api.<region>.amazonaws.com), with the root path."""
    return f"<{synthesized.logical_id(synthesized.stack.job_api.api)}.ApiEndpoint>/"


def test_the_hosted_sign_in_has_a_domain_of_the_pool(synthesized: Synthesized) -> None:
    domain = _only(synthesized.of_type("AWS::Cognito::UserPoolDomain"))

    assert domain["UserPoolId"] == _ref(synthesized, synthesized.stack.api_users.pool)
    assert _flat(domain["Domain"]) == "claimbatch-<AWS::AccountId>"  # a prefix: Cognito's own domain, no certificate
    assert "CustomDomainConfig" not in domain


def test_the_pages_client_signs_in_with_a_code_back_to_the_page_only(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    client = synthesized.resources[synthesized.logical_id(stack.api_users.web_client)]["Properties"]

    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit flow: tokens never travel in a URL
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email"}
    assert [_flat(url) for url in client["CallbackURLs"]] == [_page_url(synthesized)]
    assert [_flat(url) for url in client["LogoutURLs"]] == [_page_url(synthesized)]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["GenerateSecret"] is False  # a page keeps no secret; PKCE binds the code to it
    assert "custom:tenant" in client["ReadAttributes"] and "custom:tenant" not in client["WriteAttributes"]
    assert client["EnableTokenRevocation"] is True and client["PreventUserExistenceErrors"] == "ENABLED"


def test_the_bucket_lets_the_page_post_uploads_and_fetch_downloads(synthesized: Synthesized) -> None:
    bucket = synthesized.resources[synthesized.logical_id(synthesized.stack.ingest.bucket)]["Properties"]

    (rule,) = bucket["CorsConfiguration"]["CorsRules"]
    assert [_flat(origin) for origin in rule["AllowedOrigins"]] == [_page_url(synthesized).rstrip("/")]
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST"]  # no PUT or DELETE from a browser


def test_the_page_is_told_its_sign_in_and_may_reach_the_bucket(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    function = synthesized.resources[synthesized.logical_id(stack.job_api.handler.function)]["Properties"]
    variables = function["Environment"]["Variables"]

    assert variables["SIGN_IN_CLIENT_ID"] == _ref(synthesized, stack.api_users.web_client)
    domain = synthesized.logical_id(stack.api_users.domain)
    assert _flat(variables["SIGN_IN_DOMAIN"]) == f"https://<{domain}>.auth.<AWS::Region>.amazoncognito.com"
    outputs = synthesized.document["Outputs"]
    assert _flat(outputs["WebPageUrl"]["Value"]) == _page_url(synthesized)
    assert outputs["WebClientId"]["Value"] == _ref(synthesized, stack.api_users.web_client)


def test_outputs_name_the_api_url_the_pool_and_the_client(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    outputs = synthesized.document["Outputs"]

    assert outputs["UserPoolId"]["Value"] == _ref(synthesized, stack.api_users.pool)
    assert outputs["UserPoolClientId"]["Value"] == _ref(synthesized, stack.api_users.client)
    assert _flat(outputs["JobApiUrl"]["Value"]).startswith(f"https://<{synthesized.logical_id(stack.job_api.api)}>")


# -- The function's permissions -------------------------------------------------------------------


def test_the_job_api_function_has_exactly_the_permissions_its_code_uses(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    granted = _grants(_policy_of(synthesized, stack.job_api.handler))
    table = f"<{synthesized.logical_id(stack.jobs.table)}.Arn>"
    bucket = f"<{synthesized.logical_id(stack.ingest.bucket)}.Arn>"
    key = f"<{synthesized.logical_id(stack.encryption.key)}.Arn>"
    log_group = f"<{synthesized.logical_id(stack.job_api.handler.log_group)}.Arn>"

    assert granted == {
        # Items on the table; a retry's transactions are authorized on their Put, Update,
        # Delete and ConditionCheck (dynamodb:TransactWriteItems is no IAM action).
        "dynamodb:GetItem": {table},
        "dynamodb:PutItem": {table},
        "dynamodb:UpdateItem": {table},
        "dynamodb:DeleteItem": {table},
        "dynamodb:ConditionCheckItem": {table},
        # A job's results on the table; a tenant's jobs on its index, and on no other index.
        "dynamodb:Query": {table, f"{table}/index/tenant-jobs"},
        # Presigned upload forms (S3 authorizes the POST as this role), a retry's re-read.
        "s3:PutObject": {f"{bucket}/inbox/*"},
        "s3:GetObjectVersion": {f"{bucket}/inbox/*"},
        # ... and the results: the errors route, presigned downloads.
        "s3:GetObject": {f"{bucket}/inbox/*", f"{bucket}/results/*"},
        "sqs:SendMessage": {
            f"<{synthesized.logical_id(stack.rows_queue.queue)}.Arn>",
            f"<{synthesized.logical_id(stack.aggregate_queue.queue)}.Arn>",
        },
        "kms:Decrypt": {key},
        "kms:GenerateDataKey": {key},
        "logs:CreateLogStream": {log_group},
        "logs:PutLogEvents": {log_group},
        "xray:PutTraceSegments": {"*"},
        "xray:PutTelemetryRecords": {"*"},
    }


def test_the_job_api_never_splits_consumes_or_reads_secrets(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    statements = _policy_of(synthesized, stack.job_api.handler)
    resources = {_flat(r) for s in statements for r in _as_list(s["Resource"])}

    assert f"<{synthesized.logical_id(stack.split_queue.queue)}.Arn>" not in resources
    assert not [a for s in statements for a in _as_list(s["Action"]) if a.startswith(("secretsmanager:", "sqs:Rec"))]


class _NoDeps:
    """Just enough of JobApiDeps to build the resolver and read its routes."""

    settings = None
    notifications = SimpleNamespace()  # the notification routes are included when there are deps for them
