"""What every benchmark process shares: arguments, progress lines, peak memory,
the csv.reader baseline, quiet logs, and a claims API simulator in its own process.

Each benchmark runs as `python -m bench.<name> --result FILE …` in a process of
its own (so its peak RSS is its own) and writes its figures to FILE as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from claimbatch.simulator.subprocess_runner import SimulatorProcess, start_simulator_process

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "bench" / "out"


def arguments(description: str, **extra: tuple[type, Any]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--result", type=Path, required=True, help="where to write the figures (JSON)")
    for name, (kind, default) in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    return parser.parse_args()


def progress(message: str) -> None:
    print(message, file=sys.__stdout__, flush=True)


def write_result(path: Path, figures: dict[str, Any], extra_rss_mb: float = 0.0) -> None:
    """`extra_rss_mb`: the peak of the run's other processes (a runtime's lookup process), added."""
    figures = {**figures, "peak_rss_mb": peak_rss_mb() + extra_rss_mb}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str))


def peak_rss_mb() -> float:
    """This process's peak resident set (all its threads), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def csv_reader_rows_per_s(path: Path) -> tuple[int, float]:
    """The baseline: Python's csv.reader merely iterating the file (header excluded)."""
    started = time.perf_counter()
    rows = -1
    with path.open(newline="", encoding="utf-8") as handle:
        for _ in csv.reader(handle):
            rows += 1
    return rows, rows / (time.perf_counter() - started)


def logs_to_file(path: Path, level: str = "INFO") -> None:
    """The package's JSON log lines go to `path`, as `claimbatch run` sends them to
    DATA/claimbatch.log: written, as in real use, but not printed."""
    from claimbatch.observability import logger

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(path.open("a", encoding="utf-8"))  # lives as long as the process
    logger.setLevel(level)


def link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        import shutil

        shutil.copyfile(source, target)


def external_simulator(
    latency_ms: float = 0.0, rate_limit: float | None = None, latency_p99_ms: float | None = None
) -> SimulatorProcess:
    """The simulator in a process of its own, as a remote payer would be: its CPU is not the
    pipeline's. The same launcher `claimbatch run` uses; stop it with `with`."""
    return start_simulator_process(latency_ms=latency_ms, rate_limit=rate_limit, latency_p99_ms=latency_p99_ms)
