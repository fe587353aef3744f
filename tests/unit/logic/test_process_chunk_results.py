"""The worker's use of per-chunk results, over the SQLite store: a deferred delivery
keeps the rows it answered (a next delivery looks up only the others), and a chunk
delivered again after it was counted looks nothing up and counts nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from claimbatch.domain.job import JobCounts
from claimbatch.logic.process_chunk import ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.ports.chunk_ledger import ChunkId
from tests.support.claims_data import member_line
from tests.unit.logic.test_retry_and_cancel import Pipeline


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
