"""A chunk part's item on the job table (dynamodb_job_store.py lists the item types):
pk=JOB#<job>, sk=CHUNK#<chunk, 9 digits>[i], its rows' results zlib-compressed in the
Binary attribute `results`, `counted` once the part is counted into the job's counters.

DynamoDB bills a write by the kilobyte (twice inside a transaction) and refuses an
item over 400 KB, so the results are stored compactly (domain/result_rows_codec.py:
compact JSON, then zlib): about 3 KB for 100 answered rows. What bounds the
item: a chunk holds at most MAX_ROWS_PER_MESSAGE (1,000) rows (domain/job.py), and
should its compressed results still be over RESULTS_LIMIT_BYTES — only text fields of
thousands of characters can do that: a row error's claim number may be up to the
input's 10,000-character field limit, a payer's answer up to its size limit — each
text field is cut, first to CUT_FIELD_BYTES[0] then to CUT_FIELD_BYTES[1] bytes of
JSON (quotes and escapes counted). At the last cut a row is its 11 text fields of at
most 20 bytes each, its number, outcome and retryable flag: under 300 bytes of JSON,
so 1,000 rows stay under RESULTS_LIMIT_BYTES before compression (which never grows
data by more than 0.1% + 11 bytes), with room for the keys under 400 KB."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from claimbatch.adapters.aws.dynamodb_items import job_pk
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.result_rows_codec import decode_results, encode_results
from claimbatch.observability import logger
from claimbatch.ports.chunk_ledger import ChunkId

CHUNK_PREFIX = "CHUNK#"
RESULTS_LIMIT_BYTES = 350_000
CUT_FIELD_BYTES = (256, 20)
_TEXT_FIELDS = tuple(field.name for field in fields(ResultRow) if field.type == "str")
_ELLIPSIS = "…"


def chunk_key(job_id: str, chunk: ChunkId) -> dict[str, Any]:
    return {"pk": {"S": job_pk(job_id)}, "sk": {"S": CHUNK_PREFIX + chunk.key}}


def chunk_item(job_id: str, chunk: ChunkId, results: Sequence[ResultRow], *, counted: bool) -> dict[str, Any]:
    item = {
        **chunk_key(job_id, chunk),
        "rows": {"N": str(len(results))},
        "results": {"B": _compressed(job_id, chunk, results)},
    }
    if counted:
        item["counted"] = {"BOOL": True}
    return item


def results_of_item(item: dict[str, Any]) -> list[ResultRow]:
    """The rows of a (raw, not deserialized) chunk item; none for an item without results."""
    stored = item.get("results")
    return decode_results(zlib.decompress(stored["B"])) if stored else []


def is_counted(item: dict[str, Any]) -> bool:
    return bool(item.get("counted", {}).get("BOOL"))


def _compressed(job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> bytes:
    packed = zlib.compress(encode_results(results), 6)
    for limit in CUT_FIELD_BYTES:
        if len(packed) <= RESULTS_LIMIT_BYTES:
            return packed
        logger.warning(
            "chunk results cut to fit one item", extra={"job_id": job_id, "chunk": chunk.key, "field_bytes": limit}
        )
        packed = zlib.compress(encode_results([_cut_fields(result, limit) for result in results]), 6)
    if len(packed) > RESULTS_LIMIT_BYTES:  # more rows than MAX_ROWS_PER_MESSAGE: never made by the splitter
        raise ValueError(f"the results of a chunk of {len(results):,} rows do not fit one table item")
    return packed


def _cut_fields(result: ResultRow, limit: int) -> ResultRow:
    cut = {name: _cut(getattr(result, name), limit) for name in _TEXT_FIELDS}
    return replace(result, **cut)


def _cut(text: str, limit: int) -> str:
    """The longest start of `text` whose JSON string (quotes, escapes, UTF-8) fits `limit` bytes with an ellipsis."""
    if _json_bytes(text) <= limit:
        return text
    budget = limit - 2 - len(_ELLIPSIS.encode())
    kept = []
    for character in text:
        budget -= _json_bytes(character) - 2
        if budget < 0:
            break
        kept.append(character)
    return "".join(kept) + _ELLIPSIS


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode())
