"""The job API: an API Gateway HTTP API in front of one Lambda function.

    client ──(Cognito ID token)──► HTTP API, $default stage ──► JWT authorizer ──► job API λ
                                    │ throttled, access-logged       (every route)     │
                                    ▼                                                  ├─ job table (+ tenant-jobs index)
          presigned POST/GET ──► s3://…/inbox/<tenant>/…, results/…  ◄─────────────────┤ signs the forms and links
                                                                                      └─ rows / aggregate queues (retry, cancel)

The function is `claimbatch.handlers.job_api.handler` (Powertools' HTTP API
resolver, payload format 2.0); its routes are those of claimbatch.api.routes,
listed once in `infra.settings.JOB_API_ROUTES`. Every route, /openapi.json and
/docs included, needs a valid token: API Gateway answers 401 before the function
runs, and nothing is routed that the function does not answer (no `$default`
route, no proxy). The tenant comes from the verified token's `custom:tenant`.
The web page's routes (`WEB_PAGE_ROUTES`: `GET /`, `GET /web/{name}`) are the
only open ones: the page holds no data and signs in through Cognito's hosted
sign-in (api_users.py); the bucket's CORS rule lets the page's origin post the
upload form and follow the download links.

Its permissions, from what the code calls (claimbatch.api, logic/retry_job.py,
logic/cancel_job.py, adapters/aws/dynamodb_job_store.py, s3_file_links.py):

- table items: GetItem (jobs, uploads), PutItem (upload records), UpdateItem
  (cancel, reopen for retry, link an upload), DeleteItem and ConditionCheckItem
  (a retry's uncount transaction: the chunk kept partial or removed, job still
  PROCESSING), PutItem/UpdateItem (its count transaction for row errors, results
  forgotten), Query (a job's results, on the table);
- Query on the `tenant-jobs` index only (listings, finding an upload's job);
- s3:PutObject on inbox/* (S3 authorizes a presigned POST as the signer: this
  role), s3:GetObject(+Version) on inbox/* (a retry reads the input again, by
  version), s3:GetObject on results/* (the errors route reads the results file;
  presigned downloads);
- sqs:SendMessage on the rows queue (a retry's chunks) and the aggregate queue
  (cancel; a retry with only row errors);
- the stack key: Decrypt and GenerateDataKey (the factory's), which covers SQS
  and S3 SSE-KMS for the function and for uploads and downloads signed by it.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from constructs import Construct

from infra.constructs.api_users import ApiUsers
from infra.constructs.encryption_key import encrypted_log_group
from infra.constructs.stage_kit import StageKit
from infra.settings import (
    API_INTEGRATION_TIMEOUT_S,
    INBOX_PREFIX,
    JOB_API_ROUTES,
    RESULTS_PREFIX,
    TENANT_JOBS_INDEX,
    WEB_PAGE_ROUTES,
    Settings,
)

TABLE_ACTIONS = (
    "dynamodb:GetItem",  # a job, an upload record
    "dynamodb:PutItem",  # upload records; a retry's chunks: uncounted, kept partial, row errors counted
    "dynamodb:UpdateItem",  # cancel, reopen for retry, link an upload to its job, counters
    "dynamodb:DeleteItem",  # a retry uncounts a chunk whose every row is retried (transaction)
    "dynamodb:ConditionCheckItem",  # … only while the job is PROCESSING (transaction)
    "dynamodb:Query",  # the results of a job, chunk by chunk (on the table, not an index)
)

# One JSON object per request: who (the token's subject), what, how it went. No
# query strings, no bodies, no headers: nothing about patients reaches these logs.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "user": "$context.authorizer.claims.sub",
}


def job_api_environment(kit: StageKit, users: ApiUsers) -> dict[str, str]:
    """Exactly the variables of claimbatch.handlers.env_vars.JobApiEnv."""
    assert users.web_client is not None, "the web page's client comes first: its id is in the environment"
    settings = kit.settings
    return {
        **kit.table_environment(),
        **kit.queue_environment("rows", "aggregate"),
        # A retry reads the input again with the splitter's limits and chunk size.
        **kit.file_environment(),
        "INGEST_BUCKET": kit.ingest.bucket.bucket_name,
        # The upload form requires SSE-KMS with this key (the bucket's own).
        "KMS_KEY_ID": kit.key.key.key_arn,
        "MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
        "UPLOAD_URL_EXPIRES_S": str(settings.upload_url_expires_s),
        "DOWNLOAD_URL_EXPIRES_S": str(settings.download_url_expires_s),
        # The web page signs in with Cognito's hosted sign-in and its own app client.
        "SIGN_IN_DOMAIN": users.sign_in_url,
        "SIGN_IN_CLIENT_ID": users.web_client.user_pool_client_id,
    }


class JobApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, kit: StageKit, users: ApiUsers) -> None:
        super().__init__(scope, construct_id)
        settings, key = kit.settings, kit.key
        self.access_logs = encrypted_log_group(
            self, "AccessLogs", name=settings.access_log_group_name, settings=settings, key=key
        )
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{settings.name_prefix}-jobs",
            description="claimbatch job API: upload forms, jobs, progress, results, retry, cancel; the web page",
            create_default_stage=False,  # the stage below: access logs and throttling
        )
        # The web page is served at the API's root: its sign-in comes back there, and the
        # bucket lets that origin post the upload form and fetch the download links.
        self.page_origin = self.api.api_endpoint
        self.page_url = f"{self.page_origin}/"
        users.add_web_client(self.page_url)
        authorizer = users.jwt_authorizer()
        kit.ingest.allow_page_origin(self.page_origin)

        self.handler = kit.function(self, settings.job_api, job_api_environment(kit, users))
        self.handler.allow(
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.table.query_index_statement(TENANT_JOBS_INDEX),
            kit.ingest.upload_statement(INBOX_PREFIX),  # presigned POST forms
            kit.ingest.read_statement(INBOX_PREFIX),  # a retry reads the input again
            kit.ingest.download_statement(RESULTS_PREFIX),  # the errors route; presigned downloads
            kit.rows_queue.send_statement(),  # a retry's chunks
            kit.aggregate_queue.send_statement(),  # a cancelled job's results file
        )

        self.stage = self._stage(settings)
        self._add_routes(authorizer)

    def _stage(self, settings: Settings) -> apigwv2.HttpStage:
        """The one stage: throttled, its access logs in our log group."""
        return apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=settings.api_rate_limit_rps, burst_limit=settings.api_burst_limit
            ),
            access_log_settings=_AccessLogs(
                apigwv2.LogGroupLogDestination(self.access_logs),
                apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))),
            ),
        )

    def _add_routes(self, authorizer: apigwv2.IHttpRouteAuthorizer) -> None:
        """Every job API route behind the JWT authorizer; the web page's open."""
        integration = integrations.HttpLambdaIntegration(
            "Handler",
            self.handler.function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            timeout=Duration.seconds(API_INTEGRATION_TIMEOUT_S),
        )
        self.routes: list[apigwv2.HttpRoute] = []
        for method, path in JOB_API_ROUTES:
            self.routes += self.api.add_routes(
                path=path,
                methods=[apigwv2.HttpMethod(method)],
                integration=integration,
                authorizer=authorizer,
            )
        # The page and its assets hold no data: open, as a sign-in page must be.
        self.page_routes: list[apigwv2.HttpRoute] = []
        for method, path in WEB_PAGE_ROUTES:
            self.page_routes += self.api.add_routes(
                path=path,
                methods=[apigwv2.HttpMethod(method)],
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer(),
            )

    @property
    def url(self) -> str:
        url = self.stage.url
        assert url is not None
        return url


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """IAccessLogSettings is an interface only: this is its one implementation here."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, log_format: apigateway.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format
