"""`claimbatch serve` through its real command line: the inbox, and jobs that survive a restart."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.cli.serve_command import serve_inbox
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.inbox_watcher import InboxWatcher
from tests.e2e.cli_support import (
    EXAMPLE_FILE,
    JobsTable,
    ServeProcess,
    assert_no_phi,
    claimbatch,
    claims_csv,
    phi_values,
    read_results,
    read_summary,
    wait_until,
    write_slowly,
)
from tests.support.runtimes import simulator_client_settings

FAST = ("--sim-latency-ms", "0")


def test_help_says_how_to_use_the_inbox():
    help_ = claimbatch("serve", "--help")

    assert help_.code == 0
    assert "inbox" in help_.stdout and "results" in help_.stdout and "--data-dir" in help_.stdout


def _finished_job(jobs: JobsTable, key: str, at_least: int = 1) -> list[dict[str, object]]:
    found = jobs.for_key(key)
    return found if len(found) >= at_least and all(job["state"] == "COMPLETED" for job in found) else []


def test_the_inbox_turns_each_complete_file_into_one_job(tmp_path):
    data = tmp_path / "data"
    inbox, results = data / "inbox", data / "results"
    jobs = JobsTable(data)
    example = EXAMPLE_FILE.read_bytes()
    with ServeProcess(data, *FAST) as serve:
        # Given names that are not jobs, and a file that is copied in slowly
        for name in (".x.csv", "a.csv.part", "a.tmp"):
            (inbox / name).write_bytes(example)
        write_slowly(inbox / "acme" / "claims.csv", example, pause_s=0.5)
        (inbox / "acme" / "east").mkdir()
        (inbox / "acme" / "east" / "b.csv").write_text(claims_csv(3))

        # Then the slow file is processed once, complete
        (job,) = wait_until(lambda: _finished_job(jobs, "inbox/acme/claims.csv"), 30, "the slow file's job")
        assert job["total"] == job["done"] == 50
        lines = (results / "acme" / "claims.results.csv").read_text().splitlines()
        assert len(lines) == 51 and lines[1].startswith("1,ZE59426195,Finalized,CHANTAL KISA,")
        assert read_summary(results / "acme" / "claims.summary.json")["job_id"] == job["job_id"]
        # and a file in a subfolder lands in the same subfolder of results/
        wait_until(lambda: _finished_job(jobs, "inbox/acme/east/b.csv"), 30, "the subfolder file's job")
        assert len(read_results(results / "acme" / "east" / "b.results.csv")) == 3

        # When the same name is dropped again with new content
        (inbox / "acme" / "claims.csv").write_text(claims_csv(2, prefix="NF"))

        # Then it is a new job, whose results replace the old file
        first, second = wait_until(lambda: _finished_job(jobs, "inbox/acme/claims.csv", 2), 30, "the second job")
        rows = read_results(results / "acme" / "claims.results.csv")
        assert [row["error"] for row in rows] == ["Claim not found"] * 2
        newest = read_summary(results / "acme" / "claims.summary.json")
        assert newest["job_id"] != job["job_id"] and newest["job_id"] in {first["job_id"], second["job_id"]}
        assert newest["counts"]["total"] == 2
        assert serve.process.poll() is None
    # The hidden and partial names, there from the start, never became jobs
    assert sorted(job["key"] for job in jobs.rows()) == [
        "inbox/acme/claims.csv",
        "inbox/acme/claims.csv",
        "inbox/acme/east/b.csv",
    ]
    files = sorted(path.relative_to(results).as_posix() for path in results.rglob("*.*") if path.is_file())
    assert [name for name in files if "/.jobs/" not in name] == [
        "acme/claims.results.csv",
        "acme/claims.summary.json",
        "acme/east/b.results.csv",
        "acme/east/b.summary.json",
    ]
    # and each job's own copy of its results, which its results link serves
    assert sorted(name.rsplit("/", 1)[0] for name in files if "/.jobs/" in name) == [
        "acme/.jobs",
        "acme/.jobs",
        "acme/east/.jobs",
    ]
    assert "Traceback" not in serve.output
    phi = phi_values(EXAMPLE_FILE)
    assert_no_phi(serve.output, phi, "serve's output")
    assert_no_phi((data / "claimbatch.log").read_text(), phi, "claimbatch.log")


def test_one_service_per_data_folder_and_a_run_beside_it_is_not_run_twice(tmp_path):
    data = tmp_path / "data"
    jobs = JobsTable(data)
    single = tmp_path / "single.csv"
    single.write_text(claims_csv(4))
    with ServeProcess(data, *FAST) as serve:
        # When a second service is started on the same data folder
        rival = claimbatch("serve", "--data-dir", data, *FAST, timeout=30)
        # Then it refuses, in one line
        assert rival.code == 1 and rival.lines == [f"error: another claimbatch serve is already using {data}"]

        # When `claimbatch run` puts its file into the inbox the service watches
        assert claimbatch("run", single, "--data-dir", data, *FAST).code == 0
        time.sleep(0.6)  # longer than settle and poll: the service has seen the file
        assert serve.process.poll() is None

    # Then the file was one job, run once
    assert [(job["key"], job["state"]) for job in jobs.rows()] == [("inbox/single.csv", "COMPLETED")]
    assert "picked up" not in serve.stdout


ROWS = 2_000


def _drop_big_file(data: Path) -> str:
    (data / "inbox").mkdir(parents=True, exist_ok=True)
    staged = data / "inbox" / ".big.csv.tmp"  # written under a name that is not a job, then renamed
    staged.write_text(claims_csv(ROWS))
    staged.rename(data / "inbox" / "big.csv")
    return "inbox/big.csv"


def _progressed(jobs: JobsTable, key: str, at_least: int) -> dict[str, object] | None:
    found = jobs.for_key(key)
    return found[0] if found and int(found[0]["done"] or 0) >= at_least else None


def test_a_job_survives_a_stop_and_a_kill_and_counts_every_row_once(tmp_path):
    data = tmp_path / "data"
    jobs = JobsTable(data)
    slow = ("--sim-latency-ms", "50", "--concurrency", "8")
    # Given a service working through a big file against a slow API
    with ServeProcess(data, *slow) as first:
        key = _drop_big_file(data)
        wait_until(lambda: _progressed(jobs, key, 150), 30, "the job to make progress")

        # When it is stopped as a service manager stops it
        started = time.monotonic()
        code = first.stop(timeout=15)

    # Then it exits at once, cleanly, and says the job will resume
    assert code == 0 and time.monotonic() - started < 5, first.output
    assert "resume" in first.stdout and "Traceback" not in first.output
    before_kill = jobs.for_key(key)[0]
    assert before_kill["state"] != "COMPLETED"

    # When it is started again, makes more progress, and is killed outright
    with ServeProcess(data, *slow, log_name="second") as second:
        wait_until(lambda: _progressed(jobs, key, int(before_kill["done"]) + 150), 30, "more progress")
        second.kill()
    assert jobs.for_key(key)[0]["state"] != "COMPLETED"

    # Then a third start finishes the job
    with ServeProcess(data, *FAST, log_name="third") as third:
        wait_until(lambda: _finished_job(jobs, key), 60, "the resumed job to complete")
        assert third.stop() == 0
    assert "Traceback" not in second.output + third.output

    # with every row in the results exactly once, in order, and counted once
    (job,) = jobs.for_key(key)
    assert (job["total"], job["done"], job["succeeded"], job["failed"]) == (ROWS, ROWS, ROWS, 0)
    rows = read_results(data / "results" / "big.results.csv")
    assert [int(row["row"]) for row in rows] == list(range(1, ROWS + 1))
    assert [row["claim_number"] for row in rows] == [f"CB{n:08d}" for n in range(1, ROWS + 1)]
    assert all(row["success"] == "True" for row in rows), {row["error"] for row in rows}
    summary = read_summary(data / "results" / "big.summary.json")
    assert summary["counts"]["total"] == summary["counts"]["succeeded"] == ROWS


# -- the service's loop in-process, for what a subprocess would make slow -----------------------


def _serve_until(runtime: EmbeddedRuntime, data: Path, done: Callable[[], bool], timeout: float) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(serve_inbox(runtime, InboxWatcher(data, settle_s=0.05), 0.05, stop))
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    assert not serving.done(), serving.exception()
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(serving, 10)

    async def with_runtime() -> None:
        async with runtime:
            await scenario()

    asyncio.run(with_runtime())


def _runtime(data: Path, api_url: str) -> EmbeddedRuntime:
    settings = EmbeddedSettings(data_dir=data, concurrency=8, rows_per_message=2, redelivery_base_s=0.001)
    return EmbeddedRuntime(settings, OptumClaimsClient(simulator_client_settings(api_url)))


def test_many_files_dropped_at_once_all_complete(tmp_path, simulator):
    """More files than threads, each of more chunks than the queue holds: splitters wait
    for room in the queue, and the workers must still reach the job store meanwhile."""
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    names = [f"batch{n}" for n in range(10)]
    for n, name in enumerate(names):
        (data / "inbox" / f"{name}.csv").write_text(claims_csv(60, prefix=f"M{n}"))
    results = [data / "results" / f"{name}.results.csv" for name in names]

    _serve_until(_runtime(data, simulator.base_url), data, lambda: all(path.exists() for path in results), 60)

    for path in results:
        rows = read_results(path)
        assert len(rows) == 60 and all(row["success"] == "True" for row in rows)


def test_a_job_whose_input_is_gone_fails_with_a_summary(tmp_path, simulator):
    data = tmp_path / "data"
    source = data / "inbox" / "gone.csv"
    source.parent.mkdir(parents=True)
    source.write_text(claims_csv(5))
    # Given a job that a stopped service had accepted but not yet split
    first = _runtime(data, simulator.base_url)
    job = first.create_new_job("inbox/gone.csv", "v1", source.stat().st_size)
    assert job is not None
    asyncio.run(first.stop())
    # and its input removed while the service was down
    source.unlink()
    summary_path = data / "results" / "gone.summary.json"

    # When the service starts again
    _serve_until(_runtime(data, simulator.base_url), data, summary_path.exists, 30)

    # Then the job ends, failed, with one sentence saying why
    summary = read_summary(summary_path)
    assert summary["job_id"] == job.job_id and summary["status"] == "FAILED"
    assert summary["error"] == "cannot read the input file: No such file or directory"


def test_an_empty_or_blank_api_token_is_refused_at_start_in_one_sentence(tmp_path):
    for token in ("", "   ", "two words"):
        # When serve is started with a token nobody could sign in with
        done = claimbatch("serve", "--data-dir", tmp_path / "data", "--port", "0", "--api-token", token, timeout=30)

        # Then it refuses at once, saying why on one line
        assert done.code == 2, done.output
        assert len(done.lines) == 1 and done.lines[0].startswith("error: --api-token "), done.output
        assert "Traceback" not in done.output


def test_hostile_names_and_links_in_the_inbox_never_stop_serve_nor_cross_tenants(tmp_path):
    data = tmp_path / "data"
    inbox = data / "inbox"
    jobs = JobsTable(data)
    with ServeProcess(data, *FAST) as serve:
        # Given a name that is not UTF-8, a name with a newline, and a link to another tenant's file
        (inbox / "other").mkdir(parents=True)
        (inbox / "other" / "secret.csv").write_text(claims_csv(2))
        (inbox / "default").mkdir()
        with open(os.path.join(os.fsencode(inbox), b"bad\xff\xfename.csv"), "wb") as handle:
            handle.write(claims_csv(2).encode())
        (inbox / "new\nline.csv").write_text(claims_csv(3))
        (inbox / "default" / "steal.csv").symlink_to("../other/secret.csv")

        # Then the files that are jobs complete, and serve keeps running
        wait_until(lambda: _finished_job(jobs, "inbox/new\nline.csv"), 30, "the newline-named file's job")
        wait_until(lambda: _finished_job(jobs, "inbox/other/secret.csv"), 30, "the other tenant's own job")
        wait_until(lambda: "steal.csv" in serve.stdout and "bad\\xff" in serve.stdout, 10, "the skips reported")
        time.sleep(0.5)
        assert serve.process.poll() is None, serve.output
    # The link made no job, the undecodable name none either
    assert sorted(job["key"] for job in jobs.rows()) == ["inbox/new\nline.csv", "inbox/other/secret.csv"]
    # and on the console, names are escaped: one line per message
    stdout = serve.stdout
    assert "skipped inbox/bad\\xff\\xfename.csv: a name that is not valid UTF-8 (rename the file)" in stdout
    assert "skipped inbox/default/steal.csv: a symbolic link (never followed)" in stdout
    assert "picked up inbox/new\\nline.csv" in stdout
    assert all(not line.startswith("line.csv") for line in stdout.splitlines())
    log = (data / "claimbatch.log").read_text()
    assert all(line.startswith("{") for line in log.splitlines())
    assert "steal" not in log and "line.csv" not in log
