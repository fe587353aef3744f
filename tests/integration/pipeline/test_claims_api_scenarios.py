"""The simulator's fault scenarios through the whole pipeline, and the logs it leaves."""

from __future__ import annotations

import uuid

from claimbatch.domain.job import JobState
from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _unique(prefix: str) -> str:
    # Faults are counted per claim number by the simulator, shared by the session.
    return prefix + uuid.uuid4().hex[:10].upper()


def _run(pipeline, *claims: str) -> list[list[str]]:
    body = HEADER + "".join(f"{member_line(claim)}\n" for claim in claims)
    job_id = pipeline.drop(f"inbox/{uuid.uuid4().hex}.csv", body.encode())
    pipeline.run_until_idle()
    assert pipeline.job(job_id).state is JobState.COMPLETED
    return [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]


def test_503_twice_then_an_answer_succeeds(pipeline):
    (row,) = _run(pipeline, _unique("E503X2"))
    assert row[7] == "True" and row[2]


def test_429_twice_then_an_answer_succeeds(pipeline):
    (row,) = _run(pipeline, _unique("E429X2"))
    assert row[7] == "True" and row[2]


def test_400_fails_the_row_without_retry(pipeline, simulator):
    claim = _unique("E400")
    (row,) = _run(pipeline, claim)
    assert row[7] == "False" and row[8]
    assert pipeline.invocations["rows"] == 1


def test_api_always_failing_defers_the_row_then_fails_it_retryably(pipeline):
    (row,) = _run(pipeline, _unique("E500"))
    assert row[7] == "False"
    assert "HTTP 500" in row[8]
    assert pipeline.invocations["rows"] == 3  # MAX_ROW_RECEIVES deliveries, then written as failed


def test_a_failing_row_does_not_hold_back_its_chunk_neighbours(pipeline):
    rows = _run(pipeline, "GOOD000001", _unique("E500"), "GOOD000002")
    assert [row[7] for row in rows] == ["True", "False", "True"]


def test_no_phi_in_any_log_line(pipeline, captured_logs):
    phi = ("ZE59426195", "CHANTAL", "KISA", "05/10/1975", "1975-05-10", "057896633", "INVALID123", "JOHN")
    body = (
        HEADER
        + "ZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"
        + "INVALID123,JOHN,DOE,01/01/1980,123456789\n"
        + "ZE59426195,CHANTAL,KISA,13/45/1975,057896633\n"
        + _unique("E503X2")
        + ",CHANTAL,KISA,05/10/1975,057896633\n"
    )
    job_id = pipeline.drop("inbox/phi.csv", body.encode())
    pipeline.run_until_idle()

    logs = captured_logs.text
    assert pipeline.job(job_id).state is JobState.COMPLETED
    assert '"job_id"' in logs  # the handlers did log
    for value in phi:
        assert value not in logs
