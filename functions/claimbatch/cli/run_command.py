"""`claimbatch run FILE.csv`: one file through the embedded runtime."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from claimbatch.cli.claims_api_config import ConfigurationError, claims_api, lookup_process
from claimbatch.cli.data_dir import default_data_dir, log_to_file
from claimbatch.cli.notification_config import local_notifier, smtp_settings
from claimbatch.cli.run_notifications import NotifyOptionError, notify_channels, report_notifications
from claimbatch.cli.shared_options import DataDirOption, LookupConcurrency
from claimbatch.cli.simulator_options import (
    SimErrorRate,
    SimLatencyMs,
    SimOutageAfterS,
    SimOutageForS,
    SimRateLimit,
    simulator_knobs,
)
from claimbatch.domain.job import INBOX_PREFIX, Job, JobState, job_results_key
from claimbatch.domain.notification_settings import Channel
from claimbatch.observability import logger
from claimbatch.runtime.embedded import DB_NAME, EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.inbox_watcher import ReadyFile, version_of

EXIT_FILE_ERROR = 2
EXIT_SYSTEM_FAILURE = 1
EXIT_INTERRUPTED = 130
PLAIN_PROGRESS_EVERY_S = 2.0

# soft_wrap: a line is never folded at 80 columns when the output is not a terminal.
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class FileLevelError(Exception):
    """The input file cannot be a job at all: one sentence for the user, exit code 2."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM while the job ran; the job has been cancelled."""


def _say_error(message: str) -> None:
    errors.print(f"error: {message}", markup=False)


class _ProgressReport:
    """A progress bar on a terminal; otherwise a plain line every few seconds, none for a short run."""

    def __init__(self, interactive: bool) -> None:
        self._interactive = interactive
        self._started = time.monotonic()
        self._last_line = self._started
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
        now = time.monotonic()
        done, total = job.counts.done, job.counts.total
        rate = f"{done / max(now - self._started, 1e-6):,.0f}"
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, rate=rate)
        elif not job.state.is_terminal and now - self._last_line >= PLAIN_PROGRESS_EVERY_S:
            self._last_line = now
            of_total = f"/{total:,}" if total is not None else ""
            console.print(f"progress: {done:,}{of_total} rows, {rate} rows/s, {job.state.value.lower()}", markup=False)


def _print_summary(job: Job, runtime: EmbeddedRuntime, elapsed: float, out: Path | None) -> None:
    """Counts and where things are; never a row's values."""
    counts, stats = job.counts, runtime.provider.stats
    lines = [
        f"job {job.job_id}: {job.state.value} in {elapsed:.1f} s",
        f"  rows: {counts.total or 0:,} total, {counts.succeeded:,} succeeded, {counts.not_found:,} not found, "
        f"{counts.invalid:,} invalid, {counts.failed:,} failed",
        f"  claims API: {stats.requests:,} requests, {stats.retries:,} retries, {stats.throttled:,} throttled (429)",
        f"  results: {runtime.objects.location('', job.results_key)}",
        f"  summary: {runtime.objects.location('', job.summary_key)}",
    ]
    if out is not None:
        lines.append(f"  copied to: {out}")
    for line in lines:
        console.print(line, markup=False)


def _check_input(file: Path) -> None:
    """FileLevelError, saying in one sentence why, when the input cannot be read."""
    if not file.exists():
        raise FileLevelError(f"no such file: {file}")
    if not file.is_file():
        raise FileLevelError(f"not a file: {file}")
    try:
        with file.open("rb"):
            pass
        size = file.stat().st_size
    except OSError as error:
        raise FileLevelError(f"cannot read {file}: {error.strerror or type(error).__name__}") from None
    if size == 0:
        raise FileLevelError("empty file")


def _stage_input(file: Path, runtime: EmbeddedRuntime) -> ReadyFile:
    """Copy the input into DATA/inbox/ under its own name, as `serve` would find it there.

    The copy is made under a name `serve` leaves alone, then renamed; its version is the one
    `serve`'s watcher gives it, so a `serve` on the same data folder sees a file that already
    has a job and does not run it a second time. Each copy is a new version: running the
    same file again is a new job, whose results replace the old ones."""
    key = f"{INBOX_PREFIX}{file.name}"
    target = runtime.objects.path_of(key)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.copyfile(file, staging)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise FileLevelError(f"cannot read {file}: {error.strerror or type(error).__name__}") from None
    now_ns = time.time_ns()  # finer than the file system's clock: two copies never share a version
    os.utime(staging, ns=(now_ns, now_ns))
    os.replace(staging, target)
    stat = target.stat()
    return ReadyFile(key=key, version=version_of(stat.st_size, stat.st_mtime_ns), size=stat.st_size)


async def _wait_for_job(runtime: EmbeddedRuntime, job_id: str, progress: _ProgressReport) -> Job:
    """The finished job; on Ctrl-C or SIGTERM the job is cancelled and Interrupted raised."""
    loop = asyncio.get_running_loop()
    waiting = asyncio.ensure_future(runtime.run_job(job_id, on_progress=progress.update))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, waiting.cancel)
    try:
        return await waiting
    except asyncio.CancelledError:
        runtime.cancel_job(job_id)
        raise Interrupted from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _run(
    file: Path, out: Path | None, settings: EmbeddedSettings, knobs: dict[str, object], notify: list[Channel]
) -> int:
    with claims_api(settings.concurrency, **knobs) as (api_settings, _simulator):
        settings = dataclasses.replace(settings, concurrency=api_settings.max_in_flight)
        notifier = local_notifier(settings.data_dir / DB_NAME, notify)
        async with EmbeddedRuntime(settings, lookup_process(api_settings), notifier) as runtime:
            staged = await asyncio.to_thread(_stage_input, file, runtime)
            job = runtime.create_new_job(staged.key, staged.version, staged.size, any_name=True)
            assert job is not None, "a fresh copy always makes a new job"
            started = time.monotonic()
            with _ProgressReport(sys.stdout.isatty()) as progress:
                job = await _wait_for_job(runtime, job.job_id, progress)
            await report_notifications(runtime, job, console)
        if job.state is JobState.FAILED:
            raise FileLevelError(job.error or "the job failed")
        if out is not None:
            try:
                shutil.copyfile(runtime.objects.path_of(job_results_key(job)), out)
            except OSError as error:
                _print_summary(job, runtime, time.monotonic() - started, None)
                _say_error(f"cannot write {out}: {error.strerror or type(error).__name__}")
                return EXIT_SYSTEM_FAILURE
        _print_summary(job, runtime, time.monotonic() - started, out)
        return 0 if job.state is JobState.COMPLETED else EXIT_SYSTEM_FAILURE


def run(
    file: Annotated[Path, typer.Argument(help="The CSV file of claims to look up.", metavar="FILE")],
    out: Annotated[Path | None, typer.Option("--out", help="Also copy the results CSV to this file.")] = None,
    data_dir: DataDirOption = None,
    concurrency: LookupConcurrency = None,
    sim_latency_ms: SimLatencyMs = None,
    sim_rate_limit: SimRateLimit = None,
    sim_error_rate: SimErrorRate = None,
    sim_outage_after_s: SimOutageAfterS = None,
    sim_outage_for_s: SimOutageForS = None,
    notify_url: Annotated[
        str | None, typer.Option(help="POST a signed job.completed/failed/cancelled webhook here when the job ends.")
    ] = None,
    notify_secret: Annotated[
        str | None, typer.Option(help="The webhook's signing secret (whsec_…), as the receiver knows it.")
    ] = None,
    notify_email: Annotated[
        str | None, typer.Option(help="Email this address when the job ends (SMTP from CLAIMBATCH_SMTP_HOST…).")
    ] = None,
) -> None:
    """Look up every claim of FILE through the embedded runtime and write the results CSV.

    The results go to DATA/results/<name>.results.csv, with <name>.summary.json beside
    them; the JSON log to DATA/claimbatch.log. Without a configured claims API (see the
    README) a built-in simulator answers.

    Exit codes: 0 the job completed (row errors included); 2 a file-level error; 1 a system failure.
    """
    directory = (data_dir or default_data_dir()).expanduser().resolve()
    knobs = simulator_knobs(
        latency_ms=sim_latency_ms,
        rate_limit=sim_rate_limit,
        error_rate=sim_error_rate,
        outage_after_s=sim_outage_after_s,
        outage_for_s=sim_outage_for_s,
    )
    try:
        _check_input(file)
        notify = notify_channels(notify_url, notify_secret, notify_email, smtp_settings() is not None)
    except (FileLevelError, NotifyOptionError, ConfigurationError) as error:
        _say_error(str(error))
        raise typer.Exit(EXIT_FILE_ERROR) from None
    try:
        (directory / INBOX_PREFIX).mkdir(parents=True, exist_ok=True)
        log_to_file(directory)
    except OSError as error:
        _say_error(f"cannot use the data folder {directory}: {error.strerror or type(error).__name__}")
        raise typer.Exit(EXIT_SYSTEM_FAILURE) from None
    settings = EmbeddedSettings(data_dir=directory, concurrency=concurrency)
    try:
        code = asyncio.run(_run(file, out, settings, knobs, notify))
    except FileLevelError as error:
        _say_error(str(error))
        code = EXIT_FILE_ERROR
    except ConfigurationError as error:
        _say_error(str(error))
        code = EXIT_SYSTEM_FAILURE
    except (Interrupted, KeyboardInterrupt):
        errors.print("interrupted: the job is cancelled", markup=False)
        code = EXIT_INTERRUPTED
    except Exception as error:  # the one place that turns any failure into a line, not a traceback
        _say_error(f"{type(error).__name__}: the run failed; details in {directory / 'claimbatch.log'}")
        logger.exception("run failed")
        code = EXIT_SYSTEM_FAILURE
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
