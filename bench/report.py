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
    Figure("split_ratio_vs_csv_reader", "split", "split_ratio_vs_csv_reader", "≥ 0.2", lambda v: v >= 0.2, 4),
    Figure("pipeline_rows_per_s", "pipeline", "rows_per_s", "≥ 10,000 rows/s", lambda v: v >= 10_000, 1),
    Figure("embedded_peak_rss_mb", "pipeline", "peak_rss_mb", "< 300 MB", lambda v: v < 300, 1),
    Figure("http_rows_per_s", "http", "rows_per_s", "none (reported)", None, 1),
    Figure("api_budget_utilization", "api_budget", "api_budget_utilization", "≥ 0.9", lambda v: v >= 0.9, 4),
    Figure("api_429_share", "api_budget", "api_429_share", "≤ 0.02", lambda v: v <= 0.02, 4),
    Figure("small_job_latency_s", "latency", "small_job_latency_s", "< 1 s", lambda v: v < 1.0, 3),
    Figure("aws_cost_per_million_rows_usd", "cost", "aws_cost_per_million_rows_usd", "≤ $1.00", lambda v: v <= 1.0, 4),
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
        return f"budget {budget['budget_rps']:g} requests/s; achieved {budget['lookups_per_s']:.1f} lookups/s", "(is the ratio)"
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

# The fixes proposed for targets not met: package code other engineers own, so described, not made.
# The "why" is written from this run's figures and profile shares; each fix can win at most the share
# of the part it removes.


def _share(profile: dict[str, Any] | None, prefix: str) -> str:
    """This run's share of the profile part whose label starts with `prefix`, e.g. "23 %"."""
    for part, share in (profile or {}).get("parts", []):
        if part.startswith(prefix):
            return f"{share:.0%}"
    return "—"


def _split_fix(details: dict[str, Any], found: dict[str, Any], machine: dict[str, Any]) -> str:
    plain = details.get("split", {}).get("plain")
    profile = found.get("split")
    if not plain:
        return ""
    split_rps, read_rps = plain["split"]["rows_per_s"], plain["read_claim_rows"]["rows_per_s"]
    packing = 1 - split_rps / read_rps
    reading_alone = plain["read_only_ratio"]
    verdict = (
        f"Reading alone is at {reading_alone:.3f} of csv.reader, at the target already: the packing is what misses it."
        if reading_alone >= 0.2
        else f"Reading alone is at {reading_alone:.3f} of csv.reader, so packing for free would still miss 0.2 (if narrowly): "
        "both halves need work."
    )
    return f"""**Why.** In this run `read_claim_rows` alone (read, decode, validate) does {_n(read_rps)} rows/s and the whole
splitter {_n(split_rps)} rows/s: what comes after reading (packing rows into messages, serialising them, recording row
errors) takes {packing:.0%} of the splitter's time.
{verdict} In the profile: packing {_share(profile, "packing")} of the samples, reading and validating
{_share(profile, "reading")}, SQLite {_share(profile, "SQLite")}.

**Fixes proposed** (not made here: `ports/`, `logic/` and `domain/` belong to other engineers right now):

1. `ports/messages.py`, `QueuedRow.of`: build with `QueuedRow.model_construct(...)` instead of the validating
   constructor. The values come from a `ValidRow` that `value_rules` has just checked; re-validating each row in
   pydantic (`QueuedRow.of` + `BaseModel.__init__` in the table) buys nothing.
2. `ports/messages.py`, `RowChunk.to_json`: the same JSON (same short keys, README "Message formats") written by
   `json.dumps` over plain dicts, or by one module-level `TypeAdapter`, instead of `model_dump_json(by_alias=True)`
   over a tree of models (`BaseModel.model_dump_json` in the table).
3. `logic/split_file.py`, `_ChunkPacker.add` is called once per row: `read_claim_rows` builds rows in batches
   internally (`_parsed_batches`); handing the batches over and packing a batch by slicing at chunk boundaries
   removes the per-row call. Row errors: recorded per send batch (10 chunks) rather than per chunk (two SQLite
   writes for every chunk that holds one).
4. Further, and larger: a columnar path from `domain/input_reader.py` to the message — validate the columns, then
   write each chunk's JSON straight from them, with no `ValidRow`/`ClaimQuery`/`QueuedRow` per row at all.

Estimate: 1–3 remove most of the packing share, i.e. the splitter would run near `read_claim_rows`' speed (a ratio
near {reading_alone:.3f}); 4 is what a margin above 0.2 takes."""


def _pipeline_fix(details: dict[str, Any], found: dict[str, Any], machine: dict[str, Any]) -> str:
    run = details.get("pipeline", {})
    profile, http = found.get("pipeline"), found.get("http")
    if "rows_per_s" not in run:
        return ""
    aggregation = run.get("aggregation_s") or 0.0
    http_lead = (
        f"Over HTTP (second profile) the HTTP client is {_share(http, 'HTTP client')} of the samples"
        if http
        else "Over HTTP (not profiled in this run, for lack of time) the client's own CPU is the bottleneck — the "
        "simulator saw only a few requests at once though 16 may be in flight — and earlier profiles put three "
        "quarters of the samples in the HTTP client"
    )
    cores = run.get("cpu_s", 0.0) / run["seconds"]
    return f"""**Why.** The embedded runtime is one process, bound by the GIL: it kept {cores:.2f} cores busy on average
(process CPU ÷ wall time) — one core of two at most, by design, and less when other work shares the machine.
In the profile: the simulated payer's own work
{_share(profile, "simulated payer")} (`simulator/claims_data.py`; in production that CPU is the payer's, not
ours), our mapping of its answers {_share(profile, "request building")} (`claims/optum_schema.py`, where
`datetime.strptime` and `InquiryResponse.model_validate` lead), asyncio hand-offs {_share(profile, "event loop")},
result-row objects {_share(profile, "result rows")}, SQLite {_share(profile, "SQLite")}, the worker loop
{_share(profile, "worker loop")}, the splitter {_share(profile, "packing")} + {_share(profile, "reading")},
aggregation {_share(profile, "aggregation")}. And the results file is written after the last row, on its own:
{aggregation:.0f} s of the {run["seconds"]:.0f} s here ({aggregation / run["seconds"]:.0%}).

**Fixes proposed** (package code other engineers are editing; `simulator/in_process_provider.py` was left as it
is: its answers must stay the simulator's, mapped by the client's code, and no shortcut there keeps them so):

1. `claims/optum_schema.py`, `_parse_us_date`: parse MM/DD/YYYY with a compiled regex and `date(int, int, int)`
   instead of `datetime.strptime` (three calls per row). `choose_claim`: return the claim at once when there is
   only one (it is chosen whatever the member match says), skipping `_member_matches` and its date parsing.
2. `logic/process_chunk.py`: two thread hops per chunk instead of five — one `asyncio.to_thread` for `get_job` +
   `get_results` before the lookups, one for `put_results` + `count_chunk` + `complete_if_done` after.
3. Aggregation (`adapters/embedded/sqlite_job_store.py` `iter_results`/`_result_of`, `logic/aggregate_results.py`
   `counted`, `domain/result_row.py`): every row goes sqlite3.Row → dict → `ResultRow.from_record` → a pydantic
   `OutcomeTally.add` (a `setattr` on a model) → CSV. Fetch plain tuples, build `ResultRow` positionally, count
   outcomes in a local `Counter` and make the tally once. Tried outside the package on a 100,000-row job's
   SQLite file: the ordered read and CSV went from 1.45 s to 0.90 s for the same bytes, the tail ~35–40 % shorter.
4. `runtime/embedded.py`, the structural one: run the lookups and their mapping (about half of the work) in a
   second process — a `ProcessPoolExecutor` worker takes a whole `RowChunk` and returns its result rows — while
   splitting, SQLite and aggregation stay in the main process. On 2 cores that is up to ~1.7×.

Rough estimate: 1–3 bring {_n(run["rows_per_s"])} rows/s to about {_n(run["rows_per_s"] * 1.25)}; with 4, about
{_n(run["rows_per_s"] * 1.25 * 1.6)} (how much of the second core 4 gets depends on what else runs on the machine;
from the ~6,200 rows/s measured on 100,000 rows on a quieter machine before this benchmark existed, the same factors
give ~12,400). None of them alone reaches 10,000.

{http_lead}, much of it in httpcore's connection pool (`AsyncConnectionPool._assign_requests_to_connections`, with `is_idle`/`has_expired` probing every
connection on every request through anyio's `extra` attributes): the O(N·M) pass reported in encode/httpcore#1035
(open) and rewritten in pydantic/httpx2#974 and #1075. `claims/optum_client.py` could also read answers with
`InquiryResponse.model_validate_json(response.content)` (one pass) instead of `response.json()` then
`model_validate`, but the pool is the larger share."""


def _budget_fix(details: dict[str, Any], found: dict[str, Any], machine: dict[str, Any]) -> str:
    budget = details.get("api_budget", {})
    lost = budget.get("time_lost")
    if not lost:
        return ""
    stats = budget["simulator_stats"]
    return f"""**Why** (the table in section 3): {lost['lost_s']:.1f} s lost against the ideal {lost['ideal_s']:.1f} s — {lost['below_budget_s']:.1f} s
with the client's limiter below the budget after {stats['throttled']} × 429 ({budget.get('rate_limiter_decreases', 0)} halvings),
{lost['other_s']:.1f} s of slots unused (the client's pauses after 429s among them), {lost['start_s']:.1f} s before the first request,
{lost['tail_s']:.1f} s writing the results. The limiter never schedules more than the budget, so the 429s mean requests
reached the simulator bunched: on this shared machine (load average {machine.get('load_before', '?')} at the start) both
processes stall now and then, and one cause of bunching is in the client itself (fix 1). Shorter runs while this
benchmark was written (1,000–1,500 rows, lighter load) reached 0.97–0.98 with no 429.

**Fixes proposed** (`claims/`, another engineer's):

1. `claims/optum_client.py`, `OptumClaimsClient._attempt`: take the limiter's slot after the in-flight semaphore, not
   before it (`await self.limiter.acquire()` comes before `async with self._in_flight`). Paced requests that find
   the semaphore full pile up behind it and leave together when answers come back: a burst the limiter was meant to
   prevent, which is what the payer's bucket refuses.
2. `claims/rate_limiter.py`, `AdaptiveRateLimiter`: recover in proportion to the configured rate (e.g.
   `increase_rps_per_s = start_rps / 10`) rather than 1 request/s per second: after one halving from 100 it takes
   ~50 s to come back, ~12 s of the budget each time.
3. `claims/optum_client.py`: a 429 both halves the rate and pauses every lookup of the client for `Retry-After`
   (the simulator, like most gateways, never says less than 1 s): one overshoot of a few milliseconds costs a whole
   second of budget on top of the halving. Honour one or the other — pause without halving when the limiter is
   already at or below the configured budget (the 429 was a burst), halve otherwise."""


def _cost_fix(details: dict[str, Any], found: dict[str, Any], machine: dict[str, Any]) -> str:
    cost = details.get("cost", {})
    if "per_million" not in cost:
        return ""
    by_service = sorted(cost["per_million"]["by_service"].items(), key=lambda item: -item[1])
    usage = cost["usage"]
    mean_item = usage.get("batch_written_bytes", 0) / max(1, usage.get("batch_written_items", 0))
    return f"""**Why.** Per million rows: {", ".join(f"{service} {_usd(usd)}" for service, usd in by_service)}. DynamoDB's floor is one
write request unit per row result (row items of {mean_item:,.0f} bytes on average, each under the 1 KB of a unit): $0.625.

**Fixes proposed:** `adapters/aws/dynamodb_job_store.py` `put_results` — store a chunk's results as a few items of
up to 1 KB each holding several rows (3–4 rows of ~{mean_item:,.0f} bytes), or as one S3 object per chunk
($0.005 per 1,000 PUTs: $0.05 per million rows), instead of one item per row: DynamoDB's share falls by two thirds or
more. The redelivery check (`get_results`) and the aggregator's ordered read would read those items instead."""


FIXES = {
    "split_ratio_vs_csv_reader": _split_fix,
    "pipeline_rows_per_s": _pipeline_fix,
    "api_budget_utilization": _budget_fix,
    "aws_cost_per_million_rows_usd": _cost_fix,
}


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


def _budget_section(budget: dict[str, Any]) -> list[str]:
    if "lookups_per_s" not in budget:
        return [f"Failed: {budget.get('error', 'no figures')}."]
    stats = budget["simulator_stats"]
    return [
        f"{budget['rows']:,} rows; the simulator allows {budget['budget_rps']:g} requests/s and answers after "
        f"{budget['latency_ms']:g} ms; the client is told the budget (`rate_limit_rps`) and keeps at most "
        f"{budget['concurrency']} lookups in flight. {budget['answered_lookups']:,} lookups answered in "
        f"{budget['seconds']:.1f} s (job wall time, from its start to its results file) = {budget['lookups_per_s']:.1f}/s; "
        f"{stats['throttled']:,} of {stats['requests']:,} requests answered 429; the client's limiter slowed down "
        f"{budget.get('rate_limiter_decreases', 0)} times; at most {stats['peak_concurrency']} requests in flight at the simulator.",
        *_time_lost_lines(budget),
    ]


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
        f"| after the last row (the results file) | {lost['tail_s']:.1f} |",
        f"| the rest: slots the client had and did not use | {lost['other_s']:.1f} |",
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
        f"The Lambda handlers on moto (tests/support/aws_harness.py) with the stack's sizes ({stack['source']}: "
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
        f"py-spy, 100 samples/s, samples holding the GIL only, start-up and the baseline left out: "
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
    results: dict[str, float | None], details: dict[str, Any], machine: dict[str, Any], found: dict[str, Any]
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
        "## 4. Small-job latency",
        "",
        *_latency_section(details.get("latency", {})),
        "",
        "## 5. AWS cost per million rows",
        "",
        *_cost_section(details.get("cost", {})),
        "",
    ]
    unmet = [figure for figure in FIGURES if met[figure.key] is False]
    if unmet:
        lines += [
            "## Targets not met: where the time goes, and the fixes proposed",
            "",
        ]
        for figure in unmet:
            lines += [f"### `{figure.key}` (target {figure.target})", ""]
            profile_name = {"split_ratio_vs_csv_reader": "split", "pipeline_rows_per_s": "pipeline"}.get(figure.key)
            if profile_name:
                lines += [*_profile_section(found.get(profile_name)), ""]
                if figure.key == "pipeline_rows_per_s" and found.get("http"):
                    lines += ["The same over loopback HTTP, for the wire's share:", ""]
                    lines += [*_profile_section(found.get("http")), ""]
            if figure.key in FIXES:
                lines += [FIXES[figure.key](details, found, machine), ""]
    else:
        lines += ["Every target is met.", ""]
    return "\n".join(lines)


# -- README ------------------------------------------------------------------------------


def _why_unmet(key: str, details: dict[str, Any]) -> str:
    """One line for the README on why a target was missed (results.md has the profile and the fixes)."""
    if key == "split_ratio_vs_csv_reader" and "plain" in details.get("split", {}):
        plain = details["split"]["plain"]
        after = 1 - plain["split"]["rows_per_s"] / plain["read_claim_rows"]["rows_per_s"]
        return (
            f"reading and validating alone runs at {plain['read_only_ratio']:.3f} of csv.reader; packing the rows into "
            f"pydantic messages and serialising them takes {after:.0%} of the splitter's time"
        )
    if key == "pipeline_rows_per_s" and "rows_per_s" in details.get("pipeline", {}):
        run = details["pipeline"]
        return (
            f"one GIL-bound process ({run.get('cpu_s', 0.0) / run['seconds']:.2f} cores busy), about half of its CPU in "
            f"the lookup itself (the simulated payer's work and the mapping of its answers), and the results file written "
            f"after the last row ({run.get('aggregation_s') or 0.0:.0f} s)"
        )
    return "see bench/results.md"


def readme_section(results: dict[str, float | None], details: dict[str, Any], machine: dict[str, Any]) -> str:
    met = verdicts(results)
    unmet = [figure.key for figure in FIGURES if met[figure.key] is False]
    summary = (
        "Every target is met."
        if not unmet
        else "Not met — `bench/results.md` shows where the time goes (py-spy profiles) and the fixes proposed:\n\n"
        + "\n".join(f"- `{key}`: {_why_unmet(key, details)}." for key in unmet)
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
