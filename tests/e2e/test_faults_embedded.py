"""The fault-injection cases on the embedded runtime: an outage, a 429 storm, a
30% error rate. Every row exactly once, the job terminal, the figures printed."""

from __future__ import annotations

import time
import uuid

from claimbatch.domain.job import JobState
from claimbatch.simulator.server import start_simulator
from tests.support.runtimes import EmbeddedRunner
from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _file(rows: int) -> bytes:
    tag = uuid.uuid4().hex[:6].upper()
    return (HEADER + "".join(f"{member_line(f'EMB{tag}{n:05d}')}\n" for n in range(1, rows + 1))).encode()


def _check(job, api, label: str, started: float) -> None:
    stats = api.stats()
    print(
        f"\n[{label}] state={job.state.value} rows={len(job.lines)} elapsed={time.monotonic() - started:.1f}s "
        f"requests={stats['requests']} 429={stats['throttled']} 5xx={stats['errors']}"
    )
    assert job.state is JobState.COMPLETED
    assert [int(line[0]) for line in job.lines] == list(range(1, job.counts.total + 1))
    assert all(line[7] == "True" for line in job.lines), {line[8] for line in job.lines}


def test_outage_is_ridden_out(tmp_path):
    with start_simulator(outage_after_s=0.3, outage_for_s=2.0) as api:
        runner = EmbeddedRunner(
            tmp_path, api.base_url, max_deliveries=100, redelivery_base_s=0.1, max_redelivery_delay_s=0.5
        )
        started = time.monotonic()
        job = runner.run(_file(400))
        _check(job, api, "embedded 2 s outage", started)
    assert api.stats()["rejected"].get("outage", 0) > 0


def test_429_storm_is_ridden_out(tmp_path):
    with start_simulator(rate_limit=40, rate_burst=2) as api:
        runner = EmbeddedRunner(tmp_path, api.base_url, max_deliveries=50, redelivery_base_s=0.05, max_redelivery_delay_s=0.5)
        started = time.monotonic()
        job = runner.run(_file(60))
        _check(job, api, "embedded 429 storm", started)
    assert api.stats()["throttled"] > 0


def test_30_percent_errors_leave_every_existing_claim_answered(tmp_path):
    with start_simulator(error_rate=0.3, seed=11) as api:
        runner = EmbeddedRunner(tmp_path, api.base_url, max_deliveries=10)
        started = time.monotonic()
        job = runner.run(_file(300))
        _check(job, api, "embedded 30% errors", started)
