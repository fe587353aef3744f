"""The figures of a `make bench` run as results.json, results.md and README.md's "Benchmarks" section."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import prices

README_HEADING = "## Benchmarks"


@dataclass(frozen=True)
class Figure:
    key: str
    benchmark: str  # which benchmark's figures hold it
    field: str
    target: str  # as a reader sees it
    met: Callable[[float], bool] | None  # None: reported, no target
    digits: int


FIGURES = (
    Figure("split_ratio_vs_csv_reader", "split", "split_ratio_vs_csv_reader", "≥ 0.25", lambda v: v >= 0.25, 4),
    Figure("pipeline_rows_per_s", "pipeline", "rows_per_s", "≥ 12,000 rows/s", lambda v: v >= 12_000, 1),
    Figure("embedded_peak_rss_mb", "pipeline", "peak_rss_mb", "≤ 150 MB", lambda v: v <= 150, 1),
    Figure("http_rows_per_s", "http", "rows_per_s", "none (reported)", None, 1),
    Figure("api_budget_utilization", "api_budget", "api_budget_utilization", "≥ 0.95", lambda v: v >= 0.95, 4),
    Figure("api_429_share", "api_budget", "api_429_share", "≤ 0.01", lambda v: v <= 0.01, 4),
    Figure("api_budget_utilization_slow", "api_budget_slow", "api_budget_utilization_slow", "≥ 0.9",
           lambda v: v >= 0.9, 4),
    Figure("api_429_share_slow", "api_budget_slow", "api_429_share_slow", "≤ 0.01", lambda v: v <= 0.01, 4),
    Figure("small_job_latency_s", "latency", "small_job_latency_s", "≤ 0.5 s", lambda v: v <= 0.5, 3),
    Figure("aws_cost_per_million_rows_usd", "cost", "aws_cost_per_million_rows_usd", "≤ $0.50", lambda v: v <= 0.5, 4),
)


def headline(details: dict[str, Any]) -> dict[str, float | None]:
    """results.json: exactly the figures README "Benchmarks" names; None for a benchmark that failed."""
    values: dict[str, float | None] = {}
    for figure in FIGURES:
        value = details.get(figure.benchmark, {}).get(figure.field)
        values[figure.key] = None if value is None else round(float(value), figure.digits)
    return values


def verdicts(results: dict[str, float | None]) -> dict[str, bool | None]:
    """True/False per target; None where there is no target (or no figure: then False)."""
    out: dict[str, bool | None] = {}
    for figure in FIGURES:
        value = results.get(figure.key)
        if figure.met is None:
            out[figure.key] = None
        else:
            out[figure.key] = False if value is None else figure.met(value)
    return out


# -- the machine ---------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine(before: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the run ran on; called again at the end to add the load average after."""
    if before is not None:
        return {**before, "load_after": _load()}
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": _load(),
    }


def _machine_line(machine: dict[str, Any]) -> str:
    minutes = machine.get("bench_seconds", 0) / 60
    return (
        f"Measured {machine['date']} on `nproc` = {machine['nproc']} ({machine['cpu_model']}), "
        f"Python {machine['python']}; load average (1/5/15 min) {machine['load_before']} before and "
        f"{machine.get('load_after', '?')} after — the machine is shared, so wall-clock figures are noisy, "
        f"which is why each speed is given beside a baseline measured in the same run. `make bench` took {minutes:.1f} min."
    )


# -- formatting ----------------------------------------------------------------------


def _n(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.3f}" if value < 10 else f"${value:,.2f}"


def _met(verdict: bool | None) -> str:
    return "—" if verdict is None else "yes" if verdict else "**no**"


def _baseline_cells(key: str, details: dict[str, Any]) -> tuple[str, str]:
    """(baseline measured in the same run, ratio) for one headline figure."""
    split, pipeline, idle, http = (details.get(name, {}) for name in ("split", "pipeline", "idle", "http"))
    budget, latency, cost = (details.get(name, {}) for name in ("api_budget", "latency", "cost"))
    if key.endswith("_slow"):
        budget = details.get("api_budget_slow", {})
        key = key.removesuffix("_slow")
    if key == "split_ratio_vs_csv_reader" and "plain" in split:
        plain = split["plain"]
        return (
            f"splitter {_n(plain['split']['rows_per_s'])} rows/s vs csv.reader {_n(plain['csv_reader_rows_per_s'])} rows/s",
            f"{plain['ratio']:.3f}",
        )
    if key == "pipeline_rows_per_s" and "rows_per_s" in pipeline:
        return f"csv.reader {_n(pipeline['csv_reader_rows_per_s'])} rows/s, same file", f"{pipeline['ratio_vs_csv_reader']:.4f}"
    if key == "embedded_peak_rss_mb" and "peak_rss_mb" in pipeline and "idle_rss_mb" in idle:
        return f"runtime started, no job: {_n(idle['idle_rss_mb'], 1)} MB", f"{pipeline['peak_rss_mb'] / idle['idle_rss_mb']:.2f}"
    if key == "http_rows_per_s" and "rows_per_s" in http:
        versus = f"csv.reader {_n(http['csv_reader_rows_per_s'])} rows/s"
        ratio = f"{http['ratio_vs_csv_reader']:.5f}"
        if "rows_per_s" in pipeline:
            versus += f"; in-process pipeline {_n(pipeline['rows_per_s'])} rows/s"
            ratio += f"; {http['rows_per_s'] / pipeline['rows_per_s']:.3f}"
        return versus, ratio
    if key == "api_budget_utilization" and "lookups_per_s" in budget:
        sending = budget.get("utilization_while_sending")
        while_sending = f"; {sending:.3f} while requests were being sent" if sending is not None else ""
        return (
            f"budget {budget['budget_rps']:g} requests/s; achieved {budget['lookups_per_s']:.1f} lookups/s{while_sending}",
            "(is the ratio)",
        )
    if key == "api_429_share" and "simulator_stats" in budget:
        stats = budget["simulator_stats"]
        return f"{stats['throttled']:,} × 429 of {stats['requests']:,} requests", "(is the ratio)"
    if key == "small_job_latency_s" and "pickup_floor_s" in latency:
        return f"pick-up floor (settle {latency['settle_s']:g} s + poll {latency['poll_s']:g} s) {latency['pickup_floor_s']:.2f} s", f"{latency['ratio_vs_pickup_floor']:.2f}"
    if key == "aws_cost_per_million_rows_usd" and "s3_batch_operations_per_million_usd" in cost:
        return (
            f"S3 Batch Operations {_usd(cost['s3_batch_operations_per_million_usd'])}; "
            f"Step Functions Distributed Map {_usd(cost['step_functions_per_million_usd'])}",
            f"{cost['aws_cost_per_million_rows_usd'] / cost['s3_batch_operations_per_million_usd']:.2f} of S3 Batch Operations",
        )
    error = next((d.get("error") for d in (split, pipeline, http, budget, latency, cost) if d.get("error")), None)
    return ("benchmark failed: " + error if error else "—"), "—"


def _value_cell(key: str, value: float | None) -> str:
    if value is None:
        return "failed"
    if key == "aws_cost_per_million_rows_usd":
        return _usd(value)
    if key.endswith("_rows_per_s"):
        return _n(value)
    if key.endswith("_mb"):
        return f"{value:,.1f} MB"
    if key.endswith("_s"):
        return f"{value:.3f} s"
    return f"{value:.4f}"


def headline_table(results: dict[str, float | None], details: dict[str, Any]) -> str:
    met = verdicts(results)
    lines = [
        "| figure | value | baseline, same run | ratio | target | met? |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    for figure in FIGURES:
        baseline, ratio = _baseline_cells(figure.key, details)
        value = _value_cell(figure.key, results.get(figure.key))
        lines.append(f"| `{figure.key}` | {value} | {baseline} | {ratio} | {figure.target} | {_met(met[figure.key])} |")
    return "\n".join(lines)


# -- results.md -----------------------------------------------------------------------

def _split_section(split: dict[str, Any]) -> list[str]:
    if "plain" not in split:
        return [f"Failed: {split.get('error', 'no figures')}."]
    lines = [
        "`split_job` as the embedded runtime runs it (1 MiB reads from the data folder, decoding, every value "
        "rule, row errors recorded in the SQLite store, valid rows packed into `RowChunk`s of 100), each message "
        "serialised with `RowChunk.to_json()` as the SQS adapter sends it; against `csv.reader` iterating the same "
        "file (timed before and after, the faster kept). The generated rows carry 1 % row errors and 5 % unknown claims.",
        "",
        "| file | rows | csv.reader rows/s | splitter rows/s | ratio | `read_claim_rows` alone rows/s | its ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, part in (("plain (quoted only where CSV needs it)", split.get("plain")), ("every field quoted", split.get("quoted"))):
        if part:
            lines.append(
                f"| {label} | {part['split']['rows']:,} | {_n(part['csv_reader_rows_per_s'])} | {_n(part['split']['rows_per_s'])} "
                f"| {part['ratio']:.3f} | {_n(part['read_claim_rows']['rows_per_s'])} | {part['read_only_ratio']:.3f} |"
            )
    plain = split["plain"]["split"]
    lines += ["", f"{plain['messages']:,} messages of {plain['message_bytes_mean']:,.0f} bytes on average; {plain['row_errors']:,} row errors."]
    return lines


def _pipeline_section(pipeline: dict[str, Any], idle: dict[str, Any], http: dict[str, Any]) -> list[str]:
    lines = []
    for title, run in (("in-process provider", pipeline), ("loopback HTTP (OptumClaimsClient → simulator in its own process)", http)):
        if "rows_per_s" not in run:
            lines.append(f"- {title}: failed ({run.get('error', 'no figures')})")
            continue
        counts = run["counts"]
        extra = ""
        if run.get("simulator_stats"):
            stats = run["simulator_stats"]
            extra = f"; the simulator saw {stats['requests']:,} requests, at most {stats['peak_concurrency']} at once"
        lines.append(
            f"- {title}: {run['rows']:,} rows in {run['seconds']:.1f} s = **{_n(run['rows_per_s'])} rows/s** "
            f"(process CPU {run.get('cpu_s', 0):.1f} s, i.e. {run.get('cpu_s', 0) / run['seconds']:.2f} cores busy); "
            f"split finished at {_n(run['split_done_s'], 1)} s, all rows done at {_n(run['rows_done_s'], 1)} s, "
            f"results file written {_n(run['aggregation_s'], 1)} s later; "
            f"{counts['succeeded']:,} succeeded, {counts['not_found']:,} not found, {counts['invalid']:,} invalid, "
            f"{counts['failed']:,} failed; peak RSS {run['peak_rss_mb']:.0f} MB; {run['workers']} chunk workers, "
            f"{run['concurrency']} lookups in flight at most{extra}."
        )
    if "idle_rss_mb" in idle:
        lines.append(f"- memory baseline: the same process with the runtime started and no job peaks at {idle['idle_rss_mb']:.0f} MB.")
    return lines


_UNPROFILED = {
    "api_budget_utilization": "Not a CPU question: see section 3 for where the time went against the budget.",
    "api_budget_utilization_slow": "Not a CPU question: see section 3 for where the time went against the budget.",
    "aws_cost_per_million_rows_usd": "See section 5 for the cost by service.",
}


def _budget_section(budget: dict[str, Any]) -> list[str]:
    if "lookups_per_s" not in budget:
        return [f"Failed: {budget.get('error', 'no figures')}."]
    stats = budget["simulator_stats"]
    latency = f"after {budget['latency_ms']:g} ms"
    if budget.get("latency_p99_ms"):
        latency = (
            f"after a lognormal latency, median {budget['latency_ms']:g} ms and 99th percentile "
            f"{budget['latency_p99_ms']:g} ms"
        )
    in_flight = ""
    if "peak_in_flight" in budget:
        in_flight = (
            f" (budget x observed latency with headroom; it held at most {budget['peak_in_flight']} and saw a mean "
            f"latency of {budget['mean_latency_seen_s']:.2f} s at the end)"
        )
    sending = ""
    if "utilization_while_sending" in budget:
        sending = (
            f" From the first request to the last one sent ({budget['send_window_s']:.1f} s) the utilisation was "
            f"{budget['utilization_while_sending']:.3f}; the rest of the wall time is the wait for the slowest answers."
        )
    return [
        f"{budget['rows']:,} rows; the simulator allows {budget['budget_rps']:g} requests/s and answers {latency}; "
        f"the client is told the budget (`rate_limit_rps`) and keeps at most "
        f"{budget['concurrency']} lookups in flight{in_flight}.{sending} {budget['answered_lookups']:,} lookups answered in "
        f"{budget['seconds']:.1f} s (job wall time, from its start to its results file) = {budget['lookups_per_s']:.1f}/s; "
        f"{stats['throttled']:,} of {stats['requests']:,} requests answered 429; the client's limiter slowed down "
        f"{budget.get('rate_limiter_decreases', 0)} times; at most {stats['peak_concurrency']} requests in flight at the simulator."
        + _hedging_sentence(budget),
        *_time_lost_lines(budget),
    ]


def _hedging_sentence(budget: dict[str, Any]) -> str:
    if "hedged_requests" not in budget:
        return ""
    return (
        f" {budget['rows_looked_up']:,} rows looked up ({budget['row_utilization']:.3f} of the budget counted in rows); "
        f"{budget['hedged_requests']} requests slower than most were sent again while the budget had room to spare "
        f"({budget['hedges_answered_first']} of the copies answered first); {budget['retried_requests']} retries."
    )


def _time_lost_lines(budget: dict[str, Any]) -> list[str]:
    lost = budget.get("time_lost")
    if not lost:
        return []
    throttled = lost.get("throttled_at_s") or []
    when = f" (429s seen at {', '.join(f'{t:.0f}' for t in throttled[:12])} s)" if throttled else ""
    return [
        "",
        "Where the time went, against the ideal of every lookup at the budget:",
        "",
        "| | seconds |",
        "| --- | ---: |",
        f"| ideal: answered lookups ÷ budget | {lost['ideal_s']:.1f} |",
        f"| the client's limiter below the budget after 429s, Σ (1 − rate ÷ budget) dt{when} | {lost['below_budget_s']:.1f} |",
        f"| before the first request (split start, token) | {lost['start_s']:.1f} |",
        *(
            [f"| waiting for the last answers once every row was sent (less the budget its retries and hedged "
             f"copies used) | {lost['last_answers_s']:.1f} |"]
            if "last_answers_s" in lost else []
        ),
        f"| after the last row (the results file) | {lost['tail_s']:.1f} |",
        f"| the rest: slots the client had and did not use while rows were still to be sent | {lost['other_s']:.1f} |",
        f"| **job wall time** | **{budget['seconds']:.1f}** |",
    ]


def _latency_section(latency: dict[str, Any]) -> list[str]:
    if "latencies_s" not in latency:
        return [f"Failed: {latency.get('error', 'no figures')}."]
    values = latency["latencies_s"]
    return [
        f"`claimbatch serve --poll-s {latency['poll_s']:g} --settle-s {latency['settle_s']:g}` with its built-in "
        f"simulator; {latency['drops']} files of {latency['rows']} rows dropped one after another (written as "
        f"`….csv.part`, renamed into place); clock from the rename to the results file existing. Median "
        f"**{latency['small_job_latency_s']:.3f} s**; min {values[0]:.3f} s, p90 {latency['p90_s']:.3f} s, max "
        f"{values[-1]:.3f} s; the service printed \"picked up\" a median {_n(latency['picked_up_median_s'], 3)} s after the drop."
    ]


def _cost_section(cost: dict[str, Any]) -> list[str]:
    if "per_million" not in cost:
        return [f"Failed: {cost.get('error', 'no figures')}."]
    stack = cost["stack"]
    lines = [
        f"The Lambda handlers on moto (testkit/aws_pipeline.py) with the stack's sizes ({stack['source']}: "
        f"splitter {stack['splitter_memory_mb']} MB, worker {stack['worker_memory_mb']} MB with batches of "
        f"{stack['worker_batch_size']} messages and {stack['lookup_concurrency']} lookups in flight, aggregator "
        f"{stack['aggregator_memory_mb']} MB, {stack['rows_per_message']} rows per message), arm64, a "
        f"{cost['rows_measured']:,}-row job ({cost['run_seconds']:.0f} s), every AWS request counted; then ×"
        f"{cost['extrapolation_factor']:g} to a million rows. Claims API excluded, its latency taken as "
        f"{cost['api_latency_s'] * 1000:.0f} ms.",
        "",
        "| per million rows | quantity | USD |",
        "| --- | ---: | ---: |",
    ]
    for line in cost["per_million"]["lines"]:
        quantity = line["quantity"]
        shown = f"{quantity:,.0f}" if quantity >= 100 else f"{quantity:,.3g}"
        lines.append(f"| {line['item']} | {shown} | {_usd(line['usd'])} |")
    lines += [f"| **total** | | **{_usd(cost['aws_cost_per_million_rows_usd'])}** |", ""]
    usage = cost["usage"]
    requests = ", ".join(f"{key} {n:,}" for key, n in usage["requests"].items())
    lines += [
        f"Counted for the {cost['rows_measured']:,}-row job: {requests}; DynamoDB {usage['dynamodb_wru']:,.0f} WRU "
        f"({', '.join(f'{k} {v:,.0f}' for k, v in usage['dynamodb_wru_by_operation'].items())}) and "
        f"{usage['dynamodb_rru']:,.1f} RRU, worked out from item sizes (moto's own ConsumedCapacity, "
        f"{usage['moto_reported_capacity']:,.1f} units, is a constant per call); SQS {usage['sqs_billed_requests']:,} "
        f"billed requests for {usage['sqs_payload_bytes'] / 1e6:,.1f} MB of messages.",
        "",
        "Lambda duration model, per invocation: its own CPU time (process CPU outside AWS calls, measured) × "
        "max(1, 1769 MB ÷ memory), plus each AWS request at a stated latency ("
        + ", ".join(f"{service} {seconds * 1000:.0f} ms" for service, seconds in cost.get("aws_call_latency_s", {}).items())
        + f"), plus for the worker ceil(rows ÷ {stack['lookup_concurrency']}) × {cost['api_latency_s'] * 1000:.0f} ms of "
        "waiting on the claims API — added, though in Lambda they overlap: conservative. The CPU moto spends answering "
        "in-process is left out (in AWS it is a network wait, which the stated latencies stand for; moto also slows "
        "down as it holds more items); charged as Lambda time instead, the total would be "
        f"{_usd(cost.get('per_million_if_moto_cpu_were_lambda_time_usd'))} per million rows. Per-job items (the upload, the job item, the results "
        f"and summary objects, the secret) are scaled ×{cost['extrapolation_factor']:g} with the rest: conservative too. If the payer's budget, "
        f"not its latency, paces the worker (the stack's default: {stack['api_budget_rps']:g} requests/s shared so that "
        f"each worker gets {stack['api_rps_per_worker']:g}), each worker waits rows ÷ {stack['api_rps_per_worker']:g} s "
        f"instead: {_usd(cost['budget_paced_extra_usd'])} more per million rows.",
        "",
        "| the same million rows, per-row designs | USD |",
        "| --- | ---: |",
        f"| S3 Batch Operations: $0.25 per job + $1.00 per million tasks + one {cost['per_row_memory_mb']} MB Lambda "
        f"invocation of {cost['api_latency_s'] * 1000:.0f} ms per row | {_usd(cost['s3_batch_operations_per_million_usd'])} |",
        f"| Step Functions Distributed Map, a standard child workflow per row (its start and one Task state: 2 "
        f"transitions) + the same Lambda per row | {_usd(cost['step_functions_per_million_usd'])} |",
        f"| this stack | {_usd(cost['aws_cost_per_million_rows_usd'])} |",
        "",
        "Both per-row designs are priced before storing any result (ours includes that); the Lambda in them is the "
        "smallest (128 MB), in their favour.",
        "",
        f"Prices: {prices.PRICES_REGION}, {cost['prices_as_of']}, written down {cost['prices_written']} in "
        "`bench/prices.py`: " + "; ".join(cost["prices"].values()) + ".",
    ]
    return lines


def _profile_section(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return ["(no profile recorded in this run: py-spy missing or out of time)"]
    lines = [
        f"py-spy, {profile.get('rate', 100)} samples/s, samples holding the GIL only, in the runtime's process and its lookup process "
        f"(the simulator's left out), start-up and the baseline left out: "
        f"`{profile['command']}` ({profile['samples']:,} samples).",
        "",
        "| part | share of samples |",
        "| --- | ---: |",
    ]
    lines += [f"| {part} | {share:.1%} |" for part, share in profile["parts"] if share >= 0.005]
    lines += ["", "Functions with the most samples of their own: " + "; ".join(
        f"`{function}` {share:.1%}" for function, share in profile["top_own"][:8]
    ) + "."]
    return lines


def results_markdown(
    results: dict[str, float | None],
    details: dict[str, Any],
    machine: dict[str, Any],
    found: dict[str, Any],
    notes_dir: Path = Path(__file__).parent / "notes",
) -> str:
    met = verdicts(results)
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run`); the figures themselves are in `bench/results.json`.",
        "",
        _machine_line(machine),
        "",
        headline_table(results, details),
        "",
        "## 1. Splitter against csv.reader",
        "",
        *_split_section(details.get("split", {})),
        "",
        "## 2. Embedded runtime, end to end",
        "",
        *_pipeline_section(details.get("pipeline", {}), details.get("idle", {}), details.get("http", {})),
        "",
        "## 3. API budget",
        "",
        *_budget_section(details.get("api_budget", {})),
        "",
        "The same against a slow payer with a long tail:",
        "",
        *_budget_section(details.get("api_budget_slow", {})),
        "",
        "## 4. Small-job latency",
        "",
        *_latency_section(details.get("latency", {})),
        "",
        "## 5. AWS cost per million rows",
        "",
        *_cost_section(details.get("cost", {})),
        "",
    ]
    lines += [
        "## Where the time goes",
        "",
        "### The splitter",
        "",
        *_profile_section(found.get("split")),
        "",
        "### The embedded runtime, in-process provider",
        "",
        *_profile_section(found.get("pipeline")),
        "",
        "### The embedded runtime over loopback HTTP, for the wire's share",
        "",
        *_profile_section(found.get("http")),
        "",
    ]
    unmet = [figure for figure in FIGURES if met[figure.key] is False]
    if unmet:
        lines += ["## Targets not met", ""]
        for figure in unmet:
            lines += [f"- `{figure.key}` (target {figure.target})"]
            if figure.key not in PROFILED_FIGURES:
                lines += [f"  {_UNPROFILED.get(figure.key, 'No profile is taken for this figure.')}"]
        lines += [""]
    else:
        lines += ["Every target is met.", ""]
    lines += ["## What changed", "", *_notes_lines(notes_dir), ""]
    return "\n".join(lines)


PROFILED_FIGURES = ("split_ratio_vs_csv_reader", "pipeline_rows_per_s")  # their profiles are above


def _notes_lines(notes_dir: Path) -> list[str]:
    """The notes of each round of work on speed and cost, newest first, by their titles."""
    notes = sorted(notes_dir.glob("*.md"), reverse=True)
    if not notes:
        return ["(no notes in `bench/notes/`)"]
    lines = ["What each round changed, and why, is in `bench/notes/`, by date, newest first:", ""]
    for note in notes:
        title = next((line.lstrip("# ").strip() for line in note.read_text().splitlines() if line.startswith("#")), note.stem)
        lines.append(f"- [{title}](notes/{note.name})")
    return lines


# -- README ------------------------------------------------------------------------------


def readme_section(results: dict[str, float | None], details: dict[str, Any], machine: dict[str, Any]) -> str:
    met = verdicts(results)
    unmet = [figure.key for figure in FIGURES if met[figure.key] is False]
    # Figures only: analysis goes stale as the code changes, so it lives in dated notes, not here.
    summary = (
        "Every target is met."
        if not unmet
        else f"Not met: {', '.join(f'`{key}`' for key in unmet)}. `bench/results.md` shows where the time goes "
        "(py-spy profiles); analyses of past runs are dated notes in `bench/notes/`."
    )
    return "\n".join(
        [
            README_HEADING,
            "",
            "`make bench` runs the benchmarks, each in a process of its own (under 20 minutes on 2 cores), "
            "and writes `bench/results.json`, `bench/results.md` (details, profiles, cost breakdown) and this table. "
            "Every speed is measured beside a baseline in the same run.",
            "",
            headline_table(results, details),
            "",
            _machine_line(machine),
            "",
            summary,
            "",
        ]
    )


def update_readme(readme: Path, section: str) -> None:
    """Replace README's "Benchmarks" section (up to the next `## ` heading), or append it."""
    text = readme.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == README_HEADING), None)
    block = section.rstrip("\n") + "\n"
    if start is None:
        readme.write_text(text.rstrip("\n") + "\n\n" + block, encoding="utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    after = "".join(lines[end:])
    readme.write_text("".join(lines[:start]) + block + ("\n" + after if after else ""), encoding="utf-8")
