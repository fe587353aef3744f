"""The retry and cancel use cases over the SQLite store and a data folder, with the
pipeline's stages called by hand: what is looked up again, and that every row is
counted exactly once, also when a re-split (sweeper, restart) runs in the middle."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import ClaimStatus, LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.domain.job import Job, JobState, SourceObject, new_job
from claimbatch.logic.aggregate_results import AggregateDeps, aggregate_job
from claimbatch.logic.cancel_job import cancel_job
from claimbatch.logic.process_chunk import WorkerDeps, process_chunk
from claimbatch.logic.retry_job import RetryDeps, RetryRefused, retry_job
from claimbatch.logic.split_file import SplitDeps, SplitSettings, split_job
from tests.support.recording_queues import RecordingQueues

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
ROWS_PER_MESSAGE = 2


class ScriptedProvider:
    """FLAKY claims fail retryably while `flaky` is on; NF claims are not found; others are found."""

    def __init__(self) -> None:
        self.stats = ProviderStats()
        self.flaky = True
        self.looked_up: list[str] = []

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        self.looked_up.append(query.claim_number)
        if query.claim_number.startswith("FLAKY") and self.flaky:
            return LookupOutcome.failed("claims API unavailable (HTTP 503)", retryable=True)
        if query.claim_number.startswith("NF"):
            return LookupOutcome.not_found()
        return LookupOutcome.found(ClaimStatus("Finalized", "ANA", "LIMA", None, None, None))

    async def aclose(self) -> None:
        pass


class Pipeline:
    def __init__(self, tmp_path: Path) -> None:
        self.store = SqliteJobStore(tmp_path / "jobs.db")
        self.objects = LocalObjectStore(tmp_path / "data")
        self.queues = RecordingQueues()
        self.provider = ScriptedProvider()

    def drop(self, lines: list[str], key: str = "inbox/acme/c.csv") -> Job:
        path = self.objects.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
        job = new_job(SourceObject(bucket=LOCAL_BUCKET, key=key, version="1"))
        assert self.store.create_job(job)
        return job

    def split(self, job_id: str, rows_per_message: int = ROWS_PER_MESSAGE) -> None:
        deps = SplitDeps(
            self.store, self.objects, self.queues, self.queues, SplitSettings(rows_per_message=rows_per_message)
        )
        split_job(job_id, deps, lambda: 1e9)

    def work(self) -> None:
        """Every queued chunk, once, in order (one delivery: transient failures are final)."""
        deps = WorkerDeps(store=self.store, provider=self.provider, signals=self.queues, max_deliveries=1)
        chunks, self.queues.chunks = self.queues.chunks, []
        for chunk in chunks:
            asyncio.run(process_chunk(chunk, 1, deps))

    def aggregate(self) -> None:
        while self.queues.aggregations:
            aggregate_job(self.queues.aggregations.pop(0), AggregateDeps(self.store, self.objects))

    def run(self, job_id: str) -> Job:
        self.split(job_id)
        self.work()
        self.aggregate()
        return self.store.get_job(job_id)

    def retry(self, job_id: str, rows_per_message: int = ROWS_PER_MESSAGE):  # type: ignore[no-untyped-def]
        return retry_job(
            job_id, RetryDeps(self.store, self.objects, self.queues, self.queues, rows_per_message=rows_per_message)
        )

    def results(self, job: Job) -> list[list[str]]:
        text = self.objects.path_of(job.results_key).read_text()
        return [line.split(",") for line in text.splitlines()[1:]]


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    under_test = Pipeline(tmp_path)
    yield under_test
    under_test.store.close()


LINES = [
    "GOOD1,ANA,LIMA,01/02/1975,1",  # chunk 0
    "FLAKY1,ANA,LIMA,01/02/1975,1",
    "NF1,ANA,LIMA,01/02/1975,1",  # chunk 1
    "GOOD2,ANA,LIMA,13/45/1975,1",  # a row error
    "FLAKY2,ANA,LIMA,01/02/1975,1",  # chunk 2
]


def _completed_with_two_failed_rows(pipeline: Pipeline) -> Job:
    job = pipeline.run(pipeline.drop(LINES).job_id)
    assert job.state is JobState.COMPLETED and (job.counts.done, job.counts.failed) == (5, 2)
    pipeline.provider.flaky = False
    pipeline.provider.looked_up.clear()
    return job


def test_retry_resends_the_chunks_of_retryable_rows_and_looks_up_only_those_rows(pipeline):
    job = _completed_with_two_failed_rows(pipeline)

    started = pipeline.retry(job.job_id)

    assert (started.rows, started.attempt) == (2, 1)
    assert [(chunk.chunk, [row.row for row in chunk.rows]) for chunk in pipeline.queues.chunks] == [
        (0, [1, 2]),
        (2, [5]),
    ]
    reopened = pipeline.store.get_job(job.job_id)
    assert reopened.state is JobState.PROCESSING and reopened.counts.done == 5 - 3
    assert [result.row for result in pipeline.store.iter_results(job.job_id)] == [1, 3, 4]

    pipeline.work()
    pipeline.aggregate()

    done = pipeline.store.get_job(job.job_id)
    assert done.state is JobState.COMPLETED
    assert (done.counts.done, done.counts.succeeded, done.counts.failed) == (5, 3, 0)
    assert pipeline.provider.looked_up == ["FLAKY1", "FLAKY2"]
    assert [line[7] for line in pipeline.results(done)] == ["True", "True", "False", "False", "True"]


def test_a_re_split_in_the_middle_of_a_retry_counts_every_row_once(pipeline):
    job = _completed_with_two_failed_rows(pipeline)
    pipeline.retry(job.job_id)

    # The sweeper (or a restart) re-splits the job before the retry's chunks ran
    assert pipeline.store.reopen_split(job.job_id)
    pipeline.split(job.job_id)
    pipeline.work()  # the retry's chunks and the whole file's, all of them
    pipeline.aggregate()

    done = pipeline.store.get_job(job.job_id)
    assert done.state is JobState.COMPLETED
    assert (done.counts.total, done.counts.done, done.counts.succeeded, done.counts.failed) == (5, 5, 3, 0)
    assert sorted(pipeline.provider.looked_up) == ["FLAKY1", "FLAKY2"]


def test_nothing_to_retry_leaves_the_job_alone(pipeline):
    job = pipeline.run(pipeline.drop(["GOOD1,ANA,LIMA,01/02/1975,1"]).job_id)

    started = pipeline.retry(job.job_id)

    assert started.rows == 0 and pipeline.store.get_job(job.job_id).state is JobState.COMPLETED
    assert pipeline.queues.chunks == []


def test_a_changed_input_refuses_the_retry_and_changes_nothing(pipeline):
    job = _completed_with_two_failed_rows(pipeline)
    changed = [line.replace("FLAKY1", "OTHER1") for line in LINES]
    pipeline.objects.path_of(job.source.key).write_text(HEADER + "".join(f"{line}\n" for line in changed))

    with pytest.raises(RetryRefused, match="changed"):
        pipeline.retry(job.job_id)

    after = pipeline.store.get_job(job.job_id)
    assert after.state is JobState.COMPLETED and after.counts == job.counts and pipeline.queues.chunks == []


def test_a_cancelled_job_writes_every_row_not_looked_up_as_cancelled(pipeline):
    job = pipeline.drop(LINES)
    pipeline.split(job.job_id)
    pipeline.queues.chunks = pipeline.queues.chunks[:1]  # chunk 0 looked up; the others still queued
    pipeline.work()

    assert cancel_job(job.job_id, pipeline.store, pipeline.queues)
    assert not cancel_job(job.job_id, pipeline.store, pipeline.queues)
    pipeline.aggregate()

    done = pipeline.store.get_job(job.job_id)
    assert done.state is JobState.CANCELLED
    lines = pipeline.results(done)
    assert [(line[0], line[1], line[7], line[8]) for line in lines] == [
        ("1", "GOOD1", "True", ""),
        ("2", "FLAKY1", "False", "claims API unavailable (HTTP 503)"),
        ("3", "NF1", "False", "cancelled"),
        ("4", "GOOD2", "False", lines[3][8]),
        ("5", "FLAKY2", "False", "cancelled"),
    ]
    assert lines[3][8].startswith("date_of_birth")
    assert (done.counts.total, done.counts.done, done.counts.cancelled, done.counts.invalid) == (5, 5, 2, 1)


def test_a_job_cancelled_before_its_split_still_gets_a_line_per_row(pipeline):
    job = pipeline.drop(LINES)

    assert cancel_job(job.job_id, pipeline.store, pipeline.queues)
    pipeline.split(job.job_id)  # a split that comes late does nothing
    pipeline.aggregate()

    done = pipeline.store.get_job(job.job_id)
    assert [line[8] for line in pipeline.results(done)][:3] == ["cancelled"] * 3
    assert pipeline.queues.chunks == [] and done.counts.total == 5


@pytest.mark.parametrize("new_size", [1, 3, 100])
def test_a_chunk_size_changed_between_the_split_and_a_retry_counts_every_row_once(pipeline, new_size):
    # Given a job split with chunks of 2 rows, and a redeploy that changed the setting since
    job = _completed_with_two_failed_rows(pipeline)
    assert pipeline.store.get_job(job.job_id).split_plan.rows_per_message == ROWS_PER_MESSAGE

    # When it is retried, and a re-split (the sweeper) runs in the middle with the new size
    started = pipeline.retry(job.job_id, rows_per_message=new_size)
    assert [(chunk.chunk, [row.row for row in chunk.rows]) for chunk in pipeline.queues.chunks] == [
        (0, [1, 2]),
        (2, [5]),
    ], "the chunks are those of the job's own split"
    assert pipeline.store.reopen_split(job.job_id)
    pipeline.split(job.job_id, rows_per_message=new_size)
    pipeline.work()
    pipeline.aggregate()

    # Then every row is counted once, and looked up again only if it had failed
    done = pipeline.store.get_job(job.job_id)
    assert started.rows == 2
    assert done.state is JobState.COMPLETED
    assert (done.counts.total, done.counts.done, done.counts.succeeded) == (5, 5, 3)
    assert (done.counts.not_found, done.counts.invalid, done.counts.failed) == (1, 1, 0)
    assert [line[0] for line in pipeline.results(done)] == ["1", "2", "3", "4", "5"]
    assert sorted(pipeline.provider.looked_up) == ["FLAKY1", "FLAKY2"]


def test_a_redrive_after_a_changed_chunk_size_splits_as_the_job_first_did(pipeline):
    # Given a job whose first split (chunks of 2) was lost before any chunk was worked
    job = pipeline.drop(LINES)
    pipeline.split(job.job_id)
    first_pass = [(chunk.chunk, [row.row for row in chunk.rows]) for chunk in pipeline.queues.chunks]

    # When the sweeper splits it again under a new setting, and both passes' chunks arrive
    assert pipeline.store.reopen_split(job.job_id)
    pipeline.split(job.job_id, rows_per_message=3)
    second_pass = [(chunk.chunk, [row.row for row in chunk.rows]) for chunk in pipeline.queues.chunks[-3:]]
    pipeline.provider.flaky = False
    pipeline.work()
    pipeline.aggregate()

    # Then the second pass made the same chunks, and every row is counted once
    assert second_pass == first_pass
    done = pipeline.store.get_job(job.job_id)
    assert (done.state, done.counts.total, done.counts.done) == (JobState.COMPLETED, 5, 5)
