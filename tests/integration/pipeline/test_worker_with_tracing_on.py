"""The worker's lookups with X-Ray tracing on, as every function is deployed
(`TracingConfig: Active`, POWERTOOLS_TRACE_DISABLED unset), over many chunks
against a simulator with some latency.

The rest of the suite runs with tracing off (tests/conftest.py). With tracing
on, X-Ray's auto-patching of httpx kept one subsegment stack for all concurrent
lookups: one lookup ended another's subsegment, the wrapper raised after the
answer had arrived, that answer was never closed, and its connection never went
back to the pool, until every lookup timed out waiting for one. This test runs
the same worker, on moto, with the tracer made as in Lambda.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from claimbatch.domain.job import JobState
from claimbatch.simulator.server import start_simulator
from tests.support.claims_data import member_line

ROWS = 600  # 60 chunks of 10: several worker invocations of 10 concurrent chunks
TRACE_HEADER = "Root=1-65f0c0de-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


class SentTraces:
    """Stands for the X-Ray daemon: keeps what the recorder sends."""

    def __init__(self) -> None:
        self.documents: list[str] = []

    def send_entity(self, entity) -> None:
        self.documents.append(entity.serialize())

    def set_daemon_address(self, address) -> None:
        pass


@pytest.fixture
def tracing_as_deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[SentTraces]:
    """Tracing on, the X-Ray recorder in its Lambda mode, the tracer made as at a cold start."""
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk import global_sdk_config
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.lambda_launcher import LambdaContext
    from aws_xray_sdk.core.sampling.local.sampler import LocalSampler

    from claimbatch import observability

    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    saved = (httpx.Client, httpx.AsyncClient, httpx._api.Client)
    saved_recorder = (xray_recorder.context, xray_recorder.sampler, xray_recorder.streaming_threshold)
    saved_emitter = xray_recorder.emitter
    sent = SentTraces()
    xray_recorder.configure(context=LambdaContext(), sampler=LocalSampler(), streaming_threshold=0)
    xray_recorder.emitter = sent
    global_sdk_config.set_sdk_enabled(True)
    Tracer._reset_config()  # Powertools keeps the first tracer's settings for every later one
    tracer = observability.make_tracer()
    assert not tracer.disabled
    try:
        yield sent
    finally:
        xray_recorder.emitter = saved_emitter
        Tracer._reset_config()
        Tracer(disabled=True)  # as the rest of the suite runs: tracing off
        global_sdk_config.set_sdk_enabled(False)
        httpx.Client, httpx.AsyncClient, httpx._api.Client = saved
        context, sampler, threshold = saved_recorder
        xray_recorder.configure(context=context, sampler=sampler, streaming_threshold=threshold)


def test_many_chunks_of_lookups_complete_with_tracing_on(tracing_as_deployed, make_pipeline):
    with start_simulator(latency_ms=15, jitter_ms=10) as api:
        pipeline = make_pipeline(
            CLAIMS_API_BASE_URL=api.base_url,
            ROWS_PER_MESSAGE="10",
            # A leaked connection shows as a pool timeout within seconds, not minutes.
            CLAIMS_API_REQUEST_TIMEOUT_S="3",
            CLAIMS_API_REQUEST_DEADLINE_S="5",
        )
        body = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n" + "".join(
            f"{member_line(f'TR{n:08d}')}\n" for n in range(ROWS)
        )
        job_id = pipeline.drop("inbox/traced.csv", body.encode())
        pipeline.run_until_idle(max_wait_s=300)
        served = api.stats()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED
    assert (job.counts.succeeded, job.counts.failed) == (ROWS, 0), job.counts
    assert pipeline.invocations["rows"] >= 6  # many invocations, each with concurrent chunks
    assert served["by_status"].get("200", 0) >= ROWS
    # The lookups were traced, each in a subsegment of its own, without patient data.
    traced = "\n".join(tracing_as_deployed.documents)
    assert traced.count('"name": "claims API lookup"') >= ROWS
    assert "TR00000001" not in traced
