"""What AWS runs is what this test runs: the synthesized template made real on moto,
each function called by its Handler string with exactly its template environment,
the queues delivering per each event source mapping, tracing on as deployed.

A file of 1,000 rows goes from put_object to its results file. The run happens in
a process of its own (tests/support/template_pipeline.py): tracing is decided
when Powertools is imported and X-Ray patches httpx for the whole process, and
this suite turns tracing off for every other test.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.claims_data import SEED_PHI
from tests.support.synth import Synthesized, synthesize

ROWS = 1_000
REPO = Path(__file__).resolve().parents[3]
WORKER = "claimbatch.handlers.worker.handler"


# The stack as deployed for an API that allows 400 requests/s and answers in about 50 ms
# (the simulator here): each worker's share of the budget is then 200 requests/s. With the
# default budget (50 requests/s over 8 workers) one worker alone would need minutes.
API_CONTEXT = {"api_budget_rps": "400", "api_latency_s": "0.05"}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), **API_CONTEXT)


@pytest.fixture(scope="module")
def run(synthesized: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    report_path = tmp_path_factory.mktemp("template-run") / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tests.support.template_pipeline", str(synthesized.template_path)]
        + [str(ROWS), str(report_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    return json.loads(report_path.read_text(encoding="utf-8")), output


@pytest.mark.slow
def test_every_row_of_the_file_is_in_its_results_once(run) -> None:
    report, output = run

    assert report["finished"], f"no results after {report['elapsed_s']} s: {report['invocations']}\n{output[-3000:]}"
    lines = list(csv.reader(report["results_csv"].splitlines()))
    assert [int(line[0]) for line in lines[1:]] == list(range(1, ROWS + 1))
    assert report["summary"]["status"] == "COMPLETED"
    assert report["summary"]["counts"]["total"] == ROWS
    answered = [line for line in lines[1:] if line[1] == "ZE59426195"]
    assert len(answered) == ROWS // 10 and all(line[7] == "True" for line in answered)


@pytest.mark.slow
def test_the_functions_ran_as_deployed_traced_and_in_the_event_sources_batches(run, synthesized) -> None:
    report, _ = run

    assert set(report["tracing_modes"].values()) == {"Active"}
    assert report["trace_segments"] > 0, "tracing was on: the X-Ray SDK emitted segments"
    chunks = -(-ROWS // synthesized.settings.rows_per_message)
    batch = synthesized.settings.worker.batch_size
    assert report["largest_batch"][WORKER] == batch
    assert report["invocations"][WORKER] >= -(-chunks // batch)
    assert report["invocation_errors"] == 0


@pytest.mark.slow
def test_no_patient_data_in_logs_or_traces(run) -> None:
    report, output = run

    for value in SEED_PHI:
        assert value not in output
        assert value not in report["trace_text"]
