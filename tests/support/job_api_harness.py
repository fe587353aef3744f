"""The job API as a client sees it, in either runtime, so that one test covers both.

- `EmbeddedJobApi`: `claimbatch serve`'s pieces in a background thread (the
  embedded runtime, the inbox loop, the local API server) and real HTTP to it.
- `AwsJobApi`: the job API Lambda handler on moto, called with the recorded API
  Gateway HTTP API event reshaped per request; a token stands for the claims the
  JWT authorizer would have verified (an unknown token: no authorizer claims).
  An upload is the object S3 would store for the form; `settle()` runs the
  pipeline's queues until idle.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import httpx
from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.cli.serve_command import serve_inbox
from claimbatch.handlers import job_api
from claimbatch.runtime.api_server import serve_job_api
from claimbatch.runtime.embedded import DB_NAME, EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.inbox_watcher import InboxWatcher
from claimbatch.runtime.local_notifier import LocalNotifier

from testkit.aws_pipeline import AwsPipeline, recorded_event
from testkit.lambda_context import FakeLambdaContext

TOKENS = {"token-acme": "acme", "token-beta": "beta"}  # bearer token → tenant
ACME, BETA = "token-acme", "token-beta"
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "UPLOAD_EXPIRED")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class JobApi(Protocol):
    name: str

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = ACME,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Answer: ...

    def upload(self, created: dict[str, Any], data: bytes) -> None:
        """Send `data` with the form POST /jobs answered."""
        ...

    def settle(self) -> None:
        """Let the pipeline work (a no-op where it works on its own)."""
        ...

    def download(self, location: str) -> bytes: ...


def wait_for_state(api: JobApi, job_id: str, states: tuple[str, ...] = TERMINAL, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        api.settle()
        answer = api.call("GET", f"/jobs/{job_id}")
        assert answer.status == 200, answer.text
        job = answer.json()
        if job["state"] in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")
        time.sleep(0.05)


def wait_for_results(api: JobApi, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """The job once its results file is written (a cancelled job's comes a moment after it stops)."""
    deadline = time.monotonic() + timeout
    while (job := wait_for_state(api, job_id, timeout=timeout))["results"] is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job['state']} without a results file after {timeout} s")
        time.sleep(0.05)
    return job


def submit(api: JobApi, data: bytes, filename: str = "claims.csv", token: str = ACME) -> str:
    """Create a job and upload its file; the id POST /jobs returned."""
    created = api.call("POST", "/jobs", token=token, body={"filename": filename})
    assert created.status == 201, created.text
    api.upload(created.json(), data)
    return created.json()["job_id"]


# -- embedded --------------------------------------------------------------------------


def embedded_client_settings(base_url: str, max_attempts: int) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=base_url,
        client_id="demo-client",
        client_secret="demo-secret",
        provider_tin="123456789",
        retry=RetryBudget(max_attempts=max_attempts, base_delay_s=0.001),
    )


class EmbeddedJobApi:
    name = "embedded"

    def __init__(self, base_url: str, client: httpx.Client) -> None:
        self.base_url = base_url
        self._client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = ACME,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self._client.request(method, path, headers=headers, json=body, params=params)
        return Answer(answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.content)

    def upload(self, created: dict[str, Any], data: bytes) -> None:
        form = created["upload"]
        answer = self._client.post(form["url"], data=form["fields"], files={form["file_field"]: ("upload.csv", data)})
        assert answer.status_code == 204, answer.text

    def settle(self) -> None:
        pass

    def download(self, location: str) -> bytes:
        answer = self._client.get(location)
        assert answer.status_code == 200, answer.text
        return answer.content


@contextmanager
def embedded_job_api(
    data_dir: Path,
    claims_api_url: str,
    *,
    max_attempts: int = 2,
    max_deliveries: int = 2,
    concurrency: int = 8,
    notifier: Callable[[Path], LocalNotifier] | None = None,
) -> Iterator[EmbeddedJobApi]:
    """`claimbatch serve` (inbox + job API with TOKENS) in a background thread, for the block.
    `notifier`: makes the notifier of the runtime from the data folder's database path."""
    ready: dict[str, str] = {}
    started, stop_requested = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    async def serve() -> None:
        settings = EmbeddedSettings(
            data_dir=data_dir,
            concurrency=concurrency,
            rows_per_message=2,
            max_deliveries=max_deliveries,
            redelivery_base_s=0.001,
        )
        runtime = EmbeddedRuntime(
            settings,
            OptumClaimsClient(embedded_client_settings(claims_api_url, max_attempts)),
            notifier(data_dir / DB_NAME) if notifier else None,
        )
        stop = asyncio.Event()
        async with runtime, serve_job_api(runtime, "127.0.0.1", 0, TOKENS) as api:
            if runtime.notifier is not None:
                runtime.notifier.set_api_base_url(api.base_url)
            inbox = asyncio.create_task(serve_inbox(runtime, InboxWatcher(data_dir, settle_s=0.05), 0.05, stop))
            ready["base_url"] = api.base_url
            started.set()
            while not stop_requested.is_set():
                await asyncio.sleep(0.05)
            stop.set()
            await inbox

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:  # surfaced to the test below
            failure.append(error)
            started.set()

    thread = threading.Thread(target=run, name="claimbatch-serve", daemon=True)
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    try:
        with httpx.Client(base_url=ready["base_url"], timeout=30) as client:
            yield EmbeddedJobApi(ready["base_url"], client)
    finally:
        stop_requested.set()
        thread.join(30)


# -- AWS -------------------------------------------------------------------------------

KMS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def job_api_env(pipeline_env: Mapping[str, str]) -> dict[str, str]:
    return {"INGEST_BUCKET": "claimbatch-ingest", "KMS_KEY_ID": KMS_KEY_ARN, **pipeline_env}


@dataclass(frozen=True)
class RawBody:
    """A request body sent as it is, not as JSON (malformed on purpose)."""

    text: str


def http_api_event(
    method: str,
    path: str,
    *,
    claims: Mapping[str, str] | None,
    body: Any = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The recorded HTTP API event, reshaped for this request."""
    event = copy.deepcopy(recorded_event("http_api_v2_event.json"))
    query = {name: str(value) for name, value in (params or {}).items()}
    event["rawPath"] = path
    event["rawQueryString"] = urlencode(query)
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    if query:
        event["queryStringParameters"] = query
    if body is None:
        event.pop("body", None)
        event["headers"].pop("content-type", None)
        event["headers"].pop("content-length", None)
    else:
        event["body"] = body.text if isinstance(body, RawBody) else json.dumps(body)
        event["headers"]["content-length"] = str(len(event["body"]))
    if claims is None:
        del event["requestContext"]["authorizer"]
        event["headers"].pop("authorization", None)
    else:  # the recorded token's claims, with this request's tenant (or none: then `sub` names it)
        recorded = event["requestContext"]["authorizer"]["jwt"]["claims"]
        recorded.pop("custom:tenant")
        recorded.update(claims)
    return event


class AwsJobApi:
    name = "aws"

    def __init__(self, pipeline: AwsPipeline) -> None:
        self.pipeline = pipeline

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = ACME,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Answer:
        tenant = TOKENS.get(token or "")
        claims = None if tenant is None else {"custom:tenant": tenant}
        result = job_api.handler(
            http_api_event(method, path, claims=claims, body=body, params=params), FakeLambdaContext()
        )
        headers = {name.lower(): str(value) for name, value in (result.get("headers") or {}).items()}
        return Answer(result["statusCode"], headers, str(result.get("body") or "").encode("utf-8"))

    def upload(self, created: dict[str, Any], data: bytes) -> None:
        """What S3 does with an accepted form: store the object (and announce it)."""
        fields = created["upload"]["fields"]
        assert fields["x-amz-server-side-encryption"] == "aws:kms"
        self.pipeline.notify(self.pipeline.put_object(fields["key"], data))

    def settle(self) -> None:
        self.pipeline.run_until_idle()

    def download(self, location: str) -> bytes:
        url = urlsplit(location)
        assert "X-Amz-Signature=" in url.query and "X-Amz-Expires=" in url.query
        key = unquote(url.path.lstrip("/"))
        if key.startswith(self.pipeline_bucket + "/"):  # path-style URL
            key = key[len(self.pipeline_bucket) + 1 :]
        return self.pipeline.read(key)

    pipeline_bucket = "claimbatch-ingest"


def aws_job_api(monkeypatch: Any, claims_api_url: str, env: Mapping[str, str]) -> AwsJobApi:
    """Inside mock_aws(): the pipeline's resources and the job API's environment."""
    pipeline = AwsPipeline(monkeypatch, claims_api_url, **job_api_env(env))
    return AwsJobApi(pipeline)


SimulatorRequests = Callable[[], int]
