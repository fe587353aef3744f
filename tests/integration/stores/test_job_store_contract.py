"""The job store's contract, held to by both stores: DynamoDB (on moto, the
template's table and indexes) and SQLite. Every operation of the port, and the
rules that make the pipeline exactly-once: conditional state moves, a chunk's
marker and its counters in one transaction, the split lease, retry uncounting,
cancel. (The job API's listing and upload operations are in
test_job_store_api_operations.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from claimbatch.domain.job import Job, JobCounts, JobState, OutcomeTally, SourceObject, SplitPlan, new_job
from claimbatch.domain.result_row import ResultRow, RowOutcome

NOW = 1_000_000.0  # epoch seconds of the split leases
PLAN = SplitPlan(rows_per_message=100, max_rows=1_000_000, max_bytes=1 << 30)


def _job(store, key: str = "inbox/acme/claims.csv", version: str = "1") -> Job:
    job = new_job(SourceObject(bucket="b", key=key, version=version, etag="e", size=10))
    assert store.create_job(job)
    return job


def _processing(store, total: int, key: str = "inbox/acme/claims.csv") -> Job:
    job = _job(store, key)
    assert store.claim_split(job.job_id, NOW, NOW + 60, PLAN)
    assert store.finish_split(job.job_id, total)
    return job


def _answered(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number=f"C{row}", outcome=RowOutcome.SUCCEEDED, status="Finalized")


def _failed(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number=f"C{row}", outcome=RowOutcome.FAILED, error="timed out", retryable=True)


def _tally(*results: ResultRow) -> OutcomeTally:
    return OutcomeTally.of(results)


# -- jobs and their states ---------------------------------------------------------------


def test_a_job_is_created_once_and_read_back_whole(store) -> None:
    job = _job(store)

    assert not store.create_job(job.model_copy(update={"results_key": "elsewhere"}))
    stored = store.get_job(job.job_id)
    assert stored is not None
    assert stored.model_dump(exclude={"updated_at"}) == job.model_dump(exclude={"updated_at"})
    assert store.get_job("no-such-job") is None


def test_a_state_moves_only_from_the_states_named(store) -> None:
    job = _job(store)
    at = datetime(2025, 8, 8, 17, 0, tzinfo=UTC)

    assert not store.transition(job.job_id, [JobState.PROCESSING], JobState.AGGREGATING)
    assert store.transition(job.job_id, [JobState.RECEIVED, JobState.SPLITTING], JobState.FAILED, error="bad", at=at)
    assert not store.transition(job.job_id, [JobState.RECEIVED], JobState.FAILED)

    failed = store.get_job(job.job_id)
    assert (failed.state, failed.error, failed.completed_at) == (JobState.FAILED, "bad", at)
    assert not store.transition("no-such-job", [JobState.RECEIVED], JobState.FAILED)


def test_only_unfinished_jobs_are_active(store) -> None:
    running, failed, done = (_job(store, f"inbox/acme/{n}.csv") for n in range(3))
    store.transition(failed.job_id, [JobState.RECEIVED], JobState.FAILED)
    store.transition(done.job_id, [JobState.RECEIVED], JobState.CANCELLED)

    assert [job.job_id for job in store.list_active_jobs()] == [running.job_id]


# -- splitting ---------------------------------------------------------------------------


def test_the_split_lease_has_one_holder_until_it_runs_out_or_is_released(store) -> None:
    job = _job(store)

    assert store.claim_split(job.job_id, NOW, NOW + 60, PLAN)
    assert store.get_job(job.job_id).state is JobState.SPLITTING
    assert not store.claim_split(job.job_id, NOW + 59, NOW + 120, PLAN), "taken while the lease lives"
    assert store.claim_split(job.job_id, NOW + 61, NOW + 120, PLAN), "free once it ran out"

    store.save_split_cursor(job.job_id, 40, 0.0)  # released
    assert store.split_cursor(job.job_id) == 40
    assert store.claim_split(job.job_id, NOW + 62, NOW + 180, PLAN)
    store.save_split_cursor(job.job_id, 80, NOW + 300)  # renewed
    assert not store.claim_split(job.job_id, NOW + 200, NOW + 400, PLAN)
    assert store.split_cursor(job.job_id) == 80


def test_a_job_past_splitting_cannot_be_claimed(store) -> None:
    job = _processing(store, total=3)

    assert not store.claim_split(job.job_id, NOW + 1_000, NOW + 2_000, PLAN)
    assert not store.claim_split("no-such-job", NOW, NOW + 60, PLAN)
    assert store.split_cursor("no-such-job") == 0


def test_finishing_a_split_records_the_total_once(store) -> None:
    job = _job(store)
    assert not store.finish_split(job.job_id, 5), "not while RECEIVED"
    store.claim_split(job.job_id, NOW, NOW + 60, PLAN)

    assert store.finish_split(job.job_id, 5)
    assert not store.finish_split(job.job_id, 6)
    finished = store.get_job(job.job_id)
    assert (finished.state, finished.counts.total) == (JobState.PROCESSING, 5)
    assert store.claim_split(job.job_id, NOW + 1, NOW + 60, PLAN) is None, "the lease went with the split"


def test_a_redrive_splits_again_from_the_first_row(store) -> None:
    job = _processing(store, total=3)
    store.save_split_cursor(job.job_id, 3, 0.0)

    assert store.reopen_split(job.job_id)
    reopened = store.get_job(job.job_id)
    assert (reopened.state, reopened.redrives) == (JobState.SPLITTING, 1)
    assert store.split_cursor(job.job_id) == 0
    assert store.claim_split(job.job_id, NOW, NOW + 60, PLAN), "no lease is left over"
    assert store.reopen_split(job.job_id)
    assert store.get_job(job.job_id).redrives == 2


def test_a_finished_or_aggregating_job_is_not_redriven(store) -> None:
    aggregating, cancelled = _processing(store, 1, "inbox/a.csv"), _job(store, "inbox/b.csv")
    store.force_aggregation(aggregating.job_id)
    store.transition(cancelled.job_id, [JobState.RECEIVED], JobState.CANCELLED)

    assert not store.reopen_split(aggregating.job_id)
    assert not store.reopen_split(cancelled.job_id)


def test_a_stuck_job_can_be_forced_to_aggregate_only_while_splitting_or_processing(store) -> None:
    received, processing = _job(store, "inbox/a.csv"), _processing(store, 2, "inbox/b.csv")

    assert not store.force_aggregation(received.job_id)
    assert store.force_aggregation(processing.job_id)
    assert store.get_job(processing.job_id).state is JobState.AGGREGATING
    assert not store.force_aggregation(processing.job_id)


def test_the_first_split_records_its_plan_and_every_later_claim_gets_that_one(store) -> None:
    job = _job(store)
    changed = SplitPlan(rows_per_message=7, max_rows=10, max_bytes=1_000)
    assert store.get_job(job.job_id).split_plan is None

    assert store.claim_split(job.job_id, NOW, NOW + 60, PLAN) == PLAN
    assert store.get_job(job.job_id).split_plan == PLAN
    assert store.claim_split(job.job_id, NOW + 61, NOW + 120, changed) == PLAN, "a continuation"
    store.finish_split(job.job_id, 3)
    assert store.reopen_split(job.job_id)
    assert store.claim_split(job.job_id, NOW + 200, NOW + 300, changed) == PLAN, "a re-drive"
    assert store.get_job(job.job_id).split_plan == PLAN
    assert store.claim_split(job.job_id, NOW + 201, NOW + 300, changed) is None, "the lease is taken"


# -- results ------------------------------------------------------------------------------


def test_results_are_idempotent_per_row_and_read_back_in_row_order(store) -> None:
    job = _processing(store, total=2_501)
    rows = [1, 999, 1_000, 1_001, 2_500, 2_501]  # across the DynamoDB store's shards of 1,000 rows
    store.put_results(job.job_id, [_failed(row) for row in reversed(rows)])
    store.put_results(job.job_id, [_answered(1_000)])  # written again: the last value holds

    assert store.get_results(job.job_id, [1_000, 2_500, 7]) == {1_000: _answered(1_000), 2_500: _failed(2_500)}
    assert [result.row for result in store.iter_results(job.job_id)] == rows
    assert list(store.iter_results(job.job_id))[2] == _answered(1_000)
    assert store.get_results(job.job_id, []) == {}


def test_forgotten_results_are_looked_up_again(store) -> None:
    job = _processing(store, total=3)
    store.put_results(job.job_id, [_failed(1), _failed(2), _answered(3)])

    store.delete_results(job.job_id, [1, 2])

    assert list(store.get_results(job.job_id, [1, 2, 3])) == [3]


def test_results_of_one_job_are_not_another_jobs(store) -> None:
    first, second = _processing(store, 1, "inbox/a.csv"), _processing(store, 1, "inbox/b.csv")
    store.put_results(first.job_id, [_answered(1)])

    assert store.get_results(second.job_id, [1]) == {}
    assert list(store.iter_results(second.job_id)) == []


# -- counting exactly once ---------------------------------------------------------------


def test_a_chunk_is_counted_once_whatever_its_deliveries(store) -> None:
    job = _processing(store, total=3)

    assert store.count_chunk(job.job_id, "0", _tally(_answered(1), _failed(2)))
    assert not store.count_chunk(job.job_id, "0", _tally(_answered(1), _answered(2)))
    assert store.count_chunk(job.job_id, "0i", _tally(_answered(3)))

    counts = store.get_job(job.job_id).counts
    assert counts == JobCounts(total=3, done=3, succeeded=2, failed=1, retryable=1)


def test_concurrent_deliveries_of_one_chunk_count_it_once(store) -> None:
    job = _processing(store, total=2)
    outcomes: list[bool] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        outcomes.append(store.count_chunk(job.job_id, "0", _tally(_answered(1), _answered(2))))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 7 + [True]
    assert store.get_job(job.job_id).counts.done == 2


def test_nothing_is_counted_for_a_job_that_does_not_accept_rows(store) -> None:
    received, cancelled = _job(store, "inbox/a.csv"), _processing(store, 2, "inbox/b.csv")
    store.transition(cancelled.job_id, [JobState.PROCESSING], JobState.CANCELLED)

    assert not store.count_chunk(received.job_id, "0", _tally(_answered(1)))
    assert not store.count_chunk(cancelled.job_id, "0", _tally(_answered(1)))
    assert not store.count_chunk("no-such-job", "0", _tally(_answered(1)))
    assert store.get_job(cancelled.job_id).counts.done == 0
    # The chunk's marker went with the refused count: counted once the job accepts rows.
    store.claim_split(received.job_id, NOW, NOW + 60, PLAN)
    assert store.count_chunk(received.job_id, "0", _tally(_answered(1)))


def test_an_empty_tally_counts_nothing(store) -> None:
    job = _processing(store, total=1)

    assert not store.count_chunk(job.job_id, "0", OutcomeTally())
    assert store.count_chunk(job.job_id, "0", _tally(_answered(1))), "no marker was left behind"


def test_aggregation_begins_once_when_every_row_is_done(store) -> None:
    job = _processing(store, total=2)
    store.count_chunk(job.job_id, "0", _tally(_answered(1)))
    assert not store.try_begin_aggregation(job.job_id), "one row still to come"

    store.count_chunk(job.job_id, "1", _tally(_answered(2)))

    assert [store.try_begin_aggregation(job.job_id) for _ in range(3)] == [True, False, False]
    assert store.get_job(job.job_id).state is JobState.AGGREGATING


def test_a_job_without_a_total_does_not_begin_aggregating(store) -> None:
    job = _job(store)
    store.claim_split(job.job_id, NOW, NOW + 60, PLAN)
    store.count_chunk(job.job_id, "0", _tally(_answered(1)))

    assert not store.try_begin_aggregation(job.job_id)


# -- retry and cancel -------------------------------------------------------------------------


def _completed(store, *results: ResultRow) -> Job:
    job = _processing(store, total=len(results))
    store.put_results(job.job_id, list(results))
    for result in results:
        assert store.count_chunk(job.job_id, str(result.row), _tally(result))
    assert store.try_begin_aggregation(job.job_id)
    assert store.transition(job.job_id, [JobState.AGGREGATING], JobState.COMPLETED, at=datetime.now(UTC))
    return job


def test_a_retry_reopens_a_completed_job_once_and_numbers_its_attempts(store) -> None:
    job = _completed(store, _answered(1), _failed(2))

    assert store.reopen_for_retry(job.job_id) == 1
    assert store.reopen_for_retry(job.job_id) is None, "another caller won"
    reopened = store.get_job(job.job_id)
    assert (reopened.state, reopened.completed_at, reopened.error) == (JobState.PROCESSING, None, None)
    assert job.job_id in [active.job_id for active in store.list_active_jobs()], "the sweeper watches it again"
    assert store.reopen_for_retry(_job(store, "inbox/other.csv").job_id) is None


def test_uncounting_takes_a_chunk_off_once_and_lets_it_count_again(store) -> None:
    job = _completed(store, _answered(1), _failed(2))
    assert not store.uncount_chunk(job.job_id, "2", _tally(_failed(2))), "only while the job is being retried"
    store.reopen_for_retry(job.job_id)

    assert store.uncount_chunk(job.job_id, "2", _tally(_failed(2)))
    assert not store.uncount_chunk(job.job_id, "2", _tally(_failed(2))), "the marker is gone"
    assert not store.uncount_chunk(job.job_id, "9", _tally(_failed(2))), "never counted"
    assert store.get_job(job.job_id).counts == JobCounts(total=2, done=1, succeeded=1)

    assert store.count_chunk(job.job_id, "2", _tally(_answered(2)))
    assert store.get_job(job.job_id).counts == JobCounts(total=2, done=2, succeeded=2)
    assert store.try_begin_aggregation(job.job_id)


def test_a_chunk_with_nothing_to_take_off_is_still_unmarked(store) -> None:
    job = _completed(store, _answered(1))
    store.reopen_for_retry(job.job_id)
    store.count_chunk(job.job_id, "x", _tally(_answered(1)))

    assert store.uncount_chunk(job.job_id, "x", OutcomeTally())
    assert store.get_job(job.job_id).counts.done == 2, "nothing was taken off"
    assert store.count_chunk(job.job_id, "x", _tally(_answered(1)))


def test_a_cancelled_retry_neither_uncounts_nor_counts(store) -> None:
    job = _completed(store, _failed(1))
    store.reopen_for_retry(job.job_id)
    assert store.transition(job.job_id, [JobState.PROCESSING], JobState.CANCELLED, at=datetime.now(UTC))

    assert not store.uncount_chunk(job.job_id, "1", _tally(_failed(1)))
    assert not store.count_chunk(job.job_id, "1b", _tally(_answered(1)))
    assert store.get_job(job.job_id).counts == JobCounts(total=1, done=1, failed=1, retryable=1)
    assert job.job_id not in [active.job_id for active in store.list_active_jobs()]


def test_a_cancelled_jobs_counters_become_what_its_file_holds(store) -> None:
    job = _processing(store, total=3)
    store.count_chunk(job.job_id, "0", _tally(_answered(1)))
    store.transition(job.job_id, [JobState.PROCESSING], JobState.CANCELLED)
    counts = JobCounts(total=3, done=3, succeeded=1, cancelled=2)

    assert not store.record_counts(job.job_id, counts, JobState.PROCESSING), "only in the state named"
    assert store.record_counts(job.job_id, counts, JobState.CANCELLED)
    assert store.get_job(job.job_id).counts == counts


@pytest.mark.parametrize("state", [JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING])
def test_any_unfinished_job_can_be_cancelled_once(store, state: JobState) -> None:
    job = _processing(store, total=1)
    if state is JobState.AGGREGATING:
        store.force_aggregation(job.job_id)
    elif state is not JobState.PROCESSING:
        job = _job(store, "inbox/other.csv")
        if state is JobState.SPLITTING:
            store.claim_split(job.job_id, NOW, NOW + 60, PLAN)
    unfinished = [JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING]

    assert store.transition(job.job_id, unfinished, JobState.CANCELLED, at=datetime.now(UTC))
    assert not store.transition(job.job_id, unfinished, JobState.CANCELLED)
    assert store.get_job(job.job_id).state is JobState.CANCELLED
