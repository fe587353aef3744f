"""Job API Lambda: API Gateway HTTP API (payload 2.0) events, behind a JWT authorizer.

The routes are those of claimbatch.api.routes, the same that `claimbatch serve` answers locally.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.handlers.wiring import job_api
from claimbatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return job_api().resolve(event, context)
