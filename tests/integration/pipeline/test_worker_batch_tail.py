"""A worker's batch is not held to its slowest answer while its share of the budget sits idle.

The worker Lambda as deployed (moto, its handler, its environment) against a
simulator of its own: one claim answers only after 30 s the first time it is
asked and at once after that, the last row of the file (the worker has seen
enough answers by then to know what slow is). Once the batch's other rows are
answered, the worker's share of the budget is spare, and the slow request is
sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from moto import mock_aws

from claimbatch.domain.job import JobState
from claimbatch.simulator.server import RunningSimulator, start_simulator
from testkit.aws_pipeline import AwsPipeline
from tests.integration.pipeline.conftest import TEST_ENV
from tests.support.claims_data import member_line
from tests.support.synth import Synthesized

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


@pytest.fixture
def slow_payer() -> Iterator[RunningSimulator]:
    with start_simulator(latency_ms=20, slow_s=30) as simulator:
        yield simulator


def test_the_slowest_answer_of_a_batch_is_beaten_by_a_copy_sent_with_the_idle_budget(
    monkeypatch: pytest.MonkeyPatch, slow_payer: RunningSimulator, synthesized: Synthesized
) -> None:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    slow_claim = "SLOWX1" + uuid.uuid4().hex[:8].upper()
    ordinary = [f"TAIL{n:06d}" for n in range(119)]
    body = HEADER + "".join(f"{member_line(claim)}\n" for claim in (*ordinary, slow_claim))
    env = {
        **TEST_ENV,
        "API_RPS_PER_WORKER": "100",
        "LOOKUP_CONCURRENCY": "16",
        "CLAIMS_API_LATENCY_S": "0.02",
        # Longer than the slow answer: without a copy the row would wait the whole 30 s, not time out.
        "CLAIMS_API_REQUEST_TIMEOUT_S": "60",
        "CLAIMS_API_REQUEST_DEADLINE_S": "90",
        "LOOKUP_MAX_ELAPSED_S": "90",
    }
    with mock_aws():
        pipeline = AwsPipeline(monkeypatch, slow_payer.base_url, table=table["Properties"], **env)
        job_id = pipeline.drop(f"inbox/{uuid.uuid4().hex}.csv", body.encode())
        pipeline.run_until_idle()
        job = pipeline.job(job_id)
        rows = [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]

    assert job.state is JobState.COMPLETED
    assert [row[7] for row in rows] == ["True"] * 120
    # Asked twice: the first request (30 s) and its copy, which answered.
    assert slow_payer.state.faults.attempts(slow_claim) == 2
    stats = slow_payer.stats()
    assert stats["throttled"] == 0 and stats["requests"] >= 121
