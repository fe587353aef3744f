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
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

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


def write_result(path: Path, figures: dict[str, Any]) -> None:
    figures = {**figures, "peak_rss_mb": peak_rss_mb()}
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


class ExternalSimulator:
    """`bench.simulator_process` started for the length of a `with` block."""

    def __init__(self, latency_ms: float = 0.0, rate_limit: float | None = None) -> None:
        command = [sys.executable, "-m", "bench.simulator_process", "--latency-ms", str(latency_ms)]
        if rate_limit is not None:
            command += ["--rate-limit", str(rate_limit)]
        self._process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            self.stop()
            raise RuntimeError("the simulator process did not start")
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{self.base_url}/_stats", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the simulator process does not answer") from None
                time.sleep(0.05)

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_stats", timeout=5).json()

    def reset_stats(self) -> None:
        httpx.post(f"{self.base_url}/_control", json={"reset_stats": True}, timeout=5).raise_for_status()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> ExternalSimulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
