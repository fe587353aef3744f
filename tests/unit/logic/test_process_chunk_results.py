"""The worker's use of per-chunk results, over the SQLite store: a deferred delivery
keeps the rows it answered (a next delivery looks up only the others), and a chunk
delivered again after it was counted looks nothing up and counts nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from claimbatch.domain.job import JobCounts
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.logic.process_chunk import NOT_ANSWERED_IN_TIME, ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.ports.chunk_ledger import ChunkId
from tests.support.claims_data import member_line
from tests.unit.logic.test_retry_and_cancel import Pipeline, ScriptedProvider


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def _deliver(pipeline: Pipeline, chunk, delivery: int) -> None:  # type: ignore[no-untyped-def]
    deps = WorkerDeps(store=pipeline.store, provider=pipeline.provider, signals=pipeline.queues, max_deliveries=3)
    asyncio.run(process_chunk(chunk, delivery, deps))


def test_a_deferred_delivery_keeps_its_answers_and_the_next_looks_up_only_the_rest(pipeline: Pipeline) -> None:
    job = pipeline.drop([member_line("OK00001"), member_line("FLAKY0002"), "NF00003,ANA,LIMA,01/02/1975,S3"])
    pipeline.split(job.job_id, rows_per_message=3)
    (chunk,) = pipeline.queues.chunks

    with pytest.raises(ChunkDeferred):
        _deliver(pipeline, chunk, 1)

    assert sorted(pipeline.store.chunk_results(job.job_id, ChunkId(0))) == [1, 3], "kept, not counted"
    assert pipeline.store.get_job(job.job_id).counts.done == 0
    pipeline.provider.looked_up.clear()
    pipeline.provider.flaky = False

    _deliver(pipeline, chunk, 2)

    assert pipeline.provider.looked_up == ["FLAKY0002"]
    assert pipeline.store.get_job(job.job_id).counts == JobCounts(total=3, done=3, succeeded=2, not_found=1)
    assert [result.row for result in pipeline.store.iter_results(job.job_id)] == [1, 2, 3]


def test_a_chunk_delivered_again_after_its_count_looks_nothing_up(pipeline: Pipeline) -> None:
    job = pipeline.drop([member_line("OK00001"), "bad,ANA,LIMA,02/30/1975,S2", member_line("OK00003")])
    pipeline.split(job.job_id, rows_per_message=3)
    (chunk,) = pipeline.queues.chunks
    _deliver(pipeline, chunk, 1)
    pipeline.provider.looked_up.clear()

    _deliver(pipeline, chunk, 1)  # a duplicate message

    assert pipeline.provider.looked_up == []
    assert pipeline.store.get_job(job.job_id).counts == JobCounts(total=3, done=3, succeeded=2, invalid=1)
    results = list(pipeline.store.iter_results(job.job_id))
    assert [(result.row, result.outcome.value) for result in results] == [
        (1, "succeeded"), (2, "invalid"), (3, "succeeded")
    ], "the row error, stored apart by the splitter, in its place"


class HangingProvider:
    """HANG claims wait until `hang` is turned off (or the lookup is cancelled); others answer at once."""

    def __init__(self, answers: ScriptedProvider) -> None:
        self.stats = answers.stats
        self.answers = answers
        self.hang = True
        self.cancelled: list[str] = []

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        if query.claim_number.startswith("HANG") and self.hang:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.append(query.claim_number)
                raise
        return await self.answers.lookup(query)

    async def aclose(self) -> None:
        pass


REQUEST_DEADLINE_S = 45.0  # how long a request left running at the deadline may still take


def _deliver_by(pipeline: Pipeline, provider: HangingProvider, chunk, delivery: int, seconds_left: float) -> None:  # type: ignore[no-untyped-def]
    deps = WorkerDeps(
        store=pipeline.store,
        provider=provider,
        signals=pipeline.queues,
        max_deliveries=3,
        abandoned_request_s=REQUEST_DEADLINE_S,
    )
    asyncio.run(process_chunk(chunk, delivery, deps, time_left=lambda: seconds_left))


def test_rows_not_answered_by_the_deadline_come_back_after_their_requests_end_and_only_they_are_looked_up_again(
    pipeline: Pipeline,
) -> None:
    job = pipeline.drop([member_line("OK00001"), member_line("HANG0002"), "NF00003,ANA,LIMA,01/02/1975,S3"])
    pipeline.split(job.job_id, rows_per_message=3)
    (chunk,) = pipeline.queues.chunks
    provider = HangingProvider(pipeline.provider)

    with pytest.raises(ChunkDeferred) as deferred:
        _deliver_by(pipeline, provider, chunk, 1, seconds_left=0.05)

    # Not at once: the same environment would send the slow row again behind its own request,
    # still running and holding a slot; after the request deadline that request has ended.
    assert deferred.value.delay_s == REQUEST_DEADLINE_S, "no growing wait, just the abandoned requests' time"
    assert provider.cancelled == ["HANG0002"], "the late lookup is not left running"
    assert sorted(pipeline.store.chunk_results(job.job_id, ChunkId(0))) == [1, 3], "kept, not counted"
    assert pipeline.store.get_job(job.job_id).counts.done == 0
    pipeline.provider.looked_up.clear()
    provider.hang = False

    _deliver_by(pipeline, provider, chunk, 2, seconds_left=60)

    assert pipeline.provider.looked_up == ["HANG0002"]
    assert pipeline.store.get_job(job.job_id).counts == JobCounts(total=3, done=3, succeeded=2, not_found=1)
    assert [result.row for result in pipeline.store.iter_results(job.job_id)] == [1, 2, 3]


def test_a_transient_failure_and_a_late_row_wait_the_growing_delay(pipeline: Pipeline) -> None:
    job = pipeline.drop([member_line("FLAKY0001"), member_line("HANG0002")])
    pipeline.split(job.job_id, rows_per_message=2)
    (chunk,) = pipeline.queues.chunks

    with pytest.raises(ChunkDeferred) as deferred:
        _deliver_by(pipeline, HangingProvider(pipeline.provider), chunk, 1, seconds_left=0.05)

    growing = WorkerDeps(store=pipeline.store, provider=pipeline.provider, signals=pipeline.queues).redelivery_delay(1)
    assert deferred.value.delay_s == max(growing, REQUEST_DEADLINE_S)
    assert pipeline.store.chunk_results(job.job_id, ChunkId(0)) == {}


def test_on_the_last_delivery_rows_not_answered_in_time_are_failed_and_retryable(pipeline: Pipeline) -> None:
    job = pipeline.drop([member_line("OK00001"), member_line("HANG0002")])
    pipeline.split(job.job_id, rows_per_message=2)
    (chunk,) = pipeline.queues.chunks

    _deliver_by(pipeline, HangingProvider(pipeline.provider), chunk, 3, seconds_left=0.05)

    assert pipeline.store.get_job(job.job_id).counts == JobCounts(total=2, done=2, succeeded=1, failed=1, retryable=1)
    late = list(pipeline.store.iter_results(job.job_id))[1]
    assert (late.outcome.value, late.retryable) == ("failed", True)
    assert late.error == NOT_ANSWERED_IN_TIME


def test_no_time_left_looks_nothing_up_and_defers_the_whole_chunk(pipeline: Pipeline) -> None:
    job = pipeline.drop([member_line("OK00001"), member_line("OK00002")])
    pipeline.split(job.job_id, rows_per_message=2)
    (chunk,) = pipeline.queues.chunks

    with pytest.raises(ChunkDeferred):
        _deliver_by(pipeline, HangingProvider(pipeline.provider), chunk, 1, seconds_left=0)

    assert pipeline.provider.looked_up == []
