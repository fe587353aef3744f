"""`make bench`: every benchmark, one after another, each in a process of its own.

Writes bench/results.json (the figures), bench/results.md (the figures with their
baselines, targets, details, and — for a target not met — a profile of where
the time goes and the fix proposed) and the "Benchmarks" section of README.md.
Scratch files go to bench/out/. Budget: under 20 minutes on a 2-core machine;
the profiles come last and are skipped when time runs short.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench import profiles, report
from bench.child import OUT_DIR, REPO
from bench.inputs import claims_file

RESULTS_JSON = REPO / "bench" / "results.json"
RESULTS_MD = REPO / "bench" / "results.md"
README = REPO / "README.md"
DETAILS_JSON = OUT_DIR / "details.json"
FIGURES_DIR = OUT_DIR / "figures"
PROFILES_DIR = OUT_DIR / "profiles"

BUDGET_S = 25 * 60
PROFILES_UNTIL_S = 22 * 60  # no profile (under a minute each) is started after this much of the budget


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    args: tuple[str, ...]
    timeout_s: float
    title: str


BENCHMARKS = (
    Benchmark("split", "bench.split_throughput", ("--rows", "1000000", "--quoted-rows", "200000"), 420,
              "1. splitter vs csv.reader, 1,000,000 rows"),
    Benchmark("idle", "bench.pipeline_throughput", ("--mode", "idle"), 60, "2a. memory baseline: runtime started, no job"),
    Benchmark("pipeline", "bench.pipeline_throughput", ("--mode", "in-process", "--rows", "1000000"), 720,
              "2b. embedded runtime, in-process provider, 1,000,000 rows"),
    Benchmark("http", "bench.pipeline_throughput", ("--mode", "http", "--rows", "100000"), 900,
              "2c. embedded runtime over loopback HTTP, 100,000 rows"),
    Benchmark("api_budget", "bench.api_budget", ("--rows", "10000"), 360, "3. API budget: 10,000 rows at 100 req/s, 200 ms"),
    Benchmark("api_budget_slow", "bench.api_budget",
              ("--rows", "5000", "--budget-rps", "50", "--latency-ms", "1500", "--latency-p99-ms", "14000",
               "--key-suffix", "_slow"), 420,
              "3b. API budget, slow payer: 5,000 rows at 50 req/s, latency median 1.5 s, 99th percentile 14 s"),
    Benchmark("latency", "bench.small_job_latency", ("--drops", "20", "--rows", "10"), 240,
              "4. small-job latency through claimbatch serve"),
    Benchmark("cost", "bench.aws_cost", ("--rows", "10000"), 600, "5. AWS cost: 10,000 rows on moto, priced"),
)

# Profiles of shorter runs of the same code, taken every run so results.md shows where the time goes (figure key → profile).
PROFILED = {
    "split_ratio_vs_csv_reader": ("split", "bench.split_throughput", ("--rows", "1000000", "--quoted-rows", "0"), "split_job"),
    "pipeline_rows_per_s": ("pipeline", "bench.pipeline_throughput", ("--mode", "in-process", "--rows", "100000"), None),
}
HTTP_PROFILE = ("http", "bench.pipeline_throughput", ("--mode", "http", "--rows", "5000"), None)


class Clock:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def say(self, message: str) -> None:
        minutes, seconds = divmod(int(self.elapsed), 60)
        print(f"[{minutes:02d}:{seconds:02d}] {message}", flush=True)


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "claimbatch-bench")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _stop_session(child: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_benchmark(benchmark: Benchmark, clock: Clock) -> dict[str, Any]:
    result = FIGURES_DIR / f"{benchmark.name}.json"
    result.unlink(missing_ok=True)
    clock.say(f"{benchmark.title} …")
    command = [sys.executable, "-m", benchmark.module, *benchmark.args, "--result", str(result)]
    started = time.perf_counter()
    # A session of its own, so that a benchmark past its time goes with the processes it started.
    child = subprocess.Popen(command, cwd=REPO, env=child_environment(), start_new_session=True)
    try:
        returncode = child.wait(timeout=benchmark.timeout_s)
        failure = None if returncode == 0 else f"exited with status {returncode}"
    except subprocess.TimeoutExpired:
        _stop_session(child)
        failure = f"did not finish within {benchmark.timeout_s:g} s"
    except BaseException:
        _stop_session(child)
        raise
    seconds = time.perf_counter() - started
    if failure is None and result.exists():
        figures = json.loads(result.read_text())
        clock.say(f"{benchmark.title}: done in {seconds:.0f} s")
        return {**figures, "bench_seconds": seconds}
    clock.say(f"{benchmark.title}: FAILED ({failure or 'no figures written'})")
    return {"error": failure or "no figures written", "bench_seconds": seconds}


# Samples per second: the splitter's run is over in about a second and a half.
PROFILE_RATES = {"split": 1000}


def run_profile(name: str, module: str, args: tuple[str, ...], within: str | None, clock: Clock) -> dict[str, Any] | None:
    if profiles.py_spy() is None:
        clock.say(f"profile of {name}: skipped, py-spy is not installed (pip install py-spy)")
        return None
    raw = PROFILES_DIR / f"{name}.raw"
    raw.unlink(missing_ok=True)
    result = FIGURES_DIR / f"profile-{name}.json"
    command = [sys.executable, "-m", module, *args, "--result", str(result)]
    clock.say(f"profile of {name}: py-spy on `python -m {module} {' '.join(args)}` …")
    rate = PROFILE_RATES.get(name, 100)
    if not profiles.record(command, raw, cwd=REPO, timeout_s=300, env=child_environment(), rate=rate):
        clock.say(f"profile of {name}: py-spy could not record")
        return None
    summary = profiles.summarize(raw, within=within, excluding=("csv_reader_rows_per_s", "<frozen importlib", profiles.SIMULATOR_PROCESS))
    summary["command"] = " ".join(["python", "-m", module, *args])
    summary["rate"] = rate
    if result.exists():
        summary["figures"] = json.loads(result.read_text())
    clock.say(f"profile of {name}: {summary['samples']:,} samples")
    return summary


QUICK_ROWS = {"1000000": "20000", "100000": "2000", "10000": "1000", "500000": "5000", "200000": "2000", "5000": "500"}


def quick(args: tuple[str, ...]) -> tuple[str, ...]:
    """`--quick`: the same runs on a few rows, to try the harness (figures meaningless)."""
    return tuple(QUICK_ROWS.get(arg, arg) for arg in args)


def main() -> None:
    global BENCHMARKS, PROFILED, HTTP_PROFILE, RESULTS_JSON, RESULTS_MD, README, DETAILS_JSON
    if "--quick" in sys.argv[1:]:
        RESULTS_JSON, RESULTS_MD, README, DETAILS_JSON = (
            OUT_DIR / "quick" / name for name in ("results.json", "results.md", "README.md", "details.json")
        )
        RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
        README.write_text("# quick run\n")
        BENCHMARKS = tuple(Benchmark(b.name, b.module, quick(b.args), b.timeout_s, b.title) for b in BENCHMARKS)
        PROFILED = {key: (n, m, quick(a), w) for key, (n, m, a, w) in PROFILED.items()}
        HTTP_PROFILE = (HTTP_PROFILE[0], HTTP_PROFILE[1], quick(HTTP_PROFILE[2]), HTTP_PROFILE[3])
    if "--report-only" in sys.argv[1:]:  # the last run's figures through this report code, into bench/out/
        saved = json.loads(DETAILS_JSON.read_text())
        target = OUT_DIR / "report-only"
        target.mkdir(parents=True, exist_ok=True)
        results = report.headline(saved["details"])
        (target / "results.md").write_text(
            report.results_markdown(results, saved["details"], saved["machine"], saved["profiles"])
        )
        (target / "README.md").write_text(report.readme_section(results, saved["details"], saved["machine"]))
        print(f"wrote {target}/results.md and README.md")
        return
    clock = Clock()
    machine = report.machine()
    clock.say(
        f"claimbatch benchmarks on {machine['nproc']} cores ({machine['cpu_model']}), Python {machine['python']}, "
        f"load average {machine['load_before']}; budget {BUDGET_S // 60} minutes"
    )
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    clock.say("generating inputs (kept in bench/out/ for later runs) …")
    for rows in (1_000_000, 100_000, 10_000, 5_000, 10):
        claims_file(rows)
    claims_file(200_000, quote_all=True)

    details: dict[str, Any] = {}
    for benchmark in BENCHMARKS:
        details[benchmark.name] = run_benchmark(benchmark, clock)

    results = report.headline(details)
    found: dict[str, Any] = {}
    for name, module, args, within in (*PROFILED.values(), HTTP_PROFILE):  # HTTP: the wire's share
        if clock.elapsed < PROFILES_UNTIL_S:
            found[name] = run_profile(name, module, args, within, clock)

    machine = report.machine(machine)
    machine["bench_seconds"] = clock.elapsed
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
    DETAILS_JSON.write_text(json.dumps({"machine": machine, "details": details, "profiles": found}, indent=2, default=str))
    RESULTS_MD.write_text(report.results_markdown(results, details, machine, found))
    report.update_readme(README, report.readme_section(results, details, machine))
    clock.say(f"wrote {RESULTS_JSON.relative_to(REPO)}, {RESULTS_MD.relative_to(REPO)} and README.md's Benchmarks section")
    for key, verdict in report.verdicts(results).items():
        value = results[key]
        shown = "n/a" if value is None else f"{value:,.4g}"
        clock.say(f"  {key} = {shown}  {'' if verdict is None else 'target met' if verdict else 'TARGET NOT MET'}")
    if clock.elapsed > BUDGET_S:
        clock.say(f"over the {BUDGET_S // 60}-minute budget")


if __name__ == "__main__":
    main()
