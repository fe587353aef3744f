"""`claimbatch serve`: a long-running local service that watches an inbox folder."""

from __future__ import annotations

import asyncio
import dataclasses
import contextlib
import errno
import fcntl
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimbatch.cli.claims_api_config import ConfigurationError, claims_api, lookup_process
from claimbatch.cli.data_dir import default_data_dir, log_to_file
from claimbatch.cli.notification_config import local_notifier
from claimbatch.cli.shared_options import DataDirOption, LookupConcurrency
from claimbatch.cli.simulator_options import (
    SimErrorRate,
    SimLatencyMs,
    SimRateLimit,
    simulator_knobs,
)
from claimbatch.domain.job import INBOX_PREFIX, RESULTS_PREFIX, Job
from claimbatch.observability import logger
from claimbatch.runtime.api_server import JobApiUnavailable, RunningJobApi, api_token_problem, serve_job_api
from claimbatch.runtime.embedded import DB_NAME, EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.inbox_watcher import InboxWatcher, ReadyFile
from claimbatch.runtime.sftp import SftpUnavailable, inbox_jobs_of, serve_sftp
from claimbatch.runtime.shown_names import shown_name

LOCK_FILE = "serve.lock"

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
_reports: set[asyncio.Task[None]] = set()  # keeps the "job finished" printers alive


class AlreadyServing(Exception):
    """Another `claimbatch serve` uses this data folder."""


@contextmanager
def _only_service_on(data_dir: Path) -> Iterator[None]:
    """One service per data folder: two would both pick up every file."""
    with (data_dir / LOCK_FILE).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyServing from None
        yield  # the lock goes with the process, however it ends


def _report_when_finished(runtime: EmbeddedRuntime, job: Job, finished: asyncio.Event) -> None:
    async def report() -> None:
        await finished.wait()
        done = runtime.store.get_job(job.job_id)
        if done is None:
            return
        counts = done.counts
        line = f"job {done.job_id} ({shown_name(done.source.key)}): {done.state.value}"
        if done.error:
            line += f": {done.error}"
        else:
            line += (
                f", {counts.total or 0:,} rows: {counts.succeeded:,} succeeded, {counts.not_found:,} not found, "
                f"{counts.invalid:,} invalid, {counts.failed:,} failed → {shown_name(done.results_key)}"
            )
        console.print(line, markup=False)

    task = asyncio.create_task(report())
    _reports.add(task)
    task.add_done_callback(_reports.discard)


async def _pick_up(runtime: EmbeddedRuntime, ready: ReadyFile) -> None:
    # Only a job made here is run here: an existing one is finished already, resumed
    # at start, or being run by `claimbatch run` on the same data folder.
    job = runtime.create_new_job(ready.key, ready.version, ready.size)
    if job is not None:
        console.print(f"picked up {shown_name(ready.key)}: job {job.job_id}", markup=False)
        _report_when_finished(runtime, job, await runtime.submit(job.job_id))


def _print_skip(key: str, reason: str) -> None:
    console.print(f"skipped {shown_name(key)}: {reason}", markup=False)


async def serve_inbox(runtime: EmbeddedRuntime, watcher: InboxWatcher, poll_s: float, stop: asyncio.Event) -> None:
    """Resume what a previous run left unfinished, then turn every ready inbox file into a job."""
    for job in runtime.unfinished_jobs():
        logger.info("resuming job", extra={"job_id": job.job_id})
        console.print(f"resuming job {job.job_id} ({shown_name(job.source.key)})", markup=False)
        _report_when_finished(runtime, job, await runtime.submit(job.job_id))
    while not stop.is_set():
        for ready in await asyncio.to_thread(watcher.poll):
            try:
                await _pick_up(runtime, ready)
            except Exception as error:  # one file's trouble never ends the service
                logger.exception("inbox file failed", extra={"error_type": type(error).__name__})
                if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
                    watcher.retry_later(ready)  # short of descriptors for now, not a bad file
                    continue
                console.print(f"failed to pick up {shown_name(ready.key)}: {type(error).__name__}", markup=False)
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_s)
        except TimeoutError:
            pass


@dataclass(frozen=True)
class JobApiOptions:
    host: str = "127.0.0.1"
    port: int | None = None  # None: no job API
    token: str | None = None


@dataclass(frozen=True)
class SftpOptions:
    host: str = "127.0.0.1"
    port: int | None = None  # None: no SFTP server


@contextlib.asynccontextmanager
async def _job_api(runtime: EmbeddedRuntime, options: JobApiOptions) -> AsyncIterator[RunningJobApi | None]:
    if options.port is None:
        yield None
        return
    async with serve_job_api(runtime, options.host, options.port, options.token) as api:
        if runtime.notifier is not None:
            runtime.notifier.set_api_base_url(api.base_url)  # the links in notifications
        access = "Authorization: Bearer <--api-token>" if options.token else "no token: loopback only"
        console.print(f"job API at {api.base_url} ({access}); docs at {api.base_url}/docs", markup=False)
        console.print(f"web page at {api.base_url}/", markup=False)
        yield api


@contextlib.asynccontextmanager
async def _sftp(runtime: EmbeddedRuntime, options: SftpOptions) -> AsyncIterator[None]:
    if options.port is None:
        yield
        return
    data_dir = runtime.settings.data_dir
    async with serve_sftp(data_dir, options.host, options.port, inbox_jobs_of(runtime)) as sftp:
        console.print(
            f"SFTP at sftp://{sftp.host}:{sftp.port} (host key {sftp.fingerprint}; "
            f"a tenant's keys in {data_dir / 'sftp' / '<tenant>' / 'authorized_keys'})",
            markup=False,
        )
        yield


async def _serve(
    settings: EmbeddedSettings,
    poll_s: float,
    settle_s: float,
    knobs: dict[str, object],
    api: JobApiOptions,
    sftp: SftpOptions = SftpOptions(),
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with claims_api(settings.concurrency, **knobs) as (api_settings, simulator):
        settings = dataclasses.replace(settings, concurrency=api_settings.max_in_flight)
        if simulator is not None:
            console.print(f"claims API: built-in simulator at {simulator.base_url}", markup=False)
        notifier = local_notifier(settings.data_dir / DB_NAME)
        email = "email through SMTP" if notifier.context.senders.email else "no email (CLAIMBATCH_SMTP_HOST is not set)"
        console.print(f"notifications: webhooks, {email}", markup=False)
        async with (
            EmbeddedRuntime(settings, lookup_process(api_settings), notifier) as runtime,
            _job_api(runtime, api),
            _sftp(runtime, sftp),
        ):
            console.print(
                f"watching {settings.data_dir / INBOX_PREFIX} → results in {settings.data_dir / RESULTS_PREFIX}"
                " (Ctrl-C to stop)",
                markup=False,
            )
            await serve_inbox(runtime, InboxWatcher(settings.data_dir, settle_s, on_skip=_print_skip), poll_s, stop)
            console.print("stopping…", markup=False)
    console.print("stopped; unfinished jobs resume on the next start", markup=False)


def serve(
    data_dir: DataDirOption = None,
    concurrency: LookupConcurrency = None,
    poll_s: Annotated[float, typer.Option(min=0.01, help="How often the inbox is scanned (seconds).")] = 0.2,
    settle_s: Annotated[
        float, typer.Option(min=0, help="A file is picked up once unchanged this long (seconds).")
    ] = 0.5,
    row_patience_s: Annotated[
        float,
        typer.Option(
            min=0,
            help="How long a row may keep failing transiently (claims API down, throttled) before it is written"
            " as failed and retryable (seconds).",
        ),
    ] = EmbeddedSettings.row_patience_s,
    sim_latency_ms: SimLatencyMs = None,
    sim_rate_limit: SimRateLimit = None,
    sim_error_rate: SimErrorRate = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Serve the job API on this port (0: any free one). See README, Job API."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address the job API listens on.")] = "127.0.0.1",
    api_token: Annotated[
        str | None,
        typer.Option(
            "--api-token",
            envvar="CLAIMBATCH_API_TOKEN",
            help="Bearer token the job API requires (its tenant: 'default'). Without one, only loopback is served.",
            show_default=False,
        ),
    ] = None,
    sftp_port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Serve SFTP on this port (0: any free one). See README, SFTP."),
    ] = None,
    sftp_host: Annotated[str, typer.Option(help="Address the SFTP server listens on.")] = "127.0.0.1",
) -> None:
    """Watch DATA/inbox/ and write each CSV's results under DATA/results/, as the bucket does.

    Drop (or copy) a .csv file into DATA/inbox/<path>/; its results appear as
    DATA/results/<path>/<name>.results.csv with <name>.summary.json (another name
    than *.csv: <name>-results.csv). A file is
    picked up once it is complete (unchanged for --settle-s, and no longer open
    for writing); names starting with '.' or ending in .tmp, .part, .filepart,
    .partial or ~ are left alone, so copy under such a name and rename when done.
    Dropping the same name again with new content is a new job whose results
    replace the old ones. Stop with Ctrl-C (or SIGTERM); unfinished jobs resume
    on the next start, every row exactly once. The JSON log is DATA/claimbatch.log.

    With --port, it also serves the job API (POST /jobs, GET /jobs/{id}, …; docs at /docs),
    requiring `Authorization: Bearer <--api-token>` when a token is set, and the web page
    for billing staff at / (it asks for the token).

    With --sftp-port, it also serves SFTP: user <tenant> logs in with a key listed in
    DATA/sftp/<tenant>/authorized_keys and sees /inbox (upload) and /results (download).

    When a job ends, the webhooks and emails set with PUT /notifications are told
    (Standard Webhooks, signed; email through CLAIMBATCH_SMTP_HOST/_PORT/_FROM/
    _USERNAME/_PASSWORD/_STARTTLS). Undelivered ones are retried for about a day,
    across restarts.
    """
    if api_token is not None and (problem := api_token_problem(api_token)) is not None:
        errors.print(f"error: {problem}", markup=False)
        raise typer.Exit(2)
    directory = (data_dir or default_data_dir()).expanduser().resolve()
    try:
        (directory / INBOX_PREFIX).mkdir(parents=True, exist_ok=True)
        log_to_file(directory)
    except OSError as error:
        errors.print(f"error: cannot use the data folder {directory}: {error.strerror}", markup=False)
        raise typer.Exit(1) from None
    settings = EmbeddedSettings(data_dir=directory, concurrency=concurrency, row_patience_s=row_patience_s)
    knobs = simulator_knobs(latency_ms=sim_latency_ms, rate_limit=sim_rate_limit, error_rate=sim_error_rate)
    try:
        with _only_service_on(directory):
            api = JobApiOptions(host, port, api_token)
            asyncio.run(_serve(settings, poll_s, settle_s, knobs, api, SftpOptions(sftp_host, sftp_port)))
    except AlreadyServing:
        errors.print(f"error: another claimbatch serve is already using {directory}", markup=False)
        raise typer.Exit(1) from None
    except (ConfigurationError, JobApiUnavailable, SftpUnavailable) as error:
        errors.print(f"error: {error}", markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # Ctrl-C before the service had set up its own handling
        errors.print("stopped", markup=False)
        raise typer.Exit(130) from None
    except Exception as error:
        errors.print(
            f"error: {type(error).__name__}: serve stopped; details in {directory / 'claimbatch.log'}", markup=False
        )
        logger.exception("serve failed")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
