"""`claimbatch simulator`: its help, the real command serving over loopback, and
`claimbatch simulator sample`."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from claimbatch.claims.optum_schema import SEARCH_CLAIM_QUERY
from claimbatch.cli import simulator_command
from claimbatch.runtime.listening_socket import bind_socket
from claimbatch.simulator.claims_data import search_claims
from claimbatch.simulator.members import claim_member

CLAIMBATCH = Path(sys.executable).parent / "claimbatch"


@pytest.fixture
def app() -> typer.Typer:
    """A `claimbatch`-like app with only this command: these tests do not depend on the others."""
    app = typer.Typer(name="claimbatch", no_args_is_help=True, add_completion=False)

    @app.callback()
    def group() -> None:
        """With a callback, a one-command app still takes the command's name."""

    simulator_command.register(app)
    return app


def test_simulator_help_lists_every_knob(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["simulator", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--latency-ms",
        "--jitter-ms",
        "--rate-limit",
        "--max-concurrency",
        "--error-rate",
        "--token-ttl",
        "--seed",
        "--client-id",
        "--client-secret",
        "--outage-after-s",
        "--outage-for-s",
    ):
        assert option in result.output
    assert "CLAIMBATCH_SIM_LATENCY_MS" in result.output


def test_a_port_in_use_is_a_clear_error(app: typer.Typer) -> None:
    taken = bind_socket("127.0.0.1", 0)
    try:
        result = CliRunner().invoke(app, ["simulator", "--port", str(taken.getsockname()[1])])
    finally:
        taken.close()

    assert result.exit_code == 1
    assert "cannot listen" in result.output


def _read_line(process: subprocess.Popen[str], timeout_s: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    assert ready, "the simulator printed nothing"
    return process.stdout.readline()


def test_the_command_serves_the_contract_over_http() -> None:
    env = {**os.environ, "CLAIMBATCH_SIM_TOKEN_TTL": "120"}
    process = subprocess.Popen(
        [str(CLAIMBATCH), "simulator", "--port", "0", "--rate-limit", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        banner = _read_line(process, timeout_s=15)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        with httpx.Client(base_url=match.group(1), trust_env=False, timeout=5) as http:
            token = http.post(
                "/apip/auth/sntl/v1/token",
                data={"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"},
            )
            assert token.status_code == 200
            assert token.json()["expires_in"] == 120  # from the environment variable

            inquiry = http.post(
                "/oihub/claim/inquiry/v1",
                headers={
                    "Authorization": f"Bearer {token.json()['access_token']}",
                    "providerTaxId": "123456789",
                    "x-optum-consumer-correlation-id": "cli-test",
                },
                json={  # the contract's example request, as curl would send it
                    "operationName": "SearchClaim",
                    "query": SEARCH_CLAIM_QUERY,
                    "variables": {"searchClaimInput": {"payerId": "87726", "claimNumber": "ZE59426195"}},
                },
            )
            assert inquiry.status_code == 200
            claim = inquiry.json()["data"]["searchClaim"]["claims"][0]
            assert claim["claimLevelTotalAmount"]["totalPaidAmount"] == "351.00"
            assert http.get("/_stats").json()["by_status"] == {"200": 1}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode is not None


def test_sample_prints_existing_claims_with_their_own_members(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["simulator", "sample", "--rows", "40", "--seed", "5"])

    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert header == "claim_number,first_name,last_name,date_of_birth,subscriber_id"
    assert lines[0] == "ZE59426195,CHANTAL,KISA,05/10/1975,057896633"
    assert len(lines) == 40 and len(set(lines)) == 40
    for line in lines:
        claim_number, first, last, born, _ = line.split(",")
        holder = claim_member(claim_number)
        assert (holder.first_name, holder.last_name, holder.date_of_birth) == (first, last, born)
        assert search_claims({"payerId": "87726", "claimNumber": claim_number})["claims"]
    again = CliRunner().invoke(app, ["simulator", "sample", "--rows", "40", "--seed", "5"])
    assert again.output == result.output


def test_sample_with_a_problem_share_mixes_in_the_other_cases(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["simulator", "sample", "--rows", "400", "--problem-share", "0.5"])

    lines = result.output.splitlines()[1:]
    prefixes = {line[:2] for line in lines}
    assert {"NF", "D0", "MM", "E5", "EU"} <= prefixes
    assert any("/3" in line.split(",")[3] and line.split(",")[3].startswith("13/") for line in lines)
    assert 120 < sum(line[:2] in {"NF", "D0", "MM", "E5", "EU"} for line in lines) < 220
