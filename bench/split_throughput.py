"""Benchmark 1: the splitter's domain path against csv.reader on the same file.

The splitter's use case (`split_job`) runs as in the embedded runtime — the file
read from the data folder in 1 MiB chunks, decoded, every value validated, row
errors recorded in the SQLite job store, valid rows packed into RowChunk
messages — and each message is serialised with `RowChunk.to_json()`, as the SQS
adapter sends it. The baseline is Python's csv.reader merely iterating the same
file, timed before and after; the faster of the two is used (the stricter ratio).
A second, smaller file holds the same kind of rows with every field quoted, as
some exporters write them (`--quoted-rows`, 0 to skip).
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.child import OUT_DIR, arguments, csv_reader_rows_per_s, link_or_copy, logs_to_file, progress, write_result
from bench.inputs import claims_file


class SerialisingQueue:
    """RowQueue and StageSignals: serialises each message as the SQS adapter does, keeps nothing."""

    def __init__(self) -> None:
        self.messages = 0
        self.rows = 0
        self.payload_bytes = 0

    def send_chunks(self, chunks: Sequence[Any]) -> None:
        for chunk in chunks:
            self.payload_bytes += len(chunk.to_json())
            self.messages += 1
            self.rows += len(chunk.rows)

    def request_aggregation(self, job_id: str) -> None:
        pass

    def continue_split(self, job_id: str) -> None:
        pass


def time_split(source: Path, work: Path) -> dict[str, Any]:
    from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
    from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
    from claimbatch.logic.split_file import SplitDeps, SplitOutcome, SplitSettings, split_job
    from claimbatch.logic.start_job import start_job
    from claimbatch.ports.object_events import ObjectCreated

    shutil.rmtree(work, ignore_errors=True)
    key = "inbox/bench/claims.csv"
    link_or_copy(source, work / key)
    store = SqliteJobStore(work / "claimbatch.db")
    queue = SerialisingQueue()
    job = start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version="1", size=source.stat().st_size), store)
    assert job is not None
    deps = SplitDeps(store=store, objects=LocalObjectStore(work), rows=queue, signals=queue, settings=SplitSettings())
    started = time.perf_counter()
    outcome = split_job(job.job_id, deps, lambda: math.inf)
    elapsed = time.perf_counter() - started
    split = store.get_job(job.job_id)
    store.close()
    assert outcome is SplitOutcome.FINISHED and split is not None, outcome
    total = split.counts.total or 0
    return {
        "rows": total,
        "seconds": elapsed,
        "rows_per_s": total / elapsed,
        "messages": queue.messages,
        "rows_in_messages": queue.rows,
        "row_errors": total - queue.rows,
        "message_bytes_mean": queue.payload_bytes / max(1, queue.messages),
    }


def time_reading(source: Path) -> dict[str, Any]:
    """read_claim_rows alone (decode, parse, validate), for the breakdown."""
    from claimbatch.domain.input_reader import read_claim_rows

    started = time.perf_counter()
    rows = 0
    with source.open("rb") as handle:
        for _ in read_claim_rows(iter(lambda: handle.read(1 << 20), b"")):
            rows += 1
    elapsed = time.perf_counter() - started
    return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed}


def measure(source: Path, work: Path, label: str) -> dict[str, Any]:
    progress(f"  [{label}] csv.reader baseline …")
    rows, before = csv_reader_rows_per_s(source)
    progress(f"  [{label}] csv.reader: {before:,.0f} rows/s; splitter on {rows:,} rows …")
    split = time_split(source, work)
    progress(f"  [{label}] splitter: {split['rows_per_s']:,.0f} rows/s; read_claim_rows alone …")
    reading = time_reading(source)
    _, after = csv_reader_rows_per_s(source)
    baseline = max(before, after)
    ratio = split["rows_per_s"] / baseline
    progress(f"  [{label}] read_claim_rows: {reading['rows_per_s']:,.0f} rows/s; csv.reader again: {after:,.0f}; ratio {ratio:.3f}")
    return {
        "file": source.name,
        "file_bytes": source.stat().st_size,
        "csv_reader_rows_per_s": baseline,
        "csv_reader_runs_rows_per_s": [before, after],
        "split": split,
        "read_claim_rows": reading,
        "ratio": ratio,
        "read_only_ratio": reading["rows_per_s"] / baseline,
    }


def main() -> None:
    args = arguments(__doc__ or "", rows=(int, 1_000_000), quoted_rows=(int, 200_000))
    work = OUT_DIR / "split"
    logs_to_file(work.parent / "split.log")
    plain = measure(claims_file(args.rows), work, "plain")
    quoted = measure(claims_file(args.quoted_rows, quote_all=True), work, "all fields quoted") if args.quoted_rows else None
    shutil.rmtree(work, ignore_errors=True)
    write_result(args.result, {"split_ratio_vs_csv_reader": plain["ratio"], "plain": plain, "quoted": quoted})


if __name__ == "__main__":
    main()
