"""The job API, as a client uses it, in both runtimes: the Lambda handler
on moto, and `claimbatch serve`'s local API server over real HTTP."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support.job_api_harness import (
    ACME,
    BETA,
    AwsJobApi,
    JobApi,
    aws_job_api,
    embedded_job_api,
    submit,
    wait_for_results,
    wait_for_state,
)
from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
SEED_CSV = (
    HEADER + "ZE59426195,CHANTAL,KISA,05/10/1975,057896633\nINVALID123,JOHN,DOE,01/01/1980,123456789\n"
).encode()
RESULTS_EXAMPLE = [  # docs/results-file.md, the first nine columns
    [
        "row",
        "claim_number",
        "status",
        "patient_name",
        "total_charged",
        "total_paid",
        "processed_date",
        "success",
        "error",
    ],
    ["1", "ZE59426195", "Finalized", "CHANTAL KISA", "720.00", "351.00", "08/08/2025", "True", ""],
    ["2", "INVALID123", "", "", "", "", "", "False", "Claim not found"],
]
# Two lookups per delivery, two deliveries: four attempts before a row is written failed and retryable.
AWS_ENV = {
    "ROWS_PER_MESSAGE": "2",
    "LOOKUP_BASE_DELAY_S": "0.001",
    "LOOKUP_MAX_ATTEMPTS": "2",
    "MAX_ROW_RECEIVES": "2",
    "MAX_REDELIVERY_DELAY_S": "0",  # a deferred chunk comes back at once
}
FIRST_RUN_ATTEMPTS = 4


@pytest.fixture(params=["aws", "embedded"])
def api(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, simulator, tmp_path) -> Iterator[JobApi]:
    if request.param == "aws":
        with mock_aws():
            yield aws_job_api(monkeypatch, simulator.base_url, AWS_ENV)
    else:
        with embedded_job_api(
            tmp_path / "data", simulator.base_url, max_attempts=2, max_deliveries=2, concurrency=2
        ) as served:
            yield served


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _claim(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:8].upper()  # the simulator counts faults per claim number


def test_create_upload_poll_download_gives_the_spec_example(api: JobApi):
    # Given a job created through the API and its file uploaded with the returned form
    created = api.call("POST", "/jobs", body={"filename": "claims.csv"})
    assert created.status == 201
    upload = created.json()["upload"]
    assert upload["fields"]["key"].startswith("inbox/acme/") and upload["fields"]["key"].endswith("/claims.csv")
    api.upload(created.json(), SEED_CSV)

    # When the client polls the job until it is done
    job = wait_for_state(api, created.json()["job_id"])

    # Then it completed, and its results download is the example of docs/results-file.md
    assert job["state"] == "COMPLETED" and job["progress"] == 100
    assert job["counts"] | {"total": 2} == {
        "total": 2,
        "done": 2,
        "succeeded": 1,
        "not_found": 1,
        "invalid": 0,
        "failed": 0,
        "cancelled": 0,
        "retryable": 0,
    }
    assert job["upload_id"] == created.json()["job_id"] and job["filename"] == "claims.csv"
    redirect = api.call("GET", job["results"])
    assert redirect.status == 302
    assert [line[:9] for line in _csv(api.download(redirect.headers["location"]))] == RESULTS_EXAMPLE
    # and the job is listed, and found by its own id too
    listed = api.call("GET", "/jobs").json()["jobs"]
    assert [entry["job_id"] for entry in listed] == [job["job_id"]]
    assert api.call("GET", f"/jobs/{job['job_id']}").json()["state"] == "COMPLETED"
    errors = api.call("GET", job["errors"])
    assert errors.status == 200 and [line[:9] for line in _csv(errors.body)] == [RESULTS_EXAMPLE[0], RESULTS_EXAMPLE[2]]


def test_no_token_or_a_wrong_token_is_401(api: JobApi):
    for token in (None, "not-a-token"):
        for method, path in (("GET", "/jobs"), ("POST", "/jobs"), ("GET", "/jobs/0123456789abcdef01234567")):
            answer = api.call(method, path, token=token, body={"filename": "a.csv"} if method == "POST" else None)
            assert answer.status == 401, (method, path, answer.text)
            assert answer.json()["message"]


def test_another_tenants_job_is_not_found(api: JobApi):
    upload_id = submit(api, SEED_CSV, token=ACME)
    job = wait_for_state(api, upload_id)

    for job_id in (upload_id, job["job_id"]):
        for method, path in (
            ("GET", f"/jobs/{job_id}"),
            ("GET", f"/jobs/{job_id}/results"),
            ("GET", f"/jobs/{job_id}/errors"),
            ("POST", f"/jobs/{job_id}/retry"),
            ("POST", f"/jobs/{job_id}/cancel"),
        ):
            answer = api.call(method, path, token=BETA)
            assert answer.status == 404 and answer.json() == {"message": "no such job", "details": []}
    assert api.call("GET", "/jobs", token=BETA).json() == {"jobs": [], "next": None}
    assert len(api.call("GET", "/jobs", token=ACME).json()["jobs"]) == 1


def test_retry_runs_again_only_the_rows_that_failed_retryably(api: JobApi, simulator):
    # Given a job whose two E503X5 rows failed retryably (their first five attempts fail)
    flaky = [_claim("E503X5"), _claim("E503X5")]
    rows = [
        member_line(_claim("GOOD")),
        member_line(flaky[0]),
        member_line(_claim("NF")),
        member_line(flaky[1]),
        f"{_claim('GOOD')},ANA,LIMA,13/45/1975,12345",
    ]
    upload_id = submit(api, (HEADER + "\n".join(rows) + "\n").encode())
    first = wait_for_state(api, upload_id)
    assert first["state"] == "COMPLETED"
    assert first["counts"] | {} == {
        "total": 5,
        "done": 5,
        "succeeded": 1,
        "not_found": 1,
        "invalid": 1,
        "failed": 2,
        "cancelled": 0,
        "retryable": 2,
    }
    first_lines = _csv(api.download(api.call("GET", first["results"]).headers["location"]))
    assert [line[7] for line in first_lines[1:]] == ["True", "False", "False", "False", "False"]
    requests_before = simulator.stats()["requests"]

    # When the job is retried
    retried = api.call("POST", f"/jobs/{upload_id}/retry")

    # Then only those two rows ran again (one failed attempt and one answer each), and the file is rebuilt
    assert retried.status == 202 and retried.json() == {"job_id": first["job_id"], "state": "PROCESSING", "rows": 2}
    job = wait_for_state(api, upload_id)
    assert job["state"] == "COMPLETED"
    assert simulator.stats()["requests"] - requests_before == 2 * 2
    assert job["counts"] == {
        "total": 5,
        "done": 5,
        "succeeded": 3,
        "not_found": 1,
        "invalid": 1,
        "failed": 0,
        "cancelled": 0,
        "retryable": 0,
    }
    lines = _csv(api.download(api.call("GET", job["results"]).headers["location"]))
    assert [line[7] for line in lines[1:]] == ["True", "True", "False", "True", "False"]
    assert [line for i, line in enumerate(lines) if i not in (2, 4)] == [
        line for i, line in enumerate(first_lines) if i not in (2, 4)
    ]
    # and a second retry finds nothing left to do
    again = api.call("POST", f"/jobs/{upload_id}/retry")
    assert again.status == 202 and again.json()["rows"] == 0


def test_retry_of_a_job_that_is_not_completed_is_409(api: JobApi):
    created = api.call("POST", "/jobs", body={"filename": "claims.csv"}).json()

    answer = api.call("POST", f"/jobs/{created['job_id']}/retry")

    assert answer.status == 409 and "not been uploaded" in answer.json()["message"]


def test_cancel_stops_a_running_job_and_writes_its_results(api: JobApi):
    # Given a running job of slow lookups (and one row error)
    rows = [member_line(_claim("SLOW")) for _ in range(60)] + ["NF1,ANA,LIMA,13/45/1975,1"]
    upload_id = submit(api, (HEADER + "\n".join(rows) + "\n").encode())
    if isinstance(api, AwsJobApi):
        api.pipeline.step("split")  # split, and nothing looked up yet
    else:
        wait_for_state(api, upload_id, states=("SPLITTING", "PROCESSING"))

    # When it is cancelled
    cancelled = api.call("POST", f"/jobs/{upload_id}/cancel")

    # Then it ends CANCELLED, with a line for every row: those not looked up say so
    assert cancelled.status == 202 and cancelled.json()["state"] == "CANCELLED"
    job = wait_for_results(api, upload_id)
    assert job["state"] == "CANCELLED"
    lines = _csv(api.download(api.call("GET", job["results"]).headers["location"]))[1:]
    assert [line[0] for line in lines] == [str(row) for row in range(1, 62)]
    assert {line[8] for line in lines[:60]} <= {"cancelled", ""} and "cancelled" in {line[8] for line in lines}
    assert "date_of_birth" in lines[60][8]
    counts = job["counts"]
    assert counts["total"] == counts["done"] == 61
    assert counts["cancelled"] == sum(line[8] == "cancelled" for line in lines) and counts["invalid"] == 1
    # and a cancelled job is not cancelled again, nor retried
    assert api.call("POST", f"/jobs/{upload_id}/cancel").status == 409
    assert api.call("POST", f"/jobs/{upload_id}/retry").status == 409


def test_jobs_are_listed_newest_first_page_by_page(api: JobApi):
    ids = [wait_for_state(api, submit(api, SEED_CSV, filename=f"f{i}.csv"))["job_id"] for i in range(3)]

    first = api.call("GET", "/jobs", params={"limit": 2}).json()
    second = api.call("GET", "/jobs", params={"limit": 2, "next": first["next"]}).json()

    assert [job["job_id"] for job in first["jobs"] + second["jobs"]] == ids[::-1]
    assert second["next"] is None
    assert api.call("GET", "/jobs", params={"state": "FAILED"}).json() == {"jobs": [], "next": None}
    # a token this API did not return: an empty last page
    assert api.call("GET", "/jobs", params={"next": "bm90LWEtdG9rZW4"}).json() == {"jobs": [], "next": None}


def test_no_patient_data_in_the_logs_of_an_api_job(api: JobApi, captured_logs):
    job = wait_for_state(api, submit(api, SEED_CSV))
    api.call("GET", job["errors"])
    api.call("POST", f"/jobs/{job['job_id']}/retry")

    for value in ("ZE59426195", "CHANTAL", "KISA", "05/10/1975", "1975-05-10", "057896633", "INVALID123", "JOHN"):
        assert value not in captured_logs.text
    assert job["job_id"] in captured_logs.text
