"""The job store's contract, held to by both stores: DynamoDB (on moto, the
template's table and indexes) and SQLite. Every operation of the port, and the
rules that make the pipeline exactly-once: conditional state moves, a chunk's
results, its marker and its counters in one transaction (results stored per chunk,
read back in row order), the split lease, retry uncounting, cancel. (The job API's listing and upload operations are in
test_job_store_api_operations.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from claimbatch.domain.job import Job, JobCounts, JobState, SourceObject, SplitPlan, new_job
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.ports.chunk_ledger import ChunkId

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


def _invalid(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number=f"X{row}", outcome=RowOutcome.INVALID, error="date_of_birth is not a date")


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


# -- results, stored per chunk -------------------------------------------------------------


def test_results_are_stored_with_their_chunk_and_read_back_in_row_order(store) -> None:
    job = _processing(store, total=2_000)
    # Written out of order; chunk 0's looked-up rows and its row errors interleave.
    assert store.count_chunk(job.job_id, ChunkId(19), [_answered(row) for row in range(1_901, 2_001)])
    assert store.count_chunk(job.job_id, ChunkId(0, row_errors=True), [_invalid(2), _invalid(4)])
    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(3), _failed(1), _answered(5)])
    assert store.count_chunk(job.job_id, ChunkId(9), [_answered(row) for row in range(901, 1_001)])

    rows = [result.row for result in store.iter_results(job.job_id)]
    assert rows == [1, 2, 3, 4, 5, *range(901, 1_001), *range(1_901, 2_001)]
    assert list(store.iter_results(job.job_id))[:2] == [_failed(1), _invalid(2)]
    assert store.chunk_results(job.job_id, ChunkId(0)) == {1: _failed(1), 3: _answered(3), 5: _answered(5)}
    assert store.chunk_results(job.job_id, ChunkId(0, row_errors=True)) == {2: _invalid(2), 4: _invalid(4)}
    assert store.chunk_results(job.job_id, ChunkId(1)) == {}
    counts = JobCounts(total=2_000, done=205, succeeded=202, invalid=2, failed=1, retryable=1)
    assert store.get_job(job.job_id).counts == counts


def test_every_field_of_a_result_is_read_back_as_written(store) -> None:
    job = _processing(store, total=2)
    full = ResultRow(
        row=1, claim_number="ZE1", outcome=RowOutcome.SUCCEEDED, status="Finalized", patient_name="ANA LIMA",
        total_charged="10.00", total_paid="5.00", processed_date="01/02/2025", error="", retryable=False,
        status_category="F1", status_code="65", payment_number="P1", payment_date="01/03/2025",
    )
    odd = ResultRow(2, '"=1+1", ,\n', RowOutcome.FAILED, error="ünïcødé ✓ \x00", retryable=True)
    store.count_chunk(job.job_id, ChunkId(0), [odd, full])

    assert list(store.iter_results(job.job_id)) == [full, odd]


def test_a_deferred_chunks_answered_rows_stay_known_until_it_is_counted(store) -> None:
    job = _processing(store, total=3)
    store.put_partial_results(job.job_id, ChunkId(0), [_answered(1)])
    store.put_partial_results(job.job_id, ChunkId(0), [_answered(1), _answered(2)])  # a later delivery: replaces

    assert store.chunk_results(job.job_id, ChunkId(0)) == {1: _answered(1), 2: _answered(2)}
    assert [result.row for result in store.iter_results(job.job_id)] == [1, 2], "partial rows are results too"
    assert store.get_job(job.job_id).counts.done == 0, "not counted yet"

    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _answered(2), _failed(3)])
    store.put_partial_results(job.job_id, ChunkId(0), [_failed(1)])  # a stale delivery, after the count

    assert store.chunk_results(job.job_id, ChunkId(0)) == {1: _answered(1), 2: _answered(2), 3: _failed(3)}
    assert not store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _answered(2), _answered(3)])
    assert store.get_job(job.job_id).counts == JobCounts(total=3, done=3, succeeded=2, failed=1, retryable=1)


def test_forgotten_partial_results_are_looked_up_again_but_counted_ones_stay(store) -> None:
    job = _processing(store, total=4)
    store.put_partial_results(job.job_id, ChunkId(0), [_failed(1), _failed(2), _answered(3)])
    store.count_chunk(job.job_id, ChunkId(1), [_failed(4)])

    store.forget_results(job.job_id, ChunkId(0), [1, 2])
    store.forget_results(job.job_id, ChunkId(1), [4])
    store.forget_results(job.job_id, ChunkId(7), [700])

    assert store.chunk_results(job.job_id, ChunkId(0)) == {3: _answered(3)}
    assert store.chunk_results(job.job_id, ChunkId(1)) == {4: _failed(4)}
    store.forget_results(job.job_id, ChunkId(0), [3])
    assert store.chunk_results(job.job_id, ChunkId(0)) == {}
    assert [result.row for result in store.iter_results(job.job_id)] == [4]


def test_results_of_one_job_are_not_another_jobs(store) -> None:
    first, second = _processing(store, 1, "inbox/a.csv"), _processing(store, 1, "inbox/b.csv")
    store.count_chunk(first.job_id, ChunkId(0), [_answered(1)])

    assert store.chunk_results(second.job_id, ChunkId(0)) == {}
    assert list(store.iter_results(second.job_id)) == []


# -- counting exactly once ---------------------------------------------------------------


def test_a_chunk_is_counted_once_whatever_its_deliveries(store) -> None:
    job = _processing(store, total=3)

    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _failed(2)])
    assert not store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _answered(2)])
    assert store.count_chunk(job.job_id, ChunkId(0, row_errors=True), [_answered(3)])

    counts = store.get_job(job.job_id).counts
    assert counts == JobCounts(total=3, done=3, succeeded=2, failed=1, retryable=1)
    assert store.chunk_results(job.job_id, ChunkId(0)) == {1: _answered(1), 2: _failed(2)}, "the first count's rows"


def test_several_parts_are_counted_together_each_once(store) -> None:
    job = _processing(store, total=36)
    parts = [(ChunkId(chunk, row_errors=True), [_invalid(chunk * 3 + 1), _invalid(chunk * 3 + 2)]) for chunk in range(12)]

    assert store.count_chunks(job.job_id, parts) == [True] * 12, "more parts than one transaction takes"
    assert store.get_job(job.job_id).counts == JobCounts(total=36, done=24, invalid=24)
    assert store.chunk_results(job.job_id, ChunkId(4, row_errors=True)) == {13: _invalid(13), 14: _invalid(14)}
    assert [result.row for result in store.iter_results(job.job_id)] == [row for c in range(12) for row in (c * 3 + 1, c * 3 + 2)]


def test_parts_counted_before_add_nothing_when_counted_again_with_others(store) -> None:
    job = _processing(store, total=9)
    assert store.count_chunk(job.job_id, ChunkId(1, row_errors=True), [_invalid(4)])
    store.put_partial_results(job.job_id, ChunkId(2), [_answered(7)])  # partial: may still be counted
    again = [
        (ChunkId(0, row_errors=True), [_invalid(1)]),
        (ChunkId(1, row_errors=True), [_invalid(4), _invalid(5)]),  # a re-split's copy: counted before
        (ChunkId(2), [_answered(7), _failed(8)]),
        (ChunkId(3), []),  # nothing to count
    ]

    assert store.count_chunks(job.job_id, again) == [True, False, True, False]
    assert store.count_chunks(job.job_id, again) == [False, False, False, False]
    counts = store.get_job(job.job_id).counts
    assert counts == JobCounts(total=9, done=4, succeeded=1, invalid=2, failed=1, retryable=1)
    assert store.chunk_results(job.job_id, ChunkId(1, row_errors=True)) == {4: _invalid(4)}, "the first count's rows"


def test_parts_of_a_job_that_does_not_accept_rows_are_not_counted(store) -> None:
    received = _job(store)
    parts = [(ChunkId(0, row_errors=True), [_invalid(1)]), (ChunkId(1, row_errors=True), [_invalid(2)])]

    assert store.count_chunks(received.job_id, parts) == [False, False]
    assert store.count_chunks(received.job_id, []) == []
    assert store.chunk_results(received.job_id, ChunkId(0, row_errors=True)) == {}


def test_concurrent_deliveries_of_one_chunk_count_it_once(store) -> None:
    job = _processing(store, total=2)
    outcomes: list[bool] = []
    start = threading.Barrier(8)

    def deliver(n: int) -> None:
        start.wait()
        if n % 2:
            store.put_partial_results(job.job_id, ChunkId(0), [_answered(1)])  # a deferred delivery meanwhile
        else:
            outcomes.append(store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _answered(2)]))

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 3 + [True]
    assert store.get_job(job.job_id).counts.done == 2
    assert sorted(store.chunk_results(job.job_id, ChunkId(0))) == [1, 2], "no partial write replaced the count"


def test_nothing_is_counted_for_a_job_that_does_not_accept_rows(store) -> None:
    received, cancelled = _job(store, "inbox/a.csv"), _processing(store, 2, "inbox/b.csv")
    store.transition(cancelled.job_id, [JobState.PROCESSING], JobState.CANCELLED)

    assert not store.count_chunk(received.job_id, ChunkId(0), [_answered(1)])
    assert not store.count_chunk(cancelled.job_id, ChunkId(0), [_answered(1)])
    assert not store.count_chunk("no-such-job", ChunkId(0), [_answered(1)])
    assert store.get_job(cancelled.job_id).counts.done == 0
    assert store.chunk_results(cancelled.job_id, ChunkId(0)) == {}, "the results went with the refused count"
    store.claim_split(received.job_id, NOW, NOW + 60, PLAN)
    assert store.count_chunk(received.job_id, ChunkId(0), [_answered(1)])


def test_an_empty_chunk_counts_nothing(store) -> None:
    job = _processing(store, total=1)

    assert not store.count_chunk(job.job_id, ChunkId(0), [])
    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(1)]), "no marker was left behind"


def test_aggregation_begins_once_when_every_row_is_done(store) -> None:
    job = _processing(store, total=2)
    store.count_chunk(job.job_id, ChunkId(0), [_answered(1)])
    assert not store.try_begin_aggregation(job.job_id), "one row still to come"

    store.count_chunk(job.job_id, ChunkId(1), [_answered(2)])

    assert [store.try_begin_aggregation(job.job_id) for _ in range(3)] == [True, False, False]
    assert store.get_job(job.job_id).state is JobState.AGGREGATING


def test_a_job_without_a_total_does_not_begin_aggregating(store) -> None:
    job = _job(store)
    store.claim_split(job.job_id, NOW, NOW + 60, PLAN)
    store.count_chunk(job.job_id, ChunkId(0), [_answered(1)])

    assert not store.try_begin_aggregation(job.job_id)


# -- retry and cancel -------------------------------------------------------------------------


def _completed(store, *results: ResultRow) -> Job:
    """A COMPLETED job whose row n was chunk n."""
    job = _processing(store, total=len(results))
    for result in results:
        assert store.count_chunk(job.job_id, ChunkId(result.row), [result])
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
    assert not store.uncount_chunk(job.job_id, ChunkId(2), [2]), "only while the job is being retried"
    store.reopen_for_retry(job.job_id)

    assert store.uncount_chunk(job.job_id, ChunkId(2), [2])
    assert not store.uncount_chunk(job.job_id, ChunkId(2), [2]), "not counted any more"
    assert not store.uncount_chunk(job.job_id, ChunkId(9), [9]), "never counted"
    assert store.get_job(job.job_id).counts == JobCounts(total=2, done=1, succeeded=1)
    assert store.chunk_results(job.job_id, ChunkId(2)) == {}

    assert store.count_chunk(job.job_id, ChunkId(2), [_answered(2)])
    assert store.get_job(job.job_id).counts == JobCounts(total=2, done=2, succeeded=2)
    assert store.try_begin_aggregation(job.job_id)


def test_uncounting_keeps_the_results_of_the_rows_not_retried(store) -> None:
    job = _processing(store, total=4)
    first = [_answered(1), _failed(2), _answered(3), _failed(4)]
    store.count_chunk(job.job_id, ChunkId(0), first)
    store.transition(job.job_id, [JobState.PROCESSING], JobState.COMPLETED, at=datetime.now(UTC))
    store.reopen_for_retry(job.job_id)

    assert store.uncount_chunk(job.job_id, ChunkId(0), [2, 4])

    assert store.get_job(job.job_id).counts == JobCounts(total=4), "the whole chunk's tally came off"
    assert store.chunk_results(job.job_id, ChunkId(0)) == {1: _answered(1), 3: _answered(3)}
    assert [result.row for result in store.iter_results(job.job_id)] == [1, 3]
    assert not store.count_chunk(job.job_id, ChunkId(0), []), "nothing to count"
    assert store.count_chunk(job.job_id, ChunkId(0), [_answered(1), _answered(2), _answered(3), _failed(4)])
    assert store.get_job(job.job_id).counts == JobCounts(total=4, done=4, succeeded=3, failed=1, retryable=1)


def test_a_cancelled_retry_neither_uncounts_nor_counts(store) -> None:
    job = _completed(store, _failed(1))
    store.reopen_for_retry(job.job_id)
    assert store.transition(job.job_id, [JobState.PROCESSING], JobState.CANCELLED, at=datetime.now(UTC))

    assert not store.uncount_chunk(job.job_id, ChunkId(1), [1])
    assert not store.count_chunk(job.job_id, ChunkId(1, row_errors=True), [_answered(1)])
    assert store.get_job(job.job_id).counts == JobCounts(total=1, done=1, failed=1, retryable=1)
    assert store.chunk_results(job.job_id, ChunkId(1)) == {1: _failed(1)}, "still counted, still there"
    assert job.job_id not in [active.job_id for active in store.list_active_jobs()]


def test_a_cancelled_jobs_counters_become_what_its_file_holds(store) -> None:
    job = _processing(store, total=3)
    store.count_chunk(job.job_id, ChunkId(0), [_answered(1)])
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
