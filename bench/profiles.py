"""Where the time goes: a benchmark process sampled by py-spy, summed by part of the pipeline.

py-spy samples every thread 100 times a second (the short splitter run: 1,000) and keeps only samples that
hold the GIL (`--gil`): the Python work, which one process does one piece at a
time whatever the number of cores. It samples the benchmark's child processes
too (`--subprocesses`: the embedded runtime's lookup process does the lookups),
and the summary leaves out the claims API simulator's (a remote payer's CPU is
not ours), so the shares are of the pipeline's Python work in all its processes. Each sample is given to the innermost frame
that belongs to a known part (a pydantic or strptime frame goes to the
claimbatch code that called it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# (part, path fragments): checked innermost frame first; the first part a frame matches wins.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("simulated payer: validate the inquiry, derive the claim (simulator/claims_data.py)", ("claimbatch/simulator/claims_data.py",)),
    (
        "request building and answer mapping (claims/optum_schema.py: inquiry_body, InquiryResponse.model_validate, choose_claim, to_claim_status)",
        ("claimbatch/claims/optum_schema.py", "claimbatch/simulator/in_process_provider.py"),
    ),
    (
        "HTTP client (claims/optum_client.py, httpx, httpcore, h11)",
        ("claimbatch/claims/", "httpx/", "httpcore/", "h11/", "anyio/", "sniffio/", "uuid.py", "email/"),
    ),
    (
        "reading and validating the input (domain/input_reader.py, csv_records.py, csv_line_feed.py, bulk_checks.py,"
        " value_rules.py, text_decoding.py)",
        (
            "claimbatch/domain/input_reader.py",
            "claimbatch/domain/csv_records.py",
            "claimbatch/domain/csv_line_feed.py",
            "claimbatch/domain/bulk_checks.py",
            "claimbatch/domain/text_decoding.py",
            "claimbatch/domain/value_rules.py",
            "claimbatch/domain/header_aliases.py",
        ),
    ),
    (
        "packing rows into chunk messages (logic/split_file.py, ports/messages.py: QueuedRow, RowChunk.to_json)",
        ("claimbatch/logic/split_file.py", "claimbatch/ports/messages.py"),
    ),
    ("result rows (domain/result_row.py)", ("claimbatch/domain/result_row.py",)),
    ("SQLite job store (adapters/embedded/sqlite_*.py)", ("claimbatch/adapters/embedded/sqlite_", "sqlite3/")),
    (
        "aggregation: ordered results CSV (logic/aggregate_results.py, domain/results_writer.py)",
        (
            "claimbatch/logic/aggregate_results.py",
            "claimbatch/domain/results_writer.py",
            "claimbatch/domain/results_order.py",
            "claimbatch/domain/summary.py",
            "claimbatch/adapters/embedded/local_object_store.py",
        ),
    ),
    ("logging (Powertools JSON logger)", ("aws_lambda_powertools/logging/", "logging/__init__.py")),  # json/: its caller
    (
        "worker loop (logic/process_chunk.py, logic/completion.py, runtime/embedded.py)",
        ("claimbatch/logic/process_chunk.py", "claimbatch/logic/completion.py", "claimbatch/runtime/"),  # domain/job.py: its caller
    ),
    ("imports and start-up", ("<frozen importlib", "importlib/")),
    (
        "event loop and thread hand-offs (asyncio, to_thread, concurrent.futures, selectors)",
        ("asyncio/", "concurrent/futures/", "threading.py", "selectors.py", "queue.py"),
    ),
    ("the benchmark's own code (bench/)", ("bench/",)),
)
OTHER = "other"
_LINE = re.compile(r":\d+\)$")
# The process frame py-spy puts first in a simulator's samples (bench.child.external_simulator).
SIMULATOR_PROCESS = "claimbatch.cli.main simulator"


def py_spy() -> str | None:
    """The py-spy installed beside this interpreter (the project's venv), else one on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def record(
    command: list[str], raw_out: Path, cwd: Path, timeout_s: float, env: dict[str, str] | None = None, rate: int = 100
) -> bool:
    """Run `command` under py-spy; True when a raw profile was written."""
    executable = py_spy()
    if executable is None:
        return False
    raw_out.parent.mkdir(parents=True, exist_ok=True)
    sampler = [
        executable, "record", "--format", "raw", "--gil", "--nonblocking", "--subprocesses",
        "--rate", str(rate), "--output", str(raw_out), "--",
    ]
    try:
        subprocess.run(sampler + command, cwd=cwd, env=env, check=True, timeout=timeout_s, capture_output=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return False
    return raw_out.exists()


def part_of(frames: list[str]) -> str:
    for frame in reversed(frames):  # innermost first
        for part, fragments in PARTS:
            if any(fragment in frame for fragment in fragments):
                return part
    return OTHER


def _function(frame: str) -> str:
    return _LINE.sub(")", frame)


def summarize(
    raw: Path, within: str | None = None, excluding: tuple[str, ...] = (), top: int = 12
) -> dict[str, Any]:
    """Shares of samples by part, and the functions with the most samples of their own.
    `within`: only samples whose stack holds a frame containing this text; `excluding`:
    not those holding a frame that contains any of these (start-up, the baseline)."""
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if all(frame.startswith("process ") for frame in frames):
            continue  # processes only, no Python frame (one starting or exiting): no work of ours
        if within is not None and not any(within in frame for frame in frames):
            continue
        if any(text in frame for frame in frames for text in excluding):
            continue
        samples = int(count)
        total += samples
        parts[part_of(frames)] += samples
        own[_function(frames[-1])] += samples
    return {
        "samples": total,
        "parts": [(part, n / total) for part, n in parts.most_common()] if total else [],
        "top_own": [(function, n / total) for function, n in own.most_common(top)] if total else [],
    }
