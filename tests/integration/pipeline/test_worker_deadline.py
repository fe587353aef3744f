"""A worker that runs out of time keeps what it has and hands the rest back.

The worker Lambda as deployed (moto, its handler, its environment) against a
simulator of its own, with a Lambda context that has little time left: two
claims answer only after 30 s the first time they are asked (at once after
that), the others at once. At the deadline the worker stops waiting, stores the
rows answered so far, and reports the chunk as a batch item failure, invisible
for the request deadline (the requests left running may take that long); the
redelivery looks up only the rows not answered, and every row ends exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from moto import mock_aws

from claimbatch.adapters.aws.sqs_queues import SqsDeferral
from claimbatch.domain.job import JobState
from claimbatch.handlers import wiring
from claimbatch.ports.job_store import ChunkId
from claimbatch.simulator.server import RunningSimulator, start_simulator
from testkit.aws_pipeline import TABLE, AwsPipeline
from tests.integration.pipeline.conftest import TEST_ENV
from tests.support.claims_data import member_line
from tests.support.synth import Synthesized

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
MARGIN_S = 1.0
LOOKUP_TIME_S = 0.5  # what the worker has for lookups on its first delivery


@pytest.fixture
def slow_payer() -> Iterator[RunningSimulator]:
    with start_simulator(latency_ms=5, slow_s=30) as simulator:
        yield simulator


def test_a_worker_out_of_time_keeps_its_answers_and_the_redelivery_looks_up_only_the_rest(
    monkeypatch: pytest.MonkeyPatch, slow_payer: RunningSimulator, synthesized: Synthesized
) -> None:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    tag = uuid.uuid4().hex[:6].upper()
    slow = [f"SLOWX1{tag}{n}" for n in range(2)]
    claims = [f"OK{tag}{n:02d}" for n in range(4)] + [slow[0]] + [f"OK{tag}{n:02d}" for n in range(4, 8)] + [slow[1]]
    body = HEADER + "".join(f"{member_line(claim)}\n" for claim in claims)
    env = {
        **TEST_ENV,
        "API_RPS_PER_WORKER": "100",
        "LOOKUP_CONCURRENCY": "16",
        "CLAIMS_API_LATENCY_S": "0.01",
        # Longer than the slow answer: only the worker's deadline ends the wait for it.
        "CLAIMS_API_REQUEST_TIMEOUT_S": "60",
        "CLAIMS_API_REQUEST_DEADLINE_S": "90",
        "LOOKUP_MAX_ELAPSED_S": "90",
        "WORKER_DEADLINE_MARGIN_S": str(MARGIN_S),
    }
    delays: list[float] = []
    defer = SqsDeferral.defer

    def recorded_defer(self: SqsDeferral, receipt_handle: str, delay_s: float) -> None:
        delays.append(delay_s)
        defer(self, receipt_handle, delay_s)

    monkeypatch.setattr(SqsDeferral, "defer", recorded_defer)
    with mock_aws():
        pipeline = AwsPipeline(monkeypatch, slow_payer.base_url, table=table["Properties"], **env)
        job_id = pipeline.drop(f"inbox/{uuid.uuid4().hex}.csv", body.encode())
        assert pipeline.step("split")
        (message,) = pipeline.receive("rows")
        assert len(json.loads(message["Body"])["rows"]) == 10, "one chunk of all ten rows"

        pipeline.remaining_ms = int((MARGIN_S + LOOKUP_TIME_S) * 1000)
        failed = pipeline.invoke("rows", [message])
        kept = wiring.job_store(TABLE).chunk_results(job_id, ChunkId(0))
        sent_first = slow_payer.stats()["requests"]
        assert pipeline.receive("rows") == [], "not back before the abandoned requests may have ended"
        # Instead of waiting out the request deadline for real:
        pipeline.sqs.change_message_visibility(
            QueueUrl=pipeline.queues["rows"], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

        pipeline.remaining_ms = 900_000
        pipeline.run_until_idle()
        job = pipeline.job(job_id)
        rows = [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]
        sent_again = slow_payer.stats()["requests"] - sent_first

    assert failed == {message["MessageId"]}, "reported as a batch item failure"
    assert delays == [90.0], "deferred for the request deadline (CLAIMS_API_REQUEST_DEADLINE_S)"
    assert kept, "the rows answered before the deadline are stored"
    assert not {claims[row - 1] for row in kept} & set(slow), "the slow rows were not answered in time"
    assert sent_again == len(claims) - len(kept), "the redelivery looks up only the rows not kept"
    assert all(slow_payer.state.faults.attempts(claim) == 2 for claim in slow)
    assert job.state is JobState.COMPLETED
    assert job.counts.done == job.counts.succeeded == len(claims)
    assert [row[0] for row in rows] == [str(n) for n in range(1, 11)], "every row exactly once, in order"
    assert [row[1] for row in rows] == claims
    assert [row[7] for row in rows] == ["True"] * len(claims)
