"""The synthesized stack run end to end on moto, as AWS runs it, in a process of its own.

    python -m tests.support.template_pipeline TEMPLATE.json ROWS REPORT.json

Everything comes from the template: the queues (attributes, redrive policies),
the job table (keys, indexes), the ingest bucket (versioning, encryption, the
notification configuration that puts its events on the split queue), each
function's environment, Handler string and timeout, and the event source
mappings that feed them (queue, batch size, partial-failure reporting). A file
of ROWS rows is put into the inbox; the event sources deliver until the job's
results and summary are written, or the time runs out.

Why a process of its own: as deployed, tracing is on (TracingConfig Active,
POWERTOOLS_TRACE_DISABLED unset). Powertools decides at import whether it
traces, and X-Ray patches httpx and botocore for the rest of the process, so
the handlers are imported here, fresh, as in a Lambda execution environment,
and the test suite's own process stays untouched. The X-Ray segments are
received on a loopback UDP port (the daemon's address Lambda sets) and counted.

Each invocation gets exactly its function's template environment, plus what
the Lambda runtime sets (region, LAMBDA_TASK_ROOT, the function's name, the
X-Ray daemon address and a sampled trace id); nothing else of the parent's.
Time is not compressed: a message the worker defers comes back when the delay
it set has passed, as in SQS.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLAIMS_API_TIN = "123456789"
CREDENTIALS = {"client_id": "demo-client", "client_secret": "demo-secret"}  # the simulator's demo credentials
INPUT_KEY = "inbox/acme/claims.csv"
DEADLINE_S = 150.0  # the run stops here, finished or not; the test says which
IDLE_PAUSE_S = 0.05


@dataclass
class Report:
    finished: bool = False
    state: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    results_csv: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    invocations: dict[str, int] = field(default_factory=dict)  # per Handler string
    largest_batch: dict[str, int] = field(default_factory=dict)
    failed_items: dict[str, int] = field(default_factory=dict)  # batch item failures reported
    invocation_errors: int = 0
    timed_out: str | None = None  # the Handler of an invocation that ran past its function's timeout
    trace_segments: int = 0
    trace_text: str = ""
    tracing_modes: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0


class XRayDaemon:
    """Receives what the X-Ray SDK emits over UDP, as the daemon in Lambda does."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.address = "127.0.0.1:%d" % self._socket.getsockname()[1]
        self.packets: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.packets.append(self._socket.recv(65_535))
            except TimeoutError:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=1"


class InvocationTimedOut(Exception):
    pass


class Lambda:
    """The Lambda service for the template's functions: environments, handlers, event sources.

    Invocations run one after another on one thread of their own, which keeps its event
    loop (and the worker's HTTP client) from one invocation to the next, as an execution
    environment does; one that runs past its function's timeout ends the run."""

    def __init__(
        self, resources: Any, daemon: XRayDaemon, runtime_env: dict[str, str], report: Report, deadline: float
    ) -> None:
        from tests.support.lambda_invoke import import_handler

        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda")
        self._deadline = deadline
        self._resources = resources
        self._runtime_env = runtime_env
        self._daemon = daemon
        self._report = report
        self.sources = sorted(resources.event_sources(), key=lambda source: source.queue_logical_id)
        self._functions = {
            source.function_logical_id: resources.function(source.function_logical_id) for source in self.sources
        }
        self._import = import_handler
        self._serialize_table_calls()

    def _serialize_table_calls(self) -> None:
        """moto's tables are not thread-safe, and the worker reaches the store from several
        threads; DynamoDB makes each call atomic, so the harness makes moto's atomic too."""
        from claimbatch.handlers import wiring
        from testkit.aws_pipeline import SerializedCalls

        (table,) = {function.environment["TABLE_NAME"] for function in self._functions.values()}
        self._enter(next(iter(self._functions.values())))
        store = wiring.job_store(table)
        store._ddb = SerializedCalls(store._ddb)

    def _call(self, function: Any, event: dict[str, Any]) -> Any:
        from testkit.lambda_context import FakeLambdaContext

        def invocation() -> Any:
            self._enter(function)
            return self._import(function.handler)(event, FakeLambdaContext(remaining_ms=function.timeout_s * 1000))

        future = self._executor.submit(invocation)
        try:
            return future.result(timeout=max(0.0, min(function.timeout_s, self._deadline - time.monotonic())))
        except concurrent.futures.TimeoutError:
            raise InvocationTimedOut(function.handler) from None

    def _enter(self, function: Any) -> None:
        """Exactly the function's environment, and what the Lambda runtime adds to it."""
        os.environ.clear()
        os.environ.update(self._runtime_env)
        os.environ.update(function.environment)
        os.environ.update(
            AWS_LAMBDA_FUNCTION_NAME=function.logical_id,
            _X_AMZN_TRACE_ID=_trace_id(),
        )

    def poll_once(self, sqs: Any) -> bool:
        """One poll of every event source; True when some function was invoked."""
        invoked = False
        for source in self.sources:
            function = self._functions[source.function_logical_id]
            answer = sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(source.batch_size, 10),
                MessageSystemAttributeNames=["All"],
                VisibilityTimeout=function.timeout_s,  # the queue's own is longer; Lambda holds a batch this long
            )
            messages = answer.get("Messages", [])
            if messages:
                self._invoke(source, function, messages, sqs)
                invoked = True
        return invoked

    def _invoke(self, source: Any, function: Any, messages: list[dict[str, Any]], sqs: Any) -> None:
        from tests.support.lambda_invoke import sqs_event

        report = self._report
        report.invocations[function.handler] = report.invocations.get(function.handler, 0) + 1
        report.largest_batch[function.handler] = max(report.largest_batch.get(function.handler, 0), len(messages))
        try:
            response = self._call(function, sqs_event(source.queue_arn, messages))
            failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
            if failed and not source.reports_item_failures:
                failed = {message["MessageId"] for message in messages}
        except InvocationTimedOut:
            raise
        except Exception:  # an invocation error: the whole batch stays on the queue
            report.invocation_errors += 1
            failed = {message["MessageId"] for message in messages}
        report.failed_items[function.handler] = report.failed_items.get(function.handler, 0) + len(failed)
        done = [message for message in messages if message["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"])


def run(template_path: Path, rows: int, report_path: Path) -> Report:
    import boto3
    from moto import mock_aws

    from claimbatch.simulator.server import start_simulator
    from tests.support.claims_data import claims_csv
    from tests.support.template_resources import REGION, TemplateResources

    started = time.monotonic()
    deadline = started + DEADLINE_S
    report = Report()
    document = json.loads(template_path.read_text(encoding="utf-8"))
    runtime_env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    }
    daemon = XRayDaemon()
    runtime_env["AWS_XRAY_DAEMON_ADDRESS"] = daemon.address
    os.environ.clear()
    os.environ.update(runtime_env)
    with mock_aws(), start_simulator(port=0, latency_ms=40, jitter_ms=30) as simulator:
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="claims-api-credentials", SecretString=json.dumps(CREDENTIALS)
        )
        resources = TemplateResources(
            document,
            parameters={
                "ClaimsApiBaseUrl": simulator.base_url,  # loopback http: the https pattern is for deployments
                "ClaimsApiCredentialsArn": secret["ARN"],
                "ClaimsProviderTin": CLAIMS_API_TIN,
            },
        ).create()
        service = Lambda(resources, daemon, runtime_env, report, deadline)
        report.tracing_modes = {
            resources.function(source.function_logical_id).handler: resources.function(
                source.function_logical_id
            ).tracing
            for source in service.sources
        }
        (bucket,) = [
            resources.physical(logical_id)["Ref"]
            for logical_id, resource in resources.of_type("AWS::S3::Bucket").items()
            if "NotificationConfiguration" in resource["Properties"]
        ]
        s3 = boto3.client("s3", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        s3.put_object(Bucket=bucket, Key=INPUT_KEY, Body=claims_csv(rows).encode())
        summary_key = "results/acme/claims.summary.json"
        while time.monotonic() < deadline:
            try:
                if service.poll_once(sqs):
                    continue
            except InvocationTimedOut as timed_out:
                report.timed_out = str(timed_out)
                break
            if _exists(s3, bucket, summary_key):
                report.finished = True
                break
            time.sleep(IDLE_PAUSE_S)
        if report.finished:
            report.summary = json.loads(s3.get_object(Bucket=bucket, Key=summary_key)["Body"].read())
            results = s3.get_object(Bucket=bucket, Key="results/acme/claims.results.csv")["Body"].read()
            report.results_csv = results.decode()
    daemon.stop()
    report.trace_segments = len(daemon.packets)
    report.trace_text = b"\n".join(daemon.packets).decode("utf-8", "replace")
    report.elapsed_s = round(time.monotonic() - started, 1)
    report_path.write_text(json.dumps(report.__dict__), encoding="utf-8")
    return report


def _exists(s3: Any, bucket: str, key: str) -> bool:
    return bool(s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount"))


if __name__ == "__main__":
    run(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # an invocation that timed out may still hold its thread; Lambda would end it too
