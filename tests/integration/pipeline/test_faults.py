"""Fault injection on the moto harness: a slow, limited or failing claims API,
throttled DynamoDB, poison input. For each: every row exactly once in the
results and the job terminal; the figures are printed for the record."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from claimbatch.domain.job import JobState
from claimbatch.handlers import wiring
from claimbatch.simulator.server import start_simulator
from testkit.aws_pipeline import TABLE

from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _file(rows: int, prefix: str = "GEN") -> bytes:
    tag = uuid.uuid4().hex[:6].upper()
    return (HEADER + "".join(f"{member_line(f'{prefix}{tag}{n:05d}')}\n" for n in range(1, rows + 1))).encode()


def _finish(pipeline, job_id: str, label: str, simulator=None) -> list[list[str]]:
    started = time.monotonic()
    pipeline.run_until_idle()
    job = pipeline.job(job_id)
    lines = [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]
    stats = simulator.stats() if simulator else {}
    print(
        f"\n[{label}] state={job.state.value} rows={len(lines)} elapsed={time.monotonic() - started:.1f}s "
        f"api_requests={stats.get('requests')} api_429={stats.get('throttled')} api_5xx={stats.get('errors')} "
        f"worker_invocations={pipeline.invocations['rows']}"
    )
    assert job.state is JobState.COMPLETED
    assert [int(line[0]) for line in lines] == list(range(1, job.counts.total + 1))
    assert job.counts.done == job.counts.total == len(lines)
    return lines


class _ThrottledWrites:
    """Every other BatchWriteItem fails with ProvisionedThroughputExceededException."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.throttled = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def batch_write_item(self, **kwargs: Any) -> dict[str, Any]:
        self.throttled += 1
        if self.throttled % 2:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "BatchWriteItem"
            )
        return self._real.batch_write_item(**kwargs)


def test_throttled_dynamodb_writes(make_pipeline):
    pipeline = make_pipeline(MAX_ROW_RECEIVES="10")
    store = wiring.job_store(TABLE)
    store._ddb = _ThrottledWrites(store._ddb)
    job_id = pipeline.drop("inbox/throttled.csv", _file(60))

    lines = _finish(pipeline, job_id, "ddb throttled")

    assert all(line[7] == "True" for line in lines)


@pytest.fixture
def flaky_api():
    with start_simulator(error_rate=0.3, seed=7) as running:
        yield running


def test_api_error_rate_30_percent(monkeypatch, make_pipeline, flaky_api):
    pipeline = make_pipeline(MAX_ROW_RECEIVES="6", CLAIMS_API_BASE_URL=flaky_api.base_url)
    job_id = pipeline.drop("inbox/flaky.csv", _file(200))

    lines = _finish(pipeline, job_id, "30% errors", flaky_api)

    assert all(line[7] == "True" for line in lines), "every claim that exists ends answered"
    assert flaky_api.stats()["errors"] > 0


def test_api_outage_then_back_fails_no_row(make_pipeline):
    with start_simulator() as api:
        pipeline = make_pipeline(
            CLAIMS_API_BASE_URL=api.base_url,
            MAX_ROW_RECEIVES="100",
            ROW_PATIENCE_S="120",
            MAX_REDELIVERY_DELAY_S="1",
            LOOKUP_MAX_ATTEMPTS="2",
        )
        job_id = pipeline.drop("inbox/outage.csv", _file(300))
        pipeline.step("split")
        pipeline.step("rows")  # some chunks done before the outage
        api.start_outage(3.0)
        outage_over = time.monotonic() + 3.0

        lines = _finish(pipeline, job_id, "3 s outage", api)

    assert time.monotonic() >= outage_over
    assert all(line[7] == "True" for line in lines), "rows are not failed merely because the API was down"


def test_429_storm(make_pipeline):
    with start_simulator(rate_limit=30, rate_burst=5) as api:
        pipeline = make_pipeline(CLAIMS_API_BASE_URL=api.base_url, MAX_ROW_RECEIVES="20", MAX_REDELIVERY_DELAY_S="1")
        job_id = pipeline.drop("inbox/storm.csv", _file(150))

        lines = _finish(pipeline, job_id, "429 storm", api)

    assert api.stats()["throttled"] > 0
    assert all(line[7] == "True" for line in lines)


def test_poison_row_and_poison_message_do_not_hold_back_the_rest(pipeline):
    body = HEADER + "".join(f"{member_line(claim)}\n" for claim in ("GOOD000001", "E400POISON1", "GOOD000003"))
    job_id = pipeline.drop("inbox/poison.csv", body.encode())
    pipeline.step("split")
    pipeline.sqs.send_message(QueueUrl=pipeline.queues["rows"], MessageBody="{not json")
    messages = pipeline.receive("rows")

    failed = pipeline.invoke("rows", messages)

    assert len(failed) == 1  # only the garbage message; the chunk beside it went through
    pipeline.sqs.purge_queue(QueueUrl=pipeline.queues["rows"])
    lines = _finish(pipeline, job_id, "poison")
    assert [line[7] for line in lines] == ["True", "False", "True"]
    assert lines[1][8]  # the payer's rejection, said plainly


def test_reordered_chunks(pipeline):
    job_id = pipeline.drop("inbox/reorder.csv", _file(50))
    pipeline.step("split")
    messages = []
    while batch := pipeline.receive("rows"):
        messages.extend(batch)

    for message in reversed(messages):
        pipeline.invoke("rows", [message])

    lines = _finish(pipeline, job_id, "reordered")
    assert all(line[7] == "True" for line in lines)
