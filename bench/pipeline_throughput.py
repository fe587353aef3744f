"""Benchmark 2: rows through the embedded runtime, end to end, until the results file is written.

`--mode in-process`: the claims provider is InProcessSimulatedProvider, the
simulator's answers mapped by the client's code, with no HTTP and no latency.
`--mode http`: the real OptumClaimsClient over loopback HTTP to the simulator,
which runs in a process of its own (a remote payer's CPU is not ours).
`--mode idle`: the same process with the runtime started and stopped on no job,
the memory baseline.
In every mode the provider runs where `claimbatch run` runs it: in the runtime's
lookup process (runtime/lookup_process.py), made there from its factory.

The baseline of the speed is csv.reader iterating the same file, in the same
process, just before the run. Peak RSS is the runtime's: this process's peak
plus its lookup process's (a sum of peaks, so never less than the true peak).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.child import (
    OUT_DIR,
    external_simulator,
    arguments,
    csv_reader_rows_per_s,
    link_or_copy,
    logs_to_file,
    peak_rss_mb,
    progress,
    write_result,
)
from bench.inputs import claims_file

PROGRESS_EVERY_S = 15.0


class Phases:
    """When the split finished (total known), the rows were done, the job completed; prints progress."""

    def __init__(self, started: float, rows: int, observe: Callable[[float, Any], None] | None = None) -> None:
        self.started = started
        self.rows = rows
        self._observe = observe
        self.split_done_s: float | None = None
        self.rows_done_s: float | None = None
        self._printed = started

    def __call__(self, job: Any) -> None:
        now = time.perf_counter()
        elapsed = now - self.started
        if self._observe is not None:
            self._observe(elapsed, job)
        if self.split_done_s is None and job.counts.total is not None:
            self.split_done_s = elapsed
        if self.rows_done_s is None and job.counts.done >= self.rows:
            self.rows_done_s = elapsed
        if now - self._printed >= PROGRESS_EVERY_S:
            self._printed = now
            progress(
                f"  {elapsed:6.0f} s: {job.counts.done:,}/{self.rows:,} rows done "
                f"({job.counts.done / elapsed:,.0f} rows/s), {job.state.value}"
            )


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return lines


async def run_pipeline(
    source: Path, work: Path, provider: Any, concurrency: int, observe: Callable[[float, Any], None] | None = None
) -> dict[str, Any]:
    """One job through the embedded runtime; `observe(elapsed_s, job)` is called about every 0.25 s."""
    from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings

    key = "inbox/bench/claims.csv"
    link_or_copy(source, work / key)
    settings = EmbeddedSettings(data_dir=work, concurrency=concurrency)
    async with EmbeddedRuntime(settings, provider) as runtime:
        job = runtime.create_job(key, "1", source.stat().st_size)
        assert job is not None
        rows = sum(1 for _ in source.open("rb")) - 1
        started, cpu_started = time.perf_counter(), time.process_time()
        phases = Phases(started, rows, observe)
        finished = await runtime.run_job(job.job_id, on_progress=phases)
        elapsed = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
        results = runtime.objects.path_of(finished.results_key)
    assert finished.state.value == "COMPLETED", finished.state
    lines = _count_lines(results)
    assert finished.counts.total == rows and lines == rows + 1, (finished.counts, lines)
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "cpu_s": cpu_s,
        "split_done_s": phases.split_done_s,
        "rows_done_s": phases.rows_done_s,
        "aggregation_s": elapsed - phases.rows_done_s if phases.rows_done_s is not None else None,
        "counts": finished.counts.model_dump(),
        "results_lines": lines,
        "workers": runtime.worker_count,
        "provider_stats": vars(provider.stats),
        "lookup_process_peak_rss_mb": getattr(provider, "peak_rss_mb", 0.0),
        "lookup_process_cpu_s": getattr(provider, "cpu_s", 0.0),
    }


def main() -> None:
    args = arguments(__doc__ or "", rows=(int, 1_000_000), mode=(str, "in-process"), concurrency=(int, 16))
    work = OUT_DIR / f"pipeline-{args.mode}-{args.rows}"
    shutil.rmtree(work, ignore_errors=True)
    logs_to_file(work / "claimbatch.log")

    from claimbatch.claims.optum_client import OptumClaimsClient
    from claimbatch.claims.settings import ClaimsApiSettings
    from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
    from claimbatch.runtime.lookup_process import LookupProcess
    from claimbatch.simulator.in_process_provider import InProcessSimulatedProvider
    from claimbatch.simulator.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    if args.mode == "idle":
        lookups = LookupProcess(InProcessSimulatedProvider)

        async def idle() -> None:
            async with EmbeddedRuntime(EmbeddedSettings(data_dir=work), lookups):
                await asyncio.sleep(0.5)

        asyncio.run(idle())
        idle_mb = peak_rss_mb() + lookups.peak_rss_mb
        write_result(
            args.result,
            {"idle_rss_mb": idle_mb, "lookup_process_peak_rss_mb": lookups.peak_rss_mb},
            extra_rss_mb=lookups.peak_rss_mb,
        )
        return

    source = claims_file(args.rows)
    progress(f"  csv.reader baseline on {source.name} …")
    _, baseline = csv_reader_rows_per_s(source)
    progress(f"  csv.reader: {baseline:,.0f} rows/s; {args.mode} pipeline on {args.rows:,} rows …")
    simulator_stats: dict[str, Any] | None = None
    if args.mode == "in-process":
        lookups = LookupProcess(InProcessSimulatedProvider)
        figures = asyncio.run(run_pipeline(source, work, lookups, args.concurrency))
    elif args.mode == "http":
        with external_simulator() as simulator:
            client = LookupProcess(partial(OptumClaimsClient,
                ClaimsApiSettings(
                    base_url=simulator.base_url,
                    client_id=DEFAULT_CLIENT_ID,
                    client_secret=DEFAULT_CLIENT_SECRET,
                    provider_tin="123456789",
                    max_in_flight=args.concurrency,
                )
            ))
            figures = asyncio.run(run_pipeline(source, work, client, args.concurrency))
            simulator_stats = simulator.stats()
    else:
        raise SystemExit(f"unknown mode {args.mode}")
    runtime_rss_mb = peak_rss_mb() + figures["lookup_process_peak_rss_mb"]
    progress(f"  {figures['rows_per_s']:,.0f} rows/s ({figures['seconds']:.1f} s), peak RSS {runtime_rss_mb:.0f} MB")
    shutil.rmtree(work, ignore_errors=True)
    write_result(
        args.result,
        {
            **figures,
            "mode": args.mode,
            "concurrency": args.concurrency,
            "csv_reader_rows_per_s": baseline,
            "ratio_vs_csv_reader": figures["rows_per_s"] / baseline,
            "simulator_stats": simulator_stats,
        },
        extra_rss_mb=figures["lookup_process_peak_rss_mb"],
    )


if __name__ == "__main__":
    main()
