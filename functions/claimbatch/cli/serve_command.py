"""`claimbatch serve`: a long-running local service that watches an inbox folder."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.cli.claims_api_config import ConfigurationError, claims_api
from claimbatch.cli.data_dir import DATA_DIR_HELP, default_data_dir, log_to_file
from claimbatch.domain.job import INBOX_PREFIX, RESULTS_PREFIX, JobState
from claimbatch.observability import logger
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.inbox_watcher import InboxWatcher

console = Console(highlight=False)
UNFINISHED = [JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING]


async def serve_inbox(runtime: EmbeddedRuntime, watcher: InboxWatcher, poll_s: float, stop: asyncio.Event) -> None:
    """Resume what a previous run left unfinished, then turn every ready inbox file into a job."""
    for job in runtime.store.list_jobs(UNFINISHED):
        logger.info("resuming job", extra={"job_id": job.job_id})
        await runtime.submit(job.job_id)
    while not stop.is_set():
        for ready in await asyncio.to_thread(watcher.poll):
            job = runtime.create_job(ready.key, ready.version, ready.size)
            if job is not None and not job.state.is_terminal:
                await runtime.submit(job.job_id)
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_s)
        except TimeoutError:
            pass


async def _serve(settings: EmbeddedSettings, poll_s: float, settle_s: float, knobs: dict[str, object]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with claims_api(settings.concurrency, **knobs) as (api_settings, simulator):
        if simulator is not None:
            console.print(f"claims API: built-in simulator at {simulator.base_url}")
        async with EmbeddedRuntime(settings, OptumClaimsClient(api_settings)) as runtime:
            console.print(f"watching {settings.data_dir / INBOX_PREFIX} → results in {settings.data_dir / RESULTS_PREFIX}")
            await serve_inbox(runtime, InboxWatcher(settings.data_dir, settle_s), poll_s, stop)
    console.print("stopped; unfinished jobs resume on the next start")


def serve(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Claims API lookups in flight at once.")] = 16,
    poll_s: Annotated[float, typer.Option(help="How often the inbox is scanned (seconds).")] = 0.2,
    settle_s: Annotated[float, typer.Option(help="A file is picked up once unchanged this long (seconds).")] = 0.5,
    sim_latency_ms: Annotated[float | None, typer.Option(help="Built-in simulator: mean latency (ms).")] = None,
    sim_rate_limit: Annotated[float | None, typer.Option(help="Built-in simulator: requests per second.")] = None,
    sim_error_rate: Annotated[float | None, typer.Option(help="Built-in simulator: share of 503 answers.")] = None,
) -> None:
    """Watch DATA/inbox/ and write each CSV's results under DATA/results/, as the bucket does.

    Drop (or copy) a .csv file into DATA/inbox/<path>/; its results appear as
    DATA/results/<path>/<name>.results.csv with <name>.summary.json. Files still
    being written are picked up once complete. Stop with Ctrl-C; unfinished jobs
    resume on the next start, every row exactly once.
    """
    directory = (data_dir or default_data_dir()).expanduser().resolve()
    (directory / INBOX_PREFIX).mkdir(parents=True, exist_ok=True)
    log_to_file(directory)
    settings = EmbeddedSettings(data_dir=directory, concurrency=concurrency)
    knobs = {"latency_ms": sim_latency_ms, "rate_limit": sim_rate_limit, "error_rate": sim_error_rate}
    try:
        asyncio.run(_serve(settings, poll_s, settle_s, knobs))
    except ConfigurationError as error:
        console.print(f"error: {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    except Exception as error:
        console.print(f"error: {type(error).__name__}: serve stopped; details in {directory / 'claimbatch.log'}")
        logger.exception("serve failed")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
