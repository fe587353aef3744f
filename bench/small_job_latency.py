"""Benchmark 4: a 10-row file from being dropped in the inbox of `claimbatch serve` to its results file existing.

`claimbatch serve --poll-s 0.05 --settle-s 0.1` runs as a subprocess on a fresh
data folder, with its built-in simulator. Each drop is written under a name the
watcher leaves alone (`….csv.part`) and renamed into place, as a careful
uploader does; the clock starts at the rename and stops when the results file
exists (the aggregator writes it to a temporary name and renames it, so it
exists only when whole). 20 drops, one after another; the median is the figure.
The baseline is the pick-up floor the settings impose: a file is taken once it
has been seen unchanged for --settle-s, on a scan every --poll-s.
"""

from __future__ import annotations

import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.child import OUT_DIR, REPO, arguments, progress, write_result
from bench.inputs import claims_file

POLL_S = 0.05
SETTLE_S = 0.1
STARTUP_TIMEOUT_S = 60.0
DROP_TIMEOUT_S = 30.0
PAUSE_BETWEEN_DROPS_S = 0.3


class ServeProcess:
    """`claimbatch serve` with its stdout read in a thread, each line with its arrival time."""

    def __init__(self, data_dir: Path) -> None:
        executable = Path(sys.executable).with_name("claimbatch")
        command = [str(executable), "serve", "--data-dir", str(data_dir), "--poll-s", str(POLL_S), "--settle-s", str(SETTLE_S)]
        self.process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.perf_counter(), line.rstrip("\n")))

    def wait_for(self, text: str, timeout_s: float, after: float = 0.0) -> float | None:
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            for at, line in list(self.lines):
                if at >= after and text in line:
                    return at
            if self.process.poll() is not None:
                return None
            time.sleep(0.005)
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def drop_and_wait(data_dir: Path, content: bytes, name: str) -> dict[str, float]:
    inbox = data_dir / "inbox"
    staged = inbox / f"{name}.csv.part"
    staged.write_bytes(content)
    results = data_dir / "results" / f"{name}.results.csv"
    dropped = time.perf_counter()
    staged.rename(inbox / f"{name}.csv")
    deadline = dropped + DROP_TIMEOUT_S
    while not results.exists():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no results for {name} after {DROP_TIMEOUT_S:g} s")
        time.sleep(0.002)
    return {"dropped": dropped, "latency_s": time.perf_counter() - dropped}


def main() -> None:
    args = arguments(__doc__ or "", drops=(int, 20), rows=(int, 10))
    data_dir = OUT_DIR / "serve"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "inbox").mkdir(parents=True)
    content = claims_file(args.rows).read_bytes()

    serve = ServeProcess(data_dir)
    started = time.perf_counter()
    try:
        if serve.wait_for("watching", STARTUP_TIMEOUT_S) is None:
            raise RuntimeError("claimbatch serve did not start: " + " | ".join(line for _, line in serve.lines))
        progress(f"  claimbatch serve ready after {time.perf_counter() - started:.1f} s; {args.drops} drops of {args.rows} rows …")
        drops: list[dict[str, Any]] = []
        for number in range(1, args.drops + 1):
            name = f"latency-{number:02d}"
            drop = drop_and_wait(data_dir, content, name)
            picked = serve.wait_for(f"picked up inbox/{name}.csv", 2.0, after=drop["dropped"])
            drop["picked_up_s"] = picked - drop["dropped"] if picked is not None else None
            drops.append(drop)
            time.sleep(PAUSE_BETWEEN_DROPS_S)
        completed = sum(1 for _, line in serve.lines if "COMPLETED" in line)
    finally:
        serve.stop()

    latencies = sorted(drop["latency_s"] for drop in drops)
    pickups = [drop["picked_up_s"] for drop in drops if drop["picked_up_s"] is not None]
    median = statistics.median(latencies)
    floor = SETTLE_S + POLL_S
    progress(
        f"  median {median:.3f} s (min {latencies[0]:.3f}, max {latencies[-1]:.3f}); "
        f"picked up after {statistics.median(pickups):.3f} s (median)"
    )
    write_result(
        args.result,
        {
            "small_job_latency_s": median,
            "latencies_s": latencies,
            "p90_s": latencies[int(0.9 * (len(latencies) - 1))],
            "picked_up_median_s": statistics.median(pickups) if pickups else None,
            "pickup_floor_s": floor,
            "ratio_vs_pickup_floor": median / floor,
            "poll_s": POLL_S,
            "settle_s": SETTLE_S,
            "rows": args.rows,
            "drops": args.drops,
            "jobs_completed_lines": completed,
        },
    )


if __name__ == "__main__":
    main()
