"""No job stays unfinished: lost messages, dead letters and hopeless jobs."""

from __future__ import annotations

from claimbatch.domain.job import JobState
from claimbatch.domain.results_order import MISSING_RESULT_ERROR
from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _file(rows: int) -> bytes:
    return (HEADER + "".join(f"{member_line(f'GEN{n:06d}')}\n" for n in range(1, rows + 1))).encode()


def _lines(pipeline, job_id):
    return [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]


def test_lost_rows_messages_are_redriven_by_the_sweeper(make_pipeline):
    pipeline = make_pipeline(STALL_AFTER_S="0.001")
    job_id = pipeline.drop("inbox/lost.csv", _file(30))
    pipeline.step("split")
    for message in pipeline.receive("rows"):  # lost: deleted without ever being processed
        pipeline.sqs.delete_message(QueueUrl=pipeline.queues["rows"], ReceiptHandle=message["ReceiptHandle"])
    pipeline.run_until_idle()
    assert pipeline.job(job_id).state is JobState.PROCESSING  # stuck, as the old system was

    report = pipeline.sweep()
    pipeline.run_until_idle()

    assert report["redriven"] == [job_id]
    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 30
    assert [int(line[0]) for line in _lines(pipeline, job_id)] == list(range(1, 31))


def test_a_dead_lettered_chunk_becomes_failed_retryable_rows(pipeline):
    job_id = pipeline.drop("inbox/dlq.csv", _file(20))
    pipeline.step("split")
    first = pipeline.receive("rows", max_messages=1)[0]
    pipeline.dead_letter(first)

    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    lines = _lines(pipeline, job_id)
    assert job.state is JobState.COMPLETED and len(lines) == 20
    assert sum(1 for line in lines if line[7] == "False" and "gave up after" in line[8]) == 10
    assert sum(1 for line in lines if line[7] == "True") == 10


def test_a_hopeless_job_is_completed_with_its_missing_rows_failed(make_pipeline, monkeypatch):
    pipeline = make_pipeline(STALL_AFTER_S="0.001", MAX_REDRIVES="1")
    job_id = pipeline.drop("inbox/hopeless.csv", _file(20))
    pipeline.step("split")

    def lose_everything():
        for message in pipeline.receive("rows"):
            pipeline.sqs.delete_message(QueueUrl=pipeline.queues["rows"], ReceiptHandle=message["ReceiptHandle"])

    lose_everything()
    pipeline.sweep()  # re-drive once…
    pipeline.step("split")
    lose_everything()  # …and lose it all again
    report = pipeline.sweep()
    pipeline.run_until_idle()

    assert report["forced"] == [job_id]
    lines = _lines(pipeline, job_id)
    assert len(lines) == 20 and all(line[8] == MISSING_RESULT_ERROR for line in lines)
    summary = pipeline.summary(job_id)
    assert summary["status"] == "COMPLETED" and summary["counts"]["failed"] == 20


def test_the_sweeper_leaves_healthy_jobs_alone(pipeline):
    job_id = pipeline.drop("inbox/healthy.csv", _file(10))
    pipeline.step("split")

    assert pipeline.sweep() == {"redriven": [], "reaggregated": [], "forced": []}
    pipeline.run_until_idle()
    assert pipeline.job(job_id).state is JobState.COMPLETED
