"""Inputs never share a results file, and a job's results link serves that job's own file,
even after a later drop of the same name replaced the file users see."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

from tests.e2e.cli_support import claims_csv
from tests.support.job_api_harness import EmbeddedJobApi, embedded_job_api


def _jobs_done(api: EmbeddedJobApi, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        jobs = api.call("GET", "/jobs").json()["jobs"]
        if len(jobs) >= count and all(job["state"] == "COMPLETED" for job in jobs):
            return jobs
        assert time.monotonic() < deadline, f"jobs not done: {jobs}"
        time.sleep(0.1)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]


def _drop(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.parent / f".{path.name}.tmp"
    staged.write_text(text)
    staged.rename(path)


def test_a_results_link_serves_its_own_jobs_file_and_names_never_collide(tmp_path, simulator):
    data = tmp_path / "data"
    inbox, results = data / "inbox" / "acme", data / "results" / "acme"
    with embedded_job_api(data, simulator.base_url) as api:
        # Given a file dropped, then the same name again with other content
        _drop(inbox / "same.csv", claims_csv(2, prefix="AA"))
        (first,) = _jobs_done(api, 1)
        _drop(inbox / "same.csv", claims_csv(3, prefix="BB"))
        jobs = _jobs_done(api, 2)
        second = next(job for job in jobs if job["job_id"] != first["job_id"])

        # Then each job's link returns its own rows, while the shared name holds the newest
        def linked(job: dict) -> list[list[str]]:
            answer = api.call("GET", f"/jobs/{job['job_id']}/results")
            assert answer.status == 302
            return _rows(api.download(answer.headers["location"]))

        assert [row[1][:2] for row in linked(first)] == ["AA"] * 2
        assert [row[1][:2] for row in linked(second)] == ["BB"] * 3
        assert [row[1][:2] for row in _rows((results / "same.results.csv").read_bytes())] == ["BB"] * 3
        errors = api.call("GET", f"/jobs/{first['job_id']}/errors")
        assert errors.status == 200 and len(_rows(errors.body)) == 0

        # When names that used to share one results file are dropped
        for name, rows in (("other", 1), ("other.csv", 2), ("other.CSV", 3)):
            _drop(inbox / name, claims_csv(rows))
        _jobs_done(api, 5)

    # Then each has its own, with its own rows
    assert len(_rows((results / "other-results.csv").read_bytes())) == 1
    assert len(_rows((results / "other.results.csv").read_bytes())) == 2
    assert len(_rows((results / "other.CSV-results.csv").read_bytes())) == 3
