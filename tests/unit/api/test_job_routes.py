"""The job API's routes, one behaviour at a time, over fakes (tests/unit/api/conftest.py)."""

from __future__ import annotations

import pytest
from claimbatch.api.routes import openapi_document
from claimbatch.domain.job import JobCounts, JobState, job_results_key
from claimbatch.domain.result_row import ResultRow, RowOutcome
from claimbatch.domain.results_writer import iter_results_csv
from claimbatch.ports.chunk_ledger import ChunkId

from tests.support.job_api_harness import RawBody
from tests.unit.api.conftest import T0, later


def test_create_issues_a_form_for_a_key_under_the_tenants_inbox(api):
    answer = api.call("POST", "/jobs", body={"filename": "august claims.csv"})

    assert answer.status == 201
    created = answer.json()
    assert created["job_id"] == "up-00000000000000000001"
    key = "inbox/acme/up-00000000000000000001/august claims.csv"
    assert api.links.forms == [(key, 1000, later(15))]
    assert created["upload"] == {
        "url": "https://uploads.example/",
        "fields": {"key": key, "policy": "p", "signature": "s"},
        "file_field": "file",
        "max_bytes": 1000,
        "expires_at": "2025-08-08T17:15:00Z",
    }
    upload = api.store.get_upload(created["job_id"])
    assert upload is not None and (upload.tenant, upload.key, upload.job_id) == ("acme", key, None)


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"filename": "../etc/passwd"}, "body.filename"),
        ({"filename": ".hidden.csv"}, "body.filename"),
        ({"filename": "claims.csv.part"}, "body.filename"),
        ({"filename": "a\x00b.csv"}, "body.filename"),
        ({"filename": ""}, "body.filename"),
        ({"filename": "x" * 201}, "body.filename"),
        ({"filename": "a.csv", "tenant": "beta"}, "body.tenant"),
        ({}, "body.filename"),
    ],
)
def test_a_bad_create_request_is_422_saying_what_is_wrong(api, body, location):
    answer = api.call("POST", "/jobs", body=body)

    assert answer.status == 422
    problem = answer.json()
    assert problem["message"] == "the request is not valid"
    assert [detail["location"] for detail in problem["details"]] == [location]
    assert "Traceback" not in answer.body and api.links.forms == []


def test_the_tenant_comes_from_the_verified_claims_only(api):
    assert api.call("POST", "/jobs", tenant=None, body={"filename": "a.csv"}).status == 401
    assert api.call("POST", "/jobs", claims={"custom:tenant": "../beta"}, body={"filename": "a.csv"}).status == 403
    by_subject = api.call("POST", "/jobs", claims={"sub": "0f1e2d3c-4b5a"}, body={"filename": "a.csv"})
    assert by_subject.json()["upload"]["fields"]["key"].startswith("inbox/0f1e2d3c-4b5a/")


def test_an_upload_awaits_its_file_then_becomes_its_job(api):
    upload_id = api.call("POST", "/jobs", body={"filename": "c.csv"}).json()["job_id"]

    waiting = api.call("GET", f"/jobs/{upload_id}").json()
    assert (waiting["job_id"], waiting["state"], waiting["results"]) == (upload_id, "AWAITING_UPLOAD", None)

    job = api.add_job(f"inbox/acme/{upload_id}/c.csv", JobState.PROCESSING, created_at=later(1))
    found = api.call("GET", f"/jobs/{upload_id}").json()
    assert (found["job_id"], found["upload_id"], found["state"]) == (job.job_id, upload_id, "PROCESSING")
    assert api.store.get_upload(upload_id).job_id == job.job_id  # remembered: the next look-up is one read


def test_an_upload_whose_form_expired_without_a_file_says_so(api):
    upload_id = api.call("POST", "/jobs", body={"filename": "c.csv"}).json()["job_id"]
    api.clock.now = later(15 + 15 + 1)  # the form's 15 minutes, and the grace for a late pick-up

    answer = api.call("GET", f"/jobs/{upload_id}").json()

    assert answer["state"] == "UPLOAD_EXPIRED" and "expired" in answer["error"]


def test_another_tenants_job_or_upload_is_404_like_a_missing_one(api):
    upload_id = api.call("POST", "/jobs", tenant="beta", body={"filename": "c.csv"}).json()["job_id"]
    job = api.add_job("inbox/beta/c.csv", JobState.COMPLETED)

    for job_id in (upload_id, job.job_id, "0123456789abcdef01234567", "up-ffffffffffffffffffff", "nonsense"):
        for method, path in (
            ("GET", ""),
            ("GET", "/results"),
            ("GET", "/errors"),
            ("POST", "/retry"),
            ("POST", "/cancel"),
        ):
            answer = api.call(method, f"/jobs/{job_id}{path}")
            assert (answer.status, answer.json()) == (404, {"message": "no such job", "details": []})


def test_the_job_view_shows_counts_progress_and_links(api):
    job = api.add_job("inbox/acme/x/c.csv", JobState.PROCESSING)
    answered = [ResultRow(row, f"C{row}", RowOutcome.SUCCEEDED) for row in (1, 2)]
    failed = ResultRow(3, "C3", RowOutcome.FAILED, error="timed out", retryable=True)
    api.store.count_chunk(job.job_id, ChunkId(0), [*answered, failed])
    with api.store._transaction() as db:  # noqa: SLF001 - a total, as the splitter records it
        db.execute("UPDATE jobs SET total = 4 WHERE job_id = ?", (job.job_id,))

    view = api.call("GET", f"/jobs/{job.job_id}").json()

    assert view["counts"] == {
        "total": 4,
        "done": 3,
        "succeeded": 2,
        "not_found": 0,
        "invalid": 0,
        "failed": 1,
        "cancelled": 0,
        "retryable": 1,
    }
    assert (view["progress"], view["filename"], view["upload_id"], view["results"]) == (75, "c.csv", None, None)


def test_results_redirect_once_completed_and_409_before(api):
    job = api.add_job("inbox/acme/c.csv", JobState.PROCESSING)
    running = api.call("GET", f"/jobs/{job.job_id}/results")
    assert running.status == 409 and "PROCESSING" in running.json()["message"]

    api.store.transition(job.job_id, [JobState.PROCESSING], JobState.COMPLETED)
    done = api.call("GET", f"/jobs/{job.job_id}/results")

    assert done.status == 302 and done.body == ""
    assert done.headers["location"] == (
        f"https://downloads.example/local/results/acme/.jobs/{job.job_id}.results.csv"  # the job's own copy,
        f"?as=c.results.csv&until={int(later(5).timestamp())}"  # named as users know it
    )


def test_errors_are_the_results_lines_that_did_not_succeed(api):
    job = api.add_job("inbox/acme/c.csv", JobState.COMPLETED)
    rows = [
        ResultRow(row=1, claim_number="A1", outcome=RowOutcome.SUCCEEDED, status="Finalized"),
        ResultRow(row=2, claim_number="A2", outcome=RowOutcome.NOT_FOUND, error="Claim not found"),
        ResultRow(row=3, claim_number="=A3", outcome=RowOutcome.INVALID, error="subscriber_id '' is empty,\nsee row"),
    ]
    api.objects.write_stream("local", job_results_key(job), iter_results_csv(rows), "text/csv")

    answer = api.call("GET", f"/jobs/{job.job_id}/errors")

    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = answer.body.split("\n")
    assert lines[0].startswith("row,claim_number,") and lines[1].startswith("2,A2,")
    assert answer.body.endswith("3,'=A3,,,,,,False,\"subscriber_id '' is empty,\nsee row\",,,,\n")


def test_errors_too_large_to_answer_are_413(api):
    api.configure(max_errors_bytes=200)
    job = api.add_job("inbox/acme/c.csv", JobState.COMPLETED)
    rows = [
        ResultRow(row=n, claim_number=f"N{n}", outcome=RowOutcome.NOT_FOUND, error="Claim not found")
        for n in range(1, 20)
    ]
    api.objects.write_stream("local", job_results_key(job), iter_results_csv(rows), "text/csv")

    assert api.call("GET", f"/jobs/{job.job_id}/errors").status == 413


def test_cancel_moves_a_running_job_to_cancelled_and_asks_for_its_results(api):
    job = api.add_job("inbox/acme/c.csv", JobState.PROCESSING)

    answer = api.call("POST", f"/jobs/{job.job_id}/cancel")

    assert answer.status == 202 and answer.json()["state"] == "CANCELLED"
    assert api.store.get_job(job.job_id).state is JobState.CANCELLED
    assert api.queues.aggregations == [job.job_id]
    again = api.call("POST", f"/jobs/{job.job_id}/cancel")
    assert again.status == 409 and api.queues.aggregations == [job.job_id]


@pytest.mark.parametrize("state", [JobState.AGGREGATING, JobState.COMPLETED, JobState.FAILED])
def test_only_a_running_job_can_be_cancelled(api, state):
    job = api.add_job("inbox/acme/c.csv", state)

    answer = api.call("POST", f"/jobs/{job.job_id}/cancel")

    assert answer.status == 409 and state.value in answer.json()["message"]


def test_retry_is_409_unless_completed(api):
    job = api.add_job("inbox/acme/c.csv", JobState.PROCESSING)

    answer = api.call("POST", f"/jobs/{job.job_id}/retry")

    assert answer.status == 409 and "COMPLETED" in answer.json()["message"] and api.queues.chunks == []


def test_listing_pages_newest_first_with_a_state_filter(api):
    jobs = [api.add_job(f"inbox/acme/{n}.csv", JobState.COMPLETED, created_at=later(n)) for n in range(5)]
    api.add_job("inbox/acme/running.csv", JobState.PROCESSING, created_at=later(10))
    api.add_job("inbox/beta/theirs.csv", JobState.COMPLETED, created_at=later(11))

    seen, token = [], None
    while True:
        page = api.call("GET", "/jobs", params={"state": "COMPLETED", "limit": 2, **({"next": token} if token else {})})
        assert page.status == 200
        seen += [job["job_id"] for job in page.json()["jobs"]]
        token = page.json()["next"]
        if token is None:
            break

    assert seen == [job.job_id for job in reversed(jobs)]
    everything = api.call("GET", "/jobs").json()["jobs"]
    assert [job["filename"] for job in everything] == ["running.csv", "4.csv", "3.csv", "2.csv", "1.csv", "0.csv"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"limit": "many"}, 422),
        ({"state": "DONE"}, 422),
        ({"next": "has spaces"}, 422),
        ({"next": "x" * 401}, 422),
    ],
)
def test_bad_listing_parameters_are_4xx_with_a_json_body(api, params, status):
    answer = api.call("GET", "/jobs", params=params)

    assert answer.status == status and answer.json()["message"]


def test_an_unknown_route_is_a_json_404(api):
    answer = api.call("DELETE", "/nothing")

    assert answer.status == 404 and answer.json() == {"message": "no such route", "details": []}


def test_an_unexpected_failure_is_a_500_without_a_trace(api, monkeypatch, captured_logs):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire: ZE59426195")

    monkeypatch.setattr(api.store, "list_tenant_jobs", broken)

    answer = api.call("GET", "/jobs")

    assert answer.status == 500
    assert answer.json() == {"message": "internal error; the details are in the service's log", "details": []}
    assert "job API request failed" in captured_logs.text


def test_the_openapi_document_describes_every_route_and_its_errors(api):
    document = openapi_document(api.app)

    assert set(document["paths"]) == {
        "/jobs",
        "/jobs/{job_id}",
        "/jobs/{job_id}/results",
        "/jobs/{job_id}/errors",
        "/jobs/{job_id}/retry",
        "/jobs/{job_id}/cancel",
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            assert {"401", "422"} <= set(operation["responses"]) and operation["security"] == [{"bearer": []}]
    served = api.call("GET", "/openapi.json", tenant=None)
    assert served.status == 200 and served.json()["paths"].keys() == document["paths"].keys()
    docs = api.call("GET", "/docs", tenant=None)
    assert docs.status == 200


def test_upload_times_are_the_clocks(api):
    created = api.call("POST", "/jobs", body={"filename": "c.csv"}).json()

    view = api.call("GET", f"/jobs/{created['job_id']}").json()

    assert view["created_at"] == T0.isoformat().replace("+00:00", "Z")


def test_a_body_that_is_not_utf8_is_422_not_500(api):
    import base64

    from tests.support.job_api_harness import http_api_event
    from testkit.lambda_context import FakeLambdaContext

    event = http_api_event("POST", "/jobs", claims={"custom:tenant": "acme"}, body={"filename": "a.csv"})
    event.update(body=base64.b64encode(b"\xff\xfe{").decode(), isBase64Encoded=True)

    answer = api.app.resolve(event, FakeLambdaContext())

    assert answer["statusCode"] == 422 and "UTF-8" in answer["body"]


def test_a_cancelled_jobs_results_are_offered_once_written(api):
    job = api.add_job("inbox/acme/c.csv", JobState.CANCELLED)

    assert api.call("GET", f"/jobs/{job.job_id}").json()["results"] is None
    assert api.call("GET", f"/jobs/{job.job_id}/results").status == 409

    api.store.record_counts(job.job_id, JobCounts(total=3, done=3, cancelled=3), JobState.CANCELLED)  # the aggregator

    assert api.call("GET", f"/jobs/{job.job_id}").json()["results"] == f"/jobs/{job.job_id}/results"
    assert api.call("GET", f"/jobs/{job.job_id}/results").status == 302


@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000 + "]" * 100_000, '{"filename": "a.csv"', "not json", '{"filename": "a.csv"}}', "\ud800"],
    ids=["deeply-nested", "cut-short", "not-json", "trailing", "lone-surrogate"],
)
def test_a_malformed_body_is_a_4xx_in_one_sentence(api, raw):
    answer = api.call("POST", "/jobs", body=RawBody(raw))

    assert 400 <= answer.status < 500, answer.body
    problem = answer.json()
    assert problem["message"] == "the request is not valid"
    assert [detail["location"] for detail in problem["details"]] == ["body"]
    assert "Traceback" not in answer.body and api.links.forms == []


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/jobs", "GET, POST"),
    ("DELETE", "/jobs/abc", "GET"),
    ("PUT", "/jobs/abc/retry", "POST"),
])
def test_a_known_path_with_another_method_is_405_with_allow(api, method, path, allowed):
    answer = api.call(method, path)

    assert answer.status == 405 and answer.headers["allow"] == allowed
    assert answer.json() == {"message": f"{method} is not allowed here; allowed: {allowed}", "details": []}


def test_an_unknown_path_is_still_404(api):
    assert api.call("GET", "/nothing/here").status == 404


@pytest.mark.parametrize("token", ["0", "AAAA", "not-a-token_"])
def test_a_next_token_this_api_did_not_return_is_an_empty_last_page(api, token):
    api.add_job("inbox/acme/a.csv")

    answer = api.call("GET", "/jobs", params={"next": token})

    assert answer.status == 200 and answer.json() == {"jobs": [], "next": None}


def test_openapi_links_lead_from_created_and_listed_jobs_to_every_job_route(api):
    document = openapi_document(api.app)
    paths = document["paths"]
    created = paths["/jobs"]["post"]["responses"]["201"]["links"]
    listed = paths["/jobs"]["get"]["responses"]["200"]["links"]
    targets = {
        paths[path][method]["operationId"]
        for path in paths
        if path.startswith("/jobs/{job_id}")
        for method in paths[path]
    }
    assert {link["operationId"] for link in created.values()} == targets
    assert {link["operationId"] for link in listed.values()} == targets
    assert {link["parameters"]["job_id"] for link in created.values()} == {"$response.body#/job_id"}
    assert {link["parameters"]["job_id"] for link in listed.values()} == {"$response.body#/jobs/0/job_id"}


def test_a_body_that_is_not_declared_json_is_415(api, monkeypatch):
    import tests.support.job_api_harness as harness

    real = harness.http_api_event

    def as_text(*args, **kwargs):
        event = real(*args, **kwargs)
        event["headers"]["content-type"] = "text/plain"
        return event

    monkeypatch.setattr("tests.unit.api.conftest.http_api_event", as_text)
    answer = api.call("POST", "/jobs", body={"filename": "claims.csv"})

    assert answer.status == 415 and answer.json()["message"] == "the request body must be JSON"
