"""Job identity, output names, state machine and the not-a-job rules."""

from __future__ import annotations

import pytest

from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import JobState, SourceObject, can_transition, new_job, output_keys
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.domain.results_order import MISSING_RESULT_ERROR, one_result_per_row


def test_the_same_object_version_is_the_same_job_and_a_new_version_a_new_one():
    first = new_job(SourceObject(bucket="b", key="inbox/a.csv", version="v1"))
    again = new_job(SourceObject(bucket="b", key="inbox/a.csv", version="v1"))
    rewritten = new_job(SourceObject(bucket="b", key="inbox/a.csv", version="v2"))

    assert first.job_id == again.job_id != rewritten.job_id


@pytest.mark.parametrize(
    ("key", "results", "summary"),
    [
        ("inbox/claims.csv", "results/claims.results.csv", "results/claims.summary.json"),
        ("inbox/acme/2025/aug.csv", "results/acme/2025/aug.results.csv", "results/acme/2025/aug.summary.json"),
        ("inbox/acme/aug.CSV", "results/acme/aug.CSV-results.csv", "results/acme/aug.CSV-summary.json"),
        ("inbox/feed.txt", "results/feed.txt-results.csv", "results/feed.txt-summary.json"),
        ("inbox/feed", "results/feed-results.csv", "results/feed-summary.json"),
    ],
)
def test_results_sit_beside_the_input_under_results(key, results, summary):
    assert output_keys(key) == (results, summary)


def test_no_two_inputs_share_a_results_or_summary_path():
    names = ["a", "a.csv", "a.CSV", "a.Csv", "a.csv.csv", "a.CSV.csv", "a.results.csv", "a.results", "a-results.csv",
             "a-results", "a.summary.json", "a.txt", "a.txt.csv", "a-", "a.", ".csv", "a-summary.json", "a.json"]
    outputs = [path for name in names for path in output_keys(f"inbox/t/{name}")]

    assert len(set(outputs)) == len(outputs) == 2 * len(names)
    assert all(path.startswith("results/t/") for path in outputs)


def test_files_in_hidden_folders_are_not_jobs():
    assert skip_reason("inbox/acme/.jobs/x.csv", 10) == "in a hidden folder"


@pytest.mark.parametrize(
    "key",
    ["inbox/.hidden.csv", "inbox/a.csv.tmp", "inbox/a.part", "inbox/a.filepart", "inbox/a.partial", "inbox/a.csv~",
     "results/a.results.csv", "elsewhere/a.csv", "inbox/folder/"],
)
def test_objects_that_are_not_jobs_are_skipped(key):
    assert skip_reason(key, 10) is not None


def test_zero_byte_objects_are_skipped_and_real_files_are_jobs():
    assert skip_reason("inbox/a.csv", 0) == "a zero-byte object"
    assert skip_reason("inbox/sub/a b.csv", 10) is None


def test_state_machine_moves_forward_and_terminal_states_stay():
    assert can_transition(JobState.RECEIVED, JobState.SPLITTING)
    assert can_transition(JobState.PROCESSING, JobState.CANCELLED)
    assert not can_transition(JobState.RECEIVED, JobState.COMPLETED)
    assert not can_transition(JobState.FAILED, JobState.CANCELLED)
    assert can_transition(JobState.COMPLETED, JobState.PROCESSING)  # retry of transient failures


def _row(n: int) -> ResultRow:
    return ResultRow(row=n, claim_number=f"C{n}", outcome=RowOutcome.SUCCEEDED)


def test_one_result_per_row_fills_gaps_and_drops_duplicates():
    missing: list[int] = []

    rows = list(one_result_per_row([_row(1), _row(1), _row(3), _row(9)], total=4, on_missing=missing.append))

    assert [r.row for r in rows] == [1, 2, 3, 4]
    assert rows[1].error == MISSING_RESULT_ERROR and rows[1].retryable
    assert missing == [2, 4]
