"""Sweeper Lambda, on a schedule: re-drives stalled jobs, finishes hopeless ones."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from claimbatch.domain.job import utc_now
from claimbatch.handlers.wiring import sweeper_deps
from claimbatch.logic.sweep_jobs import sweep_jobs
from claimbatch.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store, signals, settings = sweeper_deps()
    report = sweep_jobs(store, signals, settings, utc_now())
    return {"redriven": report.redriven, "reaggregated": report.reaggregated, "forced": report.forced}
