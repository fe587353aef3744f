"""PipelineMetrics as CloudWatch embedded metrics through Powertools."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from claimbatch.domain.job import OutcomeTally
from claimbatch.observability import metrics


class PowertoolsPipelineMetrics:
    def rows_finished(self, tally: OutcomeTally) -> None:
        for outcome, count in tally.increments().items():
            if outcome not in ("done", "retryable"):  # retryable rows are a part of Rows_failed
                metrics.add_metric(name=f"Rows_{outcome}", unit=MetricUnit.Count, value=count)

    def rows_deferred(self, count: int) -> None:
        metrics.add_metric(name="Rows_deferred", unit=MetricUnit.Count, value=count)

    def lookup_latency_ms(self, milliseconds: float) -> None:
        metrics.add_metric(name="LookupLatency", unit=MetricUnit.Milliseconds, value=milliseconds)
