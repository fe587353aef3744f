"""The embedded runtime with its lookups in a child process, as `run` and `serve`
use it: every row exactly once, even when the child dies in the middle of a job."""

from __future__ import annotations

import asyncio
import uuid
from functools import partial

from claimbatch.domain.job import INBOX_PREFIX, JobState
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.lookup_process import LookupProcess
from claimbatch.simulator.in_process_provider import InProcessSimulatedProvider
from tests.support.claims_data import member_line
from tests.support.lookup_providers import DiesOnce

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


async def _run(tmp_path, lookups: LookupProcess, rows: int) -> tuple[JobState, list[str]]:
    tag = uuid.uuid4().hex[:6].upper()
    data = HEADER + "".join(f"{member_line(f'LP{tag}{n:05d}')}\n" for n in range(1, rows + 1))
    settings = EmbeddedSettings(data_dir=tmp_path, rows_per_message=10, concurrency=8, redelivery_base_s=0.01)
    runtime = EmbeddedRuntime(settings, lookups)
    key = f"{INBOX_PREFIX}{tag.lower()}/claims.csv"
    path = runtime.objects.path_of(key)
    path.parent.mkdir(parents=True)
    path.write_text(data)
    job = runtime.create_job(key, version="1", size=len(data))
    assert job is not None
    async with runtime:
        job = await asyncio.wait_for(runtime.run_job(job.job_id), timeout=120)
    results = runtime.objects.path_of(job.results_key).read_text().splitlines()[1:] if job.results_key else []
    return job.state, results


def test_a_job_through_the_lookup_process_answers_every_row_once(tmp_path):
    lookups = LookupProcess(InProcessSimulatedProvider)
    state, lines = asyncio.run(_run(tmp_path, lookups, 95))
    assert state is JobState.COMPLETED
    assert [int(line.split(",")[0]) for line in lines] == list(range(1, 96))
    assert all(",True," in line for line in lines)
    assert lookups.stats.requests == 95


def test_a_lookup_process_that_dies_mid_job_loses_no_row(tmp_path):
    marker = tmp_path / "died"
    lookups = LookupProcess(partial(DiesOnce, marker), restart_delay_s=0.05)
    state, lines = asyncio.run(_run(tmp_path / "data", lookups, 60))
    assert marker.exists(), "the first child died"
    assert state is JobState.COMPLETED
    assert [int(line.split(",")[0]) for line in lines] == list(range(1, 61))
    assert all(",True," in line for line in lines)
