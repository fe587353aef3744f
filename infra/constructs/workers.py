"""Stage 2: workers look rows up in the claims API, as fast as its budget allows."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.stage_kit import StageKit
from infra.parameters import ClaimsApiParameters

TABLE_ACTIONS = (
    "dynamodb:GetItem",  # the job; a chunk's results already recorded, on a redelivery
    "dynamodb:PutItem",  # a chunk's results: with its count (in a transaction with the counters), or partial
    "dynamodb:UpdateItem",
)


class Workers(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, kit: StageKit, claims_api: ClaimsApiParameters
    ) -> None:
        super().__init__(scope, construct_id)
        settings = kit.settings
        self.handler = kit.function(
            self,
            settings.worker,
            kit.table_environment(),
            # Deferred chunks go back to the rows queue with a growing delay.
            kit.queue_environment("rows", "aggregate"),
            {
                "CLAIMS_API_BASE_URL": claims_api.base_url.value_as_string,
                # The ARN only: the credentials are read from Secrets Manager at run time.
                "CLAIMS_API_SECRET_ARN": claims_api.credentials_arn.value_as_string,
                "CLAIMS_PROVIDER_TIN": claims_api.provider_tin.value_as_string,
                "CLAIMS_PAYER_ID": claims_api.payer_id.value_as_string,
                "CLAIMS_API_ENVIRONMENT": claims_api.environment.value_as_string,
                "LOOKUP_CONCURRENCY": str(settings.worker_lookups),
                "CLAIMS_API_LATENCY_S": f"{settings.api_latency_s:g}",
                "API_RPS_PER_WORKER": f"{settings.api_rps_per_worker:.6g}",
                "MAX_ROW_RECEIVES": str(settings.max_row_receives),
                "ROW_PATIENCE_S": str(settings.row_patience_s),
                "LOOKUP_MAX_ATTEMPTS": str(settings.lookup_max_attempts),
                "LOOKUP_BASE_DELAY_S": f"{settings.lookup_base_delay_s:g}",
                "LOOKUP_MAX_ELAPSED_S": f"{settings.lookup_max_elapsed_s:g}",
                "REDELIVERY_BASE_S": f"{settings.redelivery_base_s:g}",
                "MAX_REDELIVERY_DELAY_S": f"{settings.max_redelivery_delay_s:g}",
                "WORKER_DEADLINE_MARGIN_S": f"{settings.worker_deadline_margin_s:g}",
                "CLAIMS_API_REQUEST_TIMEOUT_S": f"{settings.claims_api_request_timeout_s:g}",
                "CLAIMS_API_REQUEST_DEADLINE_S": f"{settings.claims_api_request_deadline_s:g}",
                "CLAIMS_API_MAX_ANSWER_BYTES": str(settings.claims_api_max_answer_bytes),
            },
        )
        # MaximumConcurrency comes from the API's request budget and stated latency
        # (Settings.worker_max_concurrency); each worker paces its lookups to its share of the
        # budget (API_RPS_PER_WORKER) and keeps share x observed latency in flight, at most
        # LOOKUP_CONCURRENCY (Settings.worker_lookups).
        # Consuming includes sqs:ChangeMessageVisibility, with which chunks are deferred.
        self.event_source = self.handler.consume(kit.rows_queue)
        self.handler.allow(
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.aggregate_queue.send_statement(),
            iam.PolicyStatement(
                sid="ReadClaimsApiCredentials",
                actions=["secretsmanager:GetSecretValue"],
                resources=[claims_api.credentials_arn.value_as_string],
            ),
        )
