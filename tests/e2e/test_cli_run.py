"""`claimbatch run FILE.csv` through its real command line, as a user runs it."""

from __future__ import annotations

import json
import re
import signal
import subprocess

import pytest

from tests.e2e.cli_support import (
    COMMAND,
    EXAMPLE_FILE,
    HEADER,
    JobsTable,
    NOT_FOUND_LINE,
    SEED_LINE,
    assert_no_phi,
    claimbatch,
    claims_csv,
    cli_env,
    phi_values,
    read_results,
    read_summary,
    wait_until,
)
from tests.support.claims_data import member_line

FAST = ("--sim-latency-ms", "0")


def test_help_says_what_each_command_does():
    main, run = claimbatch("--help"), claimbatch("run", "--help")

    assert main.code == 0 and all(name in main.stdout for name in ("run", "serve", "simulator"))
    assert "claim" in main.stdout.lower()
    assert run.code == 0
    assert all(word in run.stdout for word in ("--out", "--data-dir", "--concurrency", "--sim-error-rate"))
    assert "Exit codes" in run.stdout and "results" in run.stdout.lower()


def test_the_example_file_gives_the_seed_results_a_summary_and_a_copy(tmp_path):
    data, out = tmp_path / "data", tmp_path / "copy" / "results.csv"
    out.parent.mkdir()

    run = claimbatch("run", EXAMPLE_FILE, "--data-dir", data, "--out", out, *FAST)

    assert run.code == 0, run.output
    results = data / "results" / "claims.results.csv"
    lines = results.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith(SEED_LINE) and lines[2].startswith(NOT_FOUND_LINE)
    assert out.read_bytes() == results.read_bytes()
    rows = read_results(results)
    assert [row["row"] for row in rows] == [str(n) for n in range(1, 51)]
    summary = read_summary(data / "results" / "claims.summary.json")
    assert summary["status"] == "COMPLETED"
    counts = summary["counts"]
    assert counts == {"total": 50, "succeeded": 43, "not_found": 4, "invalid": 2, "failed": 1, "cancelled": 0}
    # The summary on the terminal: counts by outcome, the API's work, elapsed time, where the results are.
    assert "50 total, 43 succeeded, 4 not found, 2 invalid, 1 failed" in run.stdout
    assert re.search(r"\d+ requests, \d+ retries, \d+ throttled \(429\)", run.stdout)
    assert re.search(r"in \d+\.\d s", run.stdout)
    assert str(results) in run.stdout and str(out) in run.stdout
    assert "Traceback" not in run.output and "\x1b[" not in run.stdout  # no terminal codes when not a TTY
    # No patient data on the terminal or in the log, though the log has the job's story.
    phi = phi_values(EXAMPLE_FILE)
    assert_no_phi(run.output, phi, "the terminal")
    log = (data / "claimbatch.log").read_text(encoding="utf-8")
    assert "job completed" in log
    assert_no_phi(log, phi, "claimbatch.log")
    assert "Traceback" not in log


def test_input_rules_through_the_command_line(tmp_path):
    """Several docs/input-files.md rules in one file: BOM, semicolons, CRLF, aliases in any order, an extra
    column, blank lines, a quoted field with a line break, leading zeros, row errors."""
    source = tmp_path / "Feed Export.csv"
    claim, first, last, born, _ = member_line("AB000123").split(",")
    month, day, year = born.split("/")
    text = (
        "\ufeffMember ID;Notes;DOB;Patient Last Name;Claim #;FName\r\n"
        '057896633;"call back;\r\nafter 5";05/10/1975;KISA;ZE59426195;CHANTAL\r\n'
        "\r\n   \r\n"
        f"000123;;{year}-{month}-{day};{last};{claim};{first}\r\n"
        "1;;13/45/1975;LIMA;AB1;ANA\r\n"
        "1;;01/02/1975;LIMA\r\n"
        "1;;01/02/1975;=cmd;AB2;ANA\r\n"
    )
    source.write_bytes(text.encode("utf-8"))

    run = claimbatch("run", source, "--data-dir", tmp_path / "data", *FAST)

    assert run.code == 0, run.output
    rows = read_results(tmp_path / "data" / "results" / "Feed Export.results.csv")
    assert [row["row"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert (rows[0]["patient_name"], rows[0]["success"]) == ("CHANTAL KISA", "True")
    assert rows[1]["success"] == "True" and rows[1]["claim_number"] == "AB000123"
    assert rows[2]["success"] == "False" and "date_of_birth '13/45/1975'" in rows[2]["error"]
    assert rows[3]["success"] == "False" and rows[3]["error"]  # ragged row
    assert rows[4]["success"] == "False" and "last_name" in rows[4]["error"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("no_dob.csv", b"claim_number,first_name,last_name,subscriber_id\nAB1,ANA,LIMA,1\n", "missing required column"),
        ("empty.csv", b"", "empty file"),
        ("missing.csv", None, "no such file"),
        ("binary.csv", bytes(range(256)) * 40, "not text"),
        ("folder.csv", "folder", "not a file"),
    ],
    ids=["missing-column", "zero-byte", "missing-file", "binary", "a-folder"],
)
def test_a_file_level_error_is_one_clear_line_and_exit_2(tmp_path, name, content, message):
    source = tmp_path / name
    if content == "folder":
        source.mkdir()
    elif content is not None:
        source.write_bytes(content)

    run = claimbatch("run", source, "--data-dir", tmp_path / "data", *FAST)

    assert run.code == 2, run.output
    assert len(run.lines) == 1, run.output
    assert message in run.lines[0] and run.lines[0].startswith("error:")
    assert "Traceback" not in run.output


def test_a_file_level_error_still_writes_the_summary(tmp_path):
    source = tmp_path / "no_dob.csv"
    source.write_text("claim_number,first_name,last_name,subscriber_id\nAB1,ANA,LIMA,1\n")

    run = claimbatch("run", source, "--data-dir", tmp_path / "data", *FAST)

    summary = read_summary(tmp_path / "data" / "results" / "no_dob.summary.json")
    assert run.code == 2 and summary["status"] == "FAILED"
    assert "missing required column: date_of_birth" in str(summary["error"])


@pytest.mark.parametrize(
    "settings",
    [
        "{not json",
        "[1, 2]",
        '{"base_url": "https://payer.example", "client_secret": "s3cr3t-value"}',
        '{"base_url": "https://payer.example", "client_id": "x", "client_secret": "s3cr3t-value", "provider_tin": "12"}',
        None,  # names a file that does not exist
    ],
    ids=["not-json", "not-an-object", "incomplete", "bad-tin", "missing-file"],
)
def test_bad_claims_api_settings_are_one_line_without_the_secret(tmp_path, settings):
    settings_file = tmp_path / "api.json"
    if settings is not None:
        settings_file.write_text(settings)
    source = tmp_path / "claims.csv"
    source.write_text(claims_csv(2))

    run = claimbatch(
        "run", source, "--data-dir", tmp_path / "data", env=cli_env(CLAIMBATCH_API_SETTINGS=str(settings_file))
    )

    assert run.code == 1, run.output
    assert len(run.lines) == 1 and run.lines[0].startswith("error:"), run.output
    assert "claims API settings" in run.lines[0]
    assert "Traceback" not in run.output and "s3cr3t-value" not in run.output


@pytest.mark.parametrize("name", [".hidden.csv", "upload.csv.part", "export.tmp"])
def test_a_file_named_on_the_command_line_is_run_whatever_its_name(tmp_path, name):
    """The inbox skip rules are for files that land in a folder, not for a file the user names."""
    source = tmp_path / name
    source.write_text(f"{HEADER}\nZE59426195,CHANTAL,KISA,05/10/1975,057896633\n")
    out = tmp_path / "out.csv"

    run = claimbatch("run", source, "--data-dir", tmp_path / "data", "--out", out, *FAST)

    assert run.code == 0, run.output
    assert out.read_text().splitlines()[1].startswith(SEED_LINE)


def test_a_flaky_api_is_ridden_out(tmp_path):
    """With 30% of answers 503, every existing claim still gets its status."""
    source = tmp_path / "claims.csv"
    source.write_text(claims_csv(300))

    run = claimbatch("run", source, "--data-dir", tmp_path / "data", "--sim-error-rate", "0.3", *FAST, timeout=60)

    assert run.code == 0, run.output
    rows = read_results(tmp_path / "data" / "results" / "claims.results.csv")
    assert len(rows) == 300 and all(row["success"] == "True" for row in rows), {r["error"] for r in rows}
    assert re.search(r"[1-9][\d,]* retries", run.stdout)


def test_a_rate_limited_api_slows_the_run_down_without_failing_rows(tmp_path):
    source = tmp_path / "claims.csv"
    source.write_text(claims_csv(300))

    run = claimbatch(
        "run", source, "--data-dir", tmp_path / "data", "--sim-rate-limit", "50", "--concurrency", "20", *FAST,
        timeout=60,
    )

    assert run.code == 0, run.output
    rows = read_results(tmp_path / "data" / "results" / "claims.results.csv")
    assert [row["row"] for row in rows] == [str(n) for n in range(1, 301)]
    assert all(row["success"] == "True" for row in rows), {row["error"] for row in rows}
    # Not a terminal: plain progress lines while it runs. The client paces itself to the
    # known budget, so the summary counts (almost) no 429s.
    assert re.search(r"^progress: [\d,]+(/300)? rows", run.stdout, re.MULTILINE), run.stdout
    assert "\x1b[" not in run.stdout
    throttled = int(re.search(r"([\d,]+) throttled \(429\)", run.stdout).group(1).replace(",", ""))
    assert throttled <= 300 * 0.02, run.stdout
    summary = json.loads((tmp_path / "data" / "results" / "claims.summary.json").read_text())
    assert summary["counts"]["succeeded"] == 300


def test_results_of_a_rerun_replace_the_previous_ones(tmp_path):
    data, source = tmp_path / "data", tmp_path / "claims.csv"
    source.write_text(claims_csv(3))
    assert claimbatch("run", source, "--data-dir", data, *FAST).code == 0
    source.write_text(claims_csv(2, prefix="NF"))

    run = claimbatch("run", source, "--data-dir", data, *FAST)

    rows = read_results(data / "results" / "claims.results.csv")
    assert run.code == 0 and [row["error"] for row in rows] == ["Claim not found"] * 2


def test_ctrl_c_cancels_the_job_with_one_line(tmp_path):
    data, source = tmp_path / "data", tmp_path / "claims.csv"
    source.write_text(claims_csv(2_000))
    jobs = JobsTable(data)
    with subprocess.Popen(
        [*COMMAND, "run", str(source), "--data-dir", str(data), "--sim-latency-ms", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_env(),
    ) as running:
        try:
            wait_until(lambda: any(int(job["done"]) > 0 for job in jobs.rows()), 30, "rows to be done")
            running.send_signal(signal.SIGINT)
            stdout, stderr = running.communicate(timeout=15)
        finally:
            running.kill()

    assert running.returncode == 130
    assert stderr.strip() == "interrupted: the job is cancelled"
    assert "Traceback" not in stdout + stderr
    assert [job["state"] for job in jobs.rows()] == ["CANCELLED"]


def test_a_claim_of_another_patient_fails_and_nothing_of_it_is_kept(tmp_path):
    """A row whose claim number belongs to someone else: success False, the mismatch
    error, empty status, name and amounts, and none of the other patient's data in
    the results, the job store or the log."""
    from claimbatch.simulator.members import claim_member

    other_patients_claim = "MM00000042"
    source = tmp_path / "claims.csv"
    source.write_text(f"{HEADER}\nZE59426195,JOHN,DOE,01/01/1980,123456789\n{member_line(other_patients_claim)}\n")
    data = tmp_path / "data"

    run = claimbatch("run", source, "--data-dir", data, *FAST)

    assert run.code == 0, run.output
    rows = read_results(data / "results" / "claims.results.csv")
    assert [row["success"] for row in rows] == ["False", "False"]
    for row in rows:
        assert row["error"] == "claim belongs to a different patient (member does not match)"
        assert row["status"] == row["patient_name"] == row["total_charged"] == row["total_paid"] == ""
        assert row["processed_date"] == row["status_category"] == row["payment_number"] == ""
    holder = claim_member(other_patients_claim)
    others = ("CHANTAL", "KISA", "057896633", "720.00", "351.00", "EFT0001234", holder.first_name, holder.last_name)
    kept = b"".join(path.read_bytes() for path in data.rglob("*") if path.is_file())
    for value in others:
        assert value.encode() not in kept, value
        assert value not in run.output
