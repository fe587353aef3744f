"""schemathesis against the OpenAPI document the local API server serves: generated
requests, valid and not, never get a 5xx nor an answer the document does not describe;
and its command line with every check and the stateful phase finds nothing and, through
the document's links, reaches every /jobs/{job_id} route with a real id."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.job_api_harness import ACME, embedded_job_api, submit, wait_for_state

SEED = b"claim_number,first_name,last_name,date_of_birth,subscriber_id\nZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"
AUTH = {"Authorization": f"Bearer {ACME}"}
# No 5xx, and every answer as the document describes it (status, content type, headers, body),
# for requests the document allows and for those it rules out. Not the heuristic "negative data
# rejection" (unknown query parameters are ignored, as HTTP APIs do); the command-line test
# below runs every check.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_served_api_keeps_to_its_openapi_document(tmp_path, simulator, mode):
    with embedded_job_api(tmp_path / "data", simulator.base_url) as api:
        wait_for_state(api, submit(api, SEED))  # a job exists, so some generated ids may meet real routes
        schema = schemathesis.openapi.from_url(f"{api.base_url}/openapi.json")
        assert {"/jobs", "/jobs/{job_id}/retry"} <= set(schema.raw_schema["paths"])

        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema.as_strategy(generation_mode=mode))
        def generated_requests_are_answered_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=api.base_url, headers=AUTH, checks=CONFORMANCE, allow_redirects=False, timeout=10
            )

        generated_requests_are_answered_as_documented()


ST = [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"]
JOB_ROUTES = {("GET", ""), ("GET", "/results"), ("GET", "/errors"), ("POST", "/retry"), ("POST", "/cancel")}
# A webhook URL's reachability (https, no private address) is more than a schema can say: a
# schema-valid URL may rightly be refused with 400, as the document declares.
CONFIG = """
[parameters]
"path.job_id" = "{job_id}"

[[operations]]
include-path = "/notifications"
include-method = "PUT"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""


def _st(config: Path | None, base_url: str, *options: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`st run` against the served document; run in `cwd`, where it keeps its cache."""
    command = [*ST, *(["--config-file", str(config)] if config else []), "run", f"{base_url}/openapi.json"]
    command += ["--checks", "all", "-H", f"Authorization: Bearer {ACME}", "--max-examples", "15", "--seed", "1"]
    command += ["--no-color", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=cwd)


@pytest.mark.slow
def test_every_check_and_the_stateful_phase_find_nothing_and_reach_every_job_route(tmp_path, simulator):
    with embedded_job_api(tmp_path / "data", simulator.base_url) as api:
        job_id = wait_for_state(api, submit(api, SEED))["job_id"]
        config = tmp_path / "schemathesis.toml"
        config.write_text(CONFIG.format(job_id=job_id))
        report, har = tmp_path / "report.json", tmp_path / "stateful.har"
        # Every phase, every check: the job routes with a real id
        everything = _st(config, api.base_url, "--report", "json", "--report-json-path", str(report), cwd=tmp_path)
        # The stateful phase alone, ids only from the links of POST /jobs and GET /jobs
        stateful = _st(
            None, api.base_url, "--phases", "stateful", "--report", "har", "--report-har-path", str(har), cwd=tmp_path
        )

    assert everything.returncode == 0, everything.stdout[-4000:]
    summary = json.loads(report.read_text())
    assert summary["test_cases"]["unique_failures"] == 0 and summary["errors"] == []
    assert summary["operations"]["tested"] == summary["operations"]["selected"] == summary["operations"]["total"]
    assert stateful.returncode == 0, stateful.stdout[-4000:]
    reached = set()
    for entry in json.loads(har.read_text())["log"]["entries"]:
        found = re.search(r"/jobs/([A-Za-z0-9-]+)(/[a-z]+)?$", urlsplit(entry["request"]["url"]).path)
        real_id = found is not None and (found.group(1) == job_id or found.group(1).startswith("up-"))
        if real_id and entry["response"]["status"] not in (401, 404):
            reached.add((entry["request"]["method"], found.group(2) or ""))
    assert reached == JOB_ROUTES
