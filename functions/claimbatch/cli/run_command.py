"""`claimbatch run FILE.csv`: one file through the embedded runtime."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.cli.claims_api_config import ConfigurationError, claims_api
from claimbatch.cli.data_dir import DATA_DIR_HELP, default_data_dir, log_to_file
from claimbatch.domain.job import INBOX_PREFIX, Job, JobState
from claimbatch.observability import logger
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings

EXIT_FILE_ERROR = 2
EXIT_SYSTEM_FAILURE = 1

console = Console(stderr=False, highlight=False)


class _ProgressReport:
    """A progress bar on a terminal; plain lines every few seconds otherwise."""

    def __init__(self, interactive: bool) -> None:
        self._interactive = interactive
        self._started = time.monotonic()
        self._last_line = 0.0
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> _ProgressReport:
        if self._interactive:
            self._bar = Progress(
                TextColumn("[bold]rows"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>8} rows/s"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("rows", total=None, rate="-")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)

    def update(self, job: Job) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        done, total = job.counts.done, job.counts.total
        rate = f"{done / elapsed:,.0f}"
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, rate=rate)
        elif time.monotonic() - self._last_line >= 2:
            self._last_line = time.monotonic()
            of_total = f"/{total:,}" if total is not None else ""
            print(f"progress: {done:,}{of_total} rows, {rate} rows/s, state {job.state.value}", flush=True)


def _print_summary(job: Job, runtime: EmbeddedRuntime, elapsed: float, out: Path | None) -> None:
    counts, stats = job.counts, runtime.provider.stats
    console.print(f"job {job.job_id}: {job.state.value} in {elapsed:.1f} s")
    console.print(
        f"  rows: {counts.total or 0:,} total, {counts.succeeded:,} succeeded, {counts.not_found:,} not found, "
        f"{counts.invalid:,} invalid, {counts.failed:,} failed"
    )
    console.print(
        f"  claims API: {stats.requests:,} requests, {stats.retries:,} retries, {stats.throttled:,} throttled (429)"
    )
    console.print(f"  results: {runtime.objects.location('', job.results_key)}", soft_wrap=True)
    console.print(f"  summary: {runtime.objects.location('', job.summary_key)}", soft_wrap=True)
    if out is not None:
        console.print(f"  copied to: {out}", soft_wrap=True)


async def _run(file: Path, out: Path | None, settings: EmbeddedSettings, knobs: dict[str, object]) -> int:
    with claims_api(settings.concurrency, **knobs) as (api_settings, _simulator):
        runtime = EmbeddedRuntime(settings, OptumClaimsClient(api_settings))
        key = f"{INBOX_PREFIX}{file.name}"
        await asyncio.to_thread(shutil.copyfile, file, runtime.objects.path_of(key))
        job = runtime.create_job(key, version=f"run-{uuid.uuid4().hex}", size=file.stat().st_size)
        assert job is not None
        started = time.monotonic()
        async with runtime:
            with _ProgressReport(sys.stdout.isatty()) as progress:
                job = await runtime.run_job(job.job_id, on_progress=progress.update)
        if job.state is JobState.FAILED:
            console.print(f"error: {job.error}", soft_wrap=True)
            return EXIT_FILE_ERROR
        if out is not None:
            shutil.copyfile(runtime.objects.path_of(job.results_key), out)
        _print_summary(job, runtime, time.monotonic() - started, out)
        return 0 if job.state is JobState.COMPLETED else EXIT_SYSTEM_FAILURE


def run(
    file: Annotated[Path, typer.Argument(help="The CSV file of claims to look up.")],
    out: Annotated[Path | None, typer.Option("--out", help="Also copy the results CSV to this file.")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Claims API lookups in flight at once.")] = 16,
    sim_latency_ms: Annotated[float | None, typer.Option(help="Built-in simulator: mean latency (ms).")] = None,
    sim_rate_limit: Annotated[float | None, typer.Option(help="Built-in simulator: requests per second.")] = None,
    sim_error_rate: Annotated[float | None, typer.Option(help="Built-in simulator: share of 503 answers.")] = None,
) -> None:
    """Look up every claim of FILE through the embedded runtime and write the results CSV.

    Exit codes: 0 the job completed (row errors included); 2 a file-level error; 1 a system failure.
    """
    if not file.is_file():
        console.print(f"error: no such file: {file}", soft_wrap=True)
        raise typer.Exit(EXIT_FILE_ERROR)
    if file.stat().st_size == 0:
        console.print("error: empty file")
        raise typer.Exit(EXIT_FILE_ERROR)
    directory = (data_dir or default_data_dir()).expanduser().resolve()
    (directory / INBOX_PREFIX).mkdir(parents=True, exist_ok=True)
    log_to_file(directory)
    settings = EmbeddedSettings(data_dir=directory, concurrency=concurrency)
    knobs = {"latency_ms": sim_latency_ms, "rate_limit": sim_rate_limit, "error_rate": sim_error_rate}
    try:
        code = asyncio.run(_run(file, out, settings, knobs))
    except ConfigurationError as error:
        console.print(f"error: {error}", soft_wrap=True)
        code = EXIT_SYSTEM_FAILURE
    except KeyboardInterrupt:
        console.print("interrupted")
        code = 130
    except Exception as error:  # the one place that turns any failure into a line, not a traceback
        console.print(f"error: {type(error).__name__}: the run failed; details in {directory / 'claimbatch.log'}")
        logger.exception("run failed")
        code = EXIT_SYSTEM_FAILURE
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
