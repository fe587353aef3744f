"""Benchmark 5: AWS cost per million rows, from every request a 10,000-row job makes.

The real Lambda handlers run over moto through the test harness
(testkit/aws_pipeline.py), with the batch sizes of the stack
(infra/settings.py), against the simulator in a process of its own. Every AWS
request is counted by operation, and DynamoDB capacity is worked out from the
items' sizes (see aws_usage.py). Lambda is priced per invocation from a model
of its duration in AWS:

    duration = own CPU s × max(1, 1769 / memory MB)        (CPU outside AWS calls, measured)
             + Σ AWS requests × their stated latency          (AWS_CALL_LATENCY_S)
             + ceil(rows / lookups in flight) × API latency   (the worker only)

The CPU moto spends answering in-process is not Lambda time (in AWS it is a
network wait, which the stated latencies stand for); charging it anyway gives
an upper bound, reported beside. Adding the three terms is conservative: in
Lambda they overlap. Logs are counted in bytes as the handlers write them (plus
Lambda's START/END/REPORT lines); X-Ray is priced as if every invocation were
traced. Everything is extrapolated linearly from 10,000 rows to 1,000,000
(conservative for per-job items such as the upload, the job item and the
results file, which do not grow with rows).

Left out, being per month rather than per row: CloudWatch custom metrics and
alarms, idle SQS polling by the event source mappings, the KMS key itself
($1/month), storage. KMS requests made by AWS services on our behalf (SQS and
DynamoDB reuse a data key for minutes, S3 uses a bucket key) are estimated
from the job's duration, since moto makes none.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
import warnings
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from bench import prices
from bench.child import external_simulator, arguments, progress, write_result
from bench.inputs import claims_file

ROWS_TARGET = 1_000_000
API_LATENCY_S = 0.2
LAMBDA_PLATFORM_LOG_BYTES = 450  # START, END and REPORT lines of one invocation (with an X-Ray trace id)
KMS_DATA_KEY_REUSE_S = 300  # SQS's default; DynamoDB caches its table key about as long
# What one AWS request takes from inside a Lambda function in the same region (SDK work, network and
# service together), stated rather than measured: moto answers in-process, at its own (growing) speed.
AWS_CALL_LATENCY_S = {"dynamodb": 0.010, "sqs": 0.020, "s3": 0.050, "secretsmanager": 0.050}
DEFAULT_AWS_CALL_LATENCY_S = 0.050
PER_ROW_MEMORY_MB = 128  # the smallest Lambda, for the per-row designs priced beside ours
SFN_TRANSITIONS_PER_ROW = 2  # a one-Task child workflow: its start and its Task state
SFN_PARENT_TRANSITIONS = 10  # the parent workflow around the Distributed Map


@dataclass(frozen=True)
class StackSettings:
    """The sizes of the stack that matter to the bill, read from infra/settings.py (never copied here)."""

    source: str
    splitter_memory_mb: int
    worker_memory_mb: int
    aggregator_memory_mb: int
    rows_per_message: int
    worker_batch_size: int
    lookup_concurrency: int
    api_budget_rps: float
    api_rps_per_worker: float

    @classmethod
    def load(cls) -> StackSettings:
        from infra.settings import Settings

        stack = Settings()
        if stack.worker.batch_size is None:
            raise ValueError("infra/settings.py gives the worker no batch size")
        return cls(
            source="infra/settings.py defaults",
            splitter_memory_mb=stack.splitter_memory_mb,
            worker_memory_mb=stack.worker_memory_mb,
            aggregator_memory_mb=stack.aggregator_memory_mb,
            rows_per_message=stack.rows_per_message,
            worker_batch_size=stack.worker.batch_size,
            lookup_concurrency=stack.lookup_concurrency,
            api_budget_rps=stack.api_budget_rps,
            api_rps_per_worker=stack.api_rps_per_worker,
        )

    def memory_of(self, queue: str) -> int:
        return {"split": self.splitter_memory_mb, "rows": self.worker_memory_mb}.get(queue, self.aggregator_memory_mb)


FUNCTION_OF_QUEUE = {"split": "splitter", "rows": "worker", "aggregate": "aggregator", "rows-dlq": "dead letters"}


@dataclass
class Invocation:
    """One handler invocation as measured on moto."""

    queue: str
    cpu_s: float  # process CPU during the invocation
    cpu_in_calls_s: float  # of which inside AWS calls (botocore and moto)
    calls: Counter[str]  # AWS requests made, by service
    rows: int  # rows in the worker's messages (0 for the other functions)
    wall_s: float

    @property
    def own_cpu_s(self) -> float:
        return max(0.0, self.cpu_s - self.cpu_in_calls_s)


@dataclass
class Invocations:
    all: list[Invocation] = field(default_factory=list)

    def of(self, queue: str) -> list[Invocation]:
        return [invocation for invocation in self.all if invocation.queue == queue]

    @property
    def count(self) -> Counter[str]:
        return Counter(invocation.queue for invocation in self.all)


class CountingSink(io.TextIOBase):
    """Where the handlers' log lines and metrics go: counted in bytes, not kept."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)

    def writable(self) -> bool:
        return True


class EnvPatch:
    """The monkeypatch-like object AwsPipeline wants: sets environment variables."""

    def setenv(self, name: str, value: str) -> None:
        os.environ[name] = value


def _quiet_aws_environment() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_NAMESPACE": "claimbatch-bench",
            "POWERTOOLS_SERVICE_NAME": "claimbatch",
            "POWERTOOLS_LOG_LEVEL": "INFO",  # as deployed: what is logged is paid for
        }
    )


def run_job(rows: int, stack: StackSettings, claims_api_url: str) -> dict[str, Any]:
    from claimbatch.observability import logger
    from moto import mock_aws

    from bench.aws_usage import UsageRecorder
    from testkit.aws_pipeline import TABLE, AwsPipeline

    sink = CountingSink()
    handler = logger.registered_handler
    handler.setStream(sink)  # type: ignore[attr-defined]
    recorder = UsageRecorder()
    invocations = Invocations()
    data = claims_file(rows).read_bytes()
    batch_sizes = {"split": 1, "rows": stack.worker_batch_size, "aggregate": 1, "rows-dlq": 10}

    with mock_aws(), redirect_stdout(sink):
        pipeline = AwsPipeline(
            EnvPatch(),
            claims_api_url,
            ROWS_PER_MESSAGE=str(stack.rows_per_message),
            LOOKUP_CONCURRENCY=str(stack.lookup_concurrency),
        )
        recorder.know_table(pipeline.ddb.describe_table(TableName=TABLE)["Table"])

        def timed(queue: str, handler: Any) -> Any:
            def invoke(event: dict[str, Any], context: Any) -> Any:
                rows = sum(len(json.loads(r["body"])["rows"]) for r in event["Records"]) if queue == "rows" else 0
                usage = recorder.usage
                calls, in_calls = usage.calls_by_service(), usage.cpu_in_calls_s
                cpu, wall = time.process_time(), time.perf_counter()
                try:
                    return handler(event, context)
                finally:
                    invocations.all.append(
                        Invocation(
                            queue=queue,
                            cpu_s=time.process_time() - cpu,
                            cpu_in_calls_s=usage.cpu_in_calls_s - in_calls,
                            calls=usage.calls_by_service() - calls,
                            rows=rows,
                            wall_s=time.perf_counter() - wall,
                        )
                    )

            return invoke

        pipeline.handlers = {queue: timed(queue, handler) for queue, handler in pipeline.handlers.items()}
        started = time.perf_counter()
        with recorder.recording() as usage:
            job_id = pipeline.drop("inbox/bench/claims-10k.csv", data)
            idle_rounds, last_print = 0, started
            while idle_rounds < 2:
                busy = False
                for queue in ("split", "rows", "rows-dlq", "aggregate"):
                    messages = pipeline.receive(queue, batch_sizes[queue])
                    if messages:
                        busy = True
                        pipeline.invoke(queue, messages)
                idle_rounds = 0 if busy else idle_rounds + 1
                if time.perf_counter() - last_print > 15:
                    last_print = time.perf_counter()
                    progress(f"  {last_print - started:5.0f} s: {dict(invocations.count)} invocations")
            job = pipeline.job(job_id)
            results = pipeline.results_text(job_id)
        elapsed = time.perf_counter() - started
    assert job.state.value == "COMPLETED", job.state
    assert results.count("\n") == rows + 1, results.count("\n")
    return {
        "job": job.counts.model_dump(),
        "seconds": elapsed,
        "usage": usage,
        "invocations": invocations,
        "log_bytes": sink.bytes,
    }


def billed_duration_s(invocation: Invocation, stack: StackSettings, *, moto_cpu_as_lambda: bool = False) -> float:
    """The invocation's duration in Lambda: its own CPU at its memory's CPU share, AWS calls at their
    stated latency, and — for the worker — the waits on the claims API. `moto_cpu_as_lambda`: charge
    the CPU measured inside AWS calls (botocore's and moto's) instead of the stated latencies, the
    upper bound moto's growing slowness makes of it."""
    slowdown = prices.cpu_slowdown(stack.memory_of(invocation.queue))
    if moto_cpu_as_lambda:
        duration = invocation.cpu_s * slowdown
    else:
        duration = invocation.own_cpu_s * slowdown + sum(
            count * AWS_CALL_LATENCY_S.get(service, DEFAULT_AWS_CALL_LATENCY_S) for service, count in invocation.calls.items()
        )
    if invocation.queue == "rows":  # waiting on the claims API, `lookup_concurrency` lookups at a time
        duration += math.ceil(invocation.rows / stack.lookup_concurrency) * API_LATENCY_S
    return duration


def price_run(
    run: dict[str, Any], stack: StackSettings, *, moto_cpu_as_lambda: bool = False
) -> tuple[prices.CostSheet, dict[str, Any]]:
    """Everything the run counted, priced (KMS calls made by AWS services aside: kms_estimate)."""
    usage, invocations = run["usage"], run["invocations"]
    sheet = prices.price_requests(
        usage.requests,
        sqs_billed_requests=usage.sqs_billed_requests,
        dynamodb_wru=usage.dynamodb_wru,
        dynamodb_rru=usage.dynamodb_rru,
    )
    lambda_detail = {}
    for queue in sorted(invocations.count):
        ran = invocations.of(queue)
        memory = stack.memory_of(queue)
        durations = [billed_duration_s(i, stack, moto_cpu_as_lambda=moto_cpu_as_lambda) for i in ran]
        gb_s = sum(prices.gb_seconds(duration, memory) for duration in durations)
        function = FUNCTION_OF_QUEUE[queue]
        sheet.lines += prices.price_lambda(function, len(ran), gb_s).lines
        lambda_detail[function] = {
            "invocations": len(ran),
            "memory_mb": memory,
            "rows": sum(i.rows for i in ran),
            "cpu_s": sum(i.cpu_s for i in ran),
            "cpu_in_aws_calls_s": sum(i.cpu_in_calls_s for i in ran),
            "aws_calls": dict(sum((i.calls for i in ran), Counter())),
            "wall_s": sum(i.wall_s for i in ran),
            "billed_duration_s": sum(durations),
            "gb_s": gb_s,
        }
    total_invocations = sum(invocations.count.values())
    log_bytes = run["log_bytes"] + total_invocations * LAMBDA_PLATFORM_LOG_BYTES
    sheet.add("CloudWatch Logs: GB ingested", log_bytes / 1024**3, "logs_ingested_gb")
    sheet.add("X-Ray: traces (every invocation)", total_invocations, "xray_trace")
    return sheet, {"lambda": lambda_detail, "log_bytes": log_bytes}


def kms_estimate(rows: int, stack: StackSettings) -> prices.CostSheet:
    """KMS calls AWS services make for us, which moto does not: SQS and DynamoDB ask for a data
    key once per principal and reuse period (3 queues, each with a sender and a receiver; the
    table, from 3 functions), S3 once per object with a bucket key (input, results, summary,
    and a spare). The job lasts as long as the API budget makes it."""
    job_s = rows / stack.api_budget_rps
    periods = max(1, math.ceil(job_s / KMS_DATA_KEY_REUSE_S))
    sheet = prices.CostSheet()
    sheet.add("KMS: requests made for us by SQS, DynamoDB, S3 (estimate)", periods * (3 * 2 + 3) + 4, "kms_request")
    return sheet


def main() -> None:
    args = arguments(__doc__ or "", rows=(int, 10_000))
    _quiet_aws_environment()
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    stack = StackSettings.load()
    progress(f"  stack settings: {stack.source}; {args.rows:,} rows through the Lambda handlers on moto …")
    with external_simulator() as simulator:
        run = run_job(args.rows, stack, simulator.base_url)
    usage = run["usage"]
    progress(f"  done in {run['seconds']:.0f} s: {sum(usage.requests.values()):,} AWS requests")

    factor = ROWS_TARGET / args.rows
    counted, assumptions = price_run(run, stack)
    measured = prices.CostSheet(counted.lines + kms_estimate(args.rows, stack).lines)
    # KMS's estimate follows the job's duration, not the counted requests: made again for 1M rows.
    per_million = prices.CostSheet(counted.scaled(factor).lines + kms_estimate(ROWS_TARGET, stack).lines)
    upper, _ = price_run(run, stack, moto_cpu_as_lambda=True)
    upper_per_million = prices.CostSheet(upper.scaled(factor).lines + kms_estimate(ROWS_TARGET, stack).lines)

    # Sensitivity: when the payer's budget, not its latency, paces each worker.
    latency_bound_s = ROWS_TARGET * API_LATENCY_S / stack.lookup_concurrency
    budget_bound_s = ROWS_TARGET / stack.api_rps_per_worker
    budget_paced_extra = prices.CostLine(
        "Lambda: worker GB-seconds", max(0.0, budget_bound_s - latency_bound_s) * stack.worker_memory_mb / 1024,
        "lambda_gb_s_arm64",
    ).usd
    batch = prices.s3_batch_operations(ROWS_TARGET, API_LATENCY_S, PER_ROW_MEMORY_MB)
    step = prices.step_functions_distributed_map(
        ROWS_TARGET, API_LATENCY_S, PER_ROW_MEMORY_MB, SFN_TRANSITIONS_PER_ROW, SFN_PARENT_TRANSITIONS
    )
    progress(
        f"  per million rows: ${per_million.usd:.3f} (S3 Batch Operations ${batch.usd:.2f}, "
        f"Step Functions Distributed Map ${step.usd:.2f})"
    )
    write_result(
        args.result,
        {
            "aws_cost_per_million_rows_usd": per_million.usd,
            "rows_measured": args.rows,
            "extrapolation_factor": factor,
            "api_latency_s": API_LATENCY_S,
            "stack": vars(stack),
            "job_counts": run["job"],
            "run_seconds": run["seconds"],
            "usage": usage.as_json(),
            "assumptions": assumptions,
            "measured_job_usd": measured.usd,
            "per_million_if_moto_cpu_were_lambda_time_usd": upper_per_million.usd,
            "aws_call_latency_s": AWS_CALL_LATENCY_S,
            "per_million": {"lines": per_million.as_json(), "by_service": per_million.by_service()},
            "s3_batch_operations_per_million_usd": batch.usd,
            "s3_batch_operations": batch.as_json(),
            "step_functions_per_million_usd": step.usd,
            "step_functions": step.as_json(),
            "per_row_memory_mb": PER_ROW_MEMORY_MB,
            "budget_paced_extra_usd": budget_paced_extra,
            "prices": {key: price.describe() for key, price in prices.PRICES.items()},
            "prices_as_of": prices.PRICES_AS_OF,
            "prices_written": prices.PRICES_WRITTEN,
        },
    )


if __name__ == "__main__":
    main()
