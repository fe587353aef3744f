"""The whole AWS pipeline over moto: files in, results files out."""

from __future__ import annotations

from claimbatch.domain.job import JobState
from tests.support.claims_data import member_line

SEED_FILE = (
    b"claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
    b"ZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"
    b"INVALID123,JOHN,DOE,01/01/1980,123456789\n"
)
SEED_RESULTS = (
    "row,claim_number,status,patient_name,total_charged,total_paid,processed_date,success,error\n"
    "1,ZE59426195,Finalized,CHANTAL KISA,720.00,351.00,08/08/2025,True,\n"
    "2,INVALID123,,,,,,False,Claim not found\n"
)


def _first_nine_columns(text: str) -> str:
    return "".join(",".join(line.split(",")[:9]) + "\n" for line in text.splitlines())


def test_seed_example_file_gives_the_seed_results(pipeline):
    job_id = pipeline.drop("inbox/acme/claims.csv", SEED_FILE)

    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED
    assert job.results_key == "results/acme/claims.results.csv"
    assert _first_nine_columns(pipeline.results_text(job_id)) == SEED_RESULTS


def test_summary_is_written_with_counts_and_location(pipeline):
    job_id = pipeline.drop("inbox/claims.csv", SEED_FILE)

    pipeline.run_until_idle()

    summary = pipeline.summary(job_id)
    assert summary["status"] == "COMPLETED"
    assert summary["counts"] == {
        "total": 2, "succeeded": 1, "not_found": 1, "invalid": 0, "failed": 0, "cancelled": 0
    }
    assert summary["results"] == "s3://claimbatch-ingest/results/claims.results.csv"
    assert summary["source"]["key"] == "inbox/claims.csv" and summary["source"]["version"]
    assert summary["completed_at"] and summary["started_at"] and summary["error"] is None


def test_header_only_file_completes_with_only_the_header(pipeline):
    job_id = pipeline.drop("inbox/empty.csv", b"claim_number,first_name,last_name,date_of_birth,subscriber_id\n")

    pipeline.run_until_idle()

    assert pipeline.job(job_id).state is JobState.COMPLETED
    assert pipeline.results_text(job_id).splitlines() == [
        "row,claim_number,status,patient_name,total_charged,total_paid,processed_date,success,error,"
        "status_category,status_code,payment_number,payment_date"
    ]


def test_invalid_rows_are_recorded_without_reaching_the_api(pipeline, simulator):
    body = (
        b"claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
        b"AB1,ANA,LIMA,13/45/1975,1\n"
        b"5.79E+08,ANA,LIMA,01/02/1975,1\n"
    )
    before = simulator.stats()["requests"]
    job_id = pipeline.drop("inbox/bad.csv", body)

    pipeline.run_until_idle()

    lines = pipeline.results_text(job_id).splitlines()[1:]
    assert lines[0].startswith("1,AB1,,,,,,False,date_of_birth '13/45/1975' is not a valid date")
    assert lines[1].startswith("2,5.79E+08,,,,,,False,")
    assert "spreadsheet" in lines[1]
    assert simulator.stats()["requests"] == before
    assert pipeline.job(job_id).counts.invalid == 2


def test_file_level_error_fails_the_job_and_still_writes_a_summary(pipeline):
    job_id = pipeline.drop("inbox/nodob.csv", b"claim_number,first_name,last_name,subscriber_id\nA1,B,C,1\n")

    pipeline.run_until_idle()

    job = pipeline.job(job_id)
    assert job.state is JobState.FAILED
    assert job.error.startswith("missing required column: date_of_birth")
    summary = pipeline.summary(job_id)
    assert summary["status"] == "FAILED" and summary["error"] == job.error and summary["results"] is None


def test_url_encoded_keys_are_decoded(pipeline):
    job_id = pipeline.drop("inbox/claims august.csv", SEED_FILE)

    pipeline.run_until_idle()

    assert pipeline.job(job_id).results_key == "results/claims august.results.csv"
    assert pipeline.results_text(job_id).count("\n") == 3


def test_many_rows_through_the_whole_harness_in_order(make_pipeline):
    pipeline = make_pipeline(ROWS_PER_MESSAGE="100")
    rows = [member_line(f"GEN{n:07d}") for n in range(1, 5001)]
    body = ("claim_number,first_name,last_name,date_of_birth,subscriber_id\n" + "\n".join(rows) + "\n").encode()
    job_id = pipeline.drop("inbox/big.csv", body)

    pipeline.run_until_idle()

    lines = pipeline.results_text(job_id).splitlines()[1:]
    assert len(lines) == 5000
    assert [line.split(",")[0] for line in lines] == [str(n) for n in range(1, 5001)]
    assert all(line.split(",")[1] == f"GEN{n:07d}" for n, line in enumerate(lines, start=1))
    assert all(line.split(",")[7] == "True" for line in lines)
    assert pipeline.job(job_id).counts.done == 5000
