"""`claimbatch run` against a claims API that rejects our credentials or answers
garbage: a small job ends soon with every row failed (retryable) and only a
handful of requests, instead of retrying for the whole patience."""

from __future__ import annotations

import pytest

from tests.e2e.cli_support import HEADER, claimbatch, cli_env, read_results
from tests.support.claims_data import member_line
from tests.support.hostile_api import hostile_api

GENEROUS_S = 120  # the job must end well within this; no timing is asserted


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("reject", "claims API rejected the credentials"),
        ("garbage", "claims API sent an unreadable answer"),
    ],
)
def test_a_three_row_job_against_a_broken_api_ends_with_few_requests(tmp_path, mode, error):
    source = tmp_path / "claims.csv"
    source.write_text(HEADER + "\n" + "\n".join(member_line(f"BR{n:08d}") for n in range(3)) + "\n")
    data = tmp_path / "data"

    with hostile_api(mode) as api:
        env = cli_env(
            CLAIMBATCH_API_BASE_URL=api.base_url,
            CLAIMBATCH_API_CLIENT_ID="id",
            CLAIMBATCH_API_CLIENT_SECRET="secret",
            CLAIMBATCH_API_PROVIDER_TIN="123456789",
        )
        run = claimbatch("run", source, "--data-dir", data, env=env, timeout=GENEROUS_S)

    assert run.code == 0, run.output
    rows = read_results(data / "results" / "claims.results.csv")
    assert [row["success"] for row in rows] == ["False"] * 3
    assert all(row["error"].startswith(error) for row in rows), rows
    assert api.inquiries + api.token_requests <= 20
