"""The splitter's use case: stream the input, record row errors at once, and
hand valid rows on in chunks; resumable from a cursor by a later invocation."""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain

from claimbatch import defaults
from claimbatch.domain.claim_row import InvalidRow, RowBatch, ValidColumns
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.input_reader import InputLimits, read_claim_batches
from claimbatch.domain.job import JobState, SourceObject, SplitPlan, utc_now
from claimbatch.domain.result_row import ResultRow, result_from_invalid
from claimbatch.domain.text_decoding import format_size
from claimbatch.logic.completion import complete_if_done
from claimbatch.observability import logger
from claimbatch.ports.job_store import ChunkId, JobStore
from claimbatch.ports.messages import RowChunk
from claimbatch.ports.object_store import ObjectStore
from claimbatch.ports.queues import RowQueue, StageSignals

SEND_BATCH = 10  # SQS SendMessageBatch takes at most ten entries


class SplitOutcome(StrEnum):
    FINISHED = "finished"
    CONTINUED = "continued"  # a next invocation goes on from the saved cursor
    FAILED = "failed"  # file-level error: the job is FAILED
    SKIPPED = "skipped"  # another splitter holds the job, or it is past splitting


@dataclass(frozen=True)
class SplitSettings:
    rows_per_message: int = defaults.ROWS_PER_MESSAGE
    limits: InputLimits = field(default_factory=InputLimits)
    lease_s: float = 960.0  # longer than one invocation can run
    # The cursor (and the lease) is saved at most this often while rows flow: a splitter that
    # dies sends again at most this much, and chunk ids keep those rows counted once.
    save_cursor_every_s: float = 1.0
    stop_when_remaining_s: float = 60.0  # hand over to a next invocation below this

    @property
    def plan(self) -> SplitPlan:
        """The plan a job gets at its first split; a job split before keeps its own."""
        return SplitPlan(
            rows_per_message=self.rows_per_message, max_rows=self.limits.max_rows, max_bytes=self.limits.max_bytes
        )


@dataclass
class SplitDeps:
    store: JobStore
    objects: ObjectStore
    rows: RowQueue
    signals: StageSignals
    settings: SplitSettings = field(default_factory=SplitSettings)
    clock: Callable[[], float] = time.time


def chunk_id_of_invalid_rows(chunk: int) -> ChunkId:
    """Where a chunk's row errors are stored and counted, beside the rows it looks up."""
    return ChunkId(chunk, row_errors=True)


@dataclass(frozen=True, slots=True)
class _ChunkPart:
    """The rows of a batch that fall in one chunk, up to row `last`."""

    chunk: int
    last: int
    valid: ValidColumns
    invalid: list[InvalidRow]


class _ChunkPacker:
    """Groups the rows of each batch by chunk (rows chunk*size+1 .. (chunk+1)*size) and
    flushes them: row errors stored and counted, valid rows queued as columns."""

    def __init__(self, job_id: str, deps: SplitDeps, rows_already_split: int, plan: SplitPlan) -> None:
        self._job_id = job_id
        self._deps = deps
        self._plan = plan
        self._chunk: int | None = None
        self._chunk_last_row = rows_already_split
        self._valid = ValidColumns.empty(rule_checked=True)
        self._invalid: list[InvalidRow] = []
        self._outbox: list[RowChunk] = []
        self._errors_outbox: list[tuple[ChunkId, list[ResultRow]]] = []
        self._outbox_last_row = rows_already_split
        self.rows_handed_on = rows_already_split  # every row up to here is queued or stored
        self.messages_sent = 0

    def parts(self, batch: RowBatch) -> Iterator[_ChunkPart]:
        """The batch cut at chunk boundaries, in order."""
        size = self._plan.rows_per_message
        valid, invalid = batch.valid, batch.invalid
        row = batch.first
        while row <= batch.last:
            chunk = self._plan.chunk_of(row)
            last = min(batch.last, (chunk + 1) * size)  # the chunk's part of the batch: rows row..last
            if last == batch.last:
                yield _ChunkPart(chunk, last, valid, invalid)
                return
            cut = bisect_right(valid.rows, last)
            yield _ChunkPart(chunk, last, valid.sliced(0, cut), [error for error in invalid if error.row <= last])
            valid, invalid = valid.sliced(cut, len(valid)), [error for error in invalid if error.row > last]
            row = last + 1

    def add(self, part: _ChunkPart) -> bool:
        """Take the rows of one chunk; True when this flushed to the queue (a safe point for the cursor)."""
        sent = False
        if part.chunk != self._chunk:
            sent = self._close_chunk()
            self._chunk = part.chunk
        self._valid.extend(part.valid)
        self._invalid.extend(part.invalid)
        self._chunk_last_row = part.last
        return sent

    def finish(self) -> None:
        self._close_chunk()
        self._send()

    def _close_chunk(self) -> bool:
        if self._chunk is None:
            return False
        if self._invalid:
            results = [result_from_invalid(row) for row in self._invalid]
            self._errors_outbox.append((chunk_id_of_invalid_rows(self._chunk), results))
        if self._valid:
            self._outbox.append(RowChunk(self._job_id, self._chunk, columns=self._valid))
        self._outbox_last_row = self._chunk_last_row
        self._chunk, self._valid, self._invalid = None, ValidColumns.empty(rule_checked=True), []
        if len(self._outbox) >= SEND_BATCH or len(self._errors_outbox) >= SEND_BATCH:
            self._send()
            return True
        return False

    def _send(self) -> None:
        """Row errors stored, then valid rows queued: only then are their rows handed on."""
        if self._errors_outbox:
            self._deps.store.count_chunks(self._job_id, self._errors_outbox)  # one store trip for the batch
            self._errors_outbox = []
        if self._outbox:
            self._deps.rows.send_chunks(self._outbox)
            self.messages_sent += len(self._outbox)
            self._outbox = []
        self.rows_handed_on = self._outbox_last_row


def split_job(job_id: str, deps: SplitDeps, remaining_s: Callable[[], float]) -> SplitOutcome:
    """Split (or go on splitting) one job. Safe to run again at any point: chunks
    have deterministic ids, results are idempotent, counts are per chunk."""
    store, settings = deps.store, deps.settings
    job = store.get_job(job_id)
    now = deps.clock()
    plan = None if job is None else store.claim_split(job_id, now, now + settings.lease_s, settings.plan)
    if job is None or plan is None:
        logger.info("split skipped", extra={"job_id": job_id})
        return SplitOutcome.SKIPPED

    rows_already_split = store.split_cursor(job_id)
    packer = _ChunkPacker(job_id, deps, rows_already_split, plan)
    source = job.source
    limits = plan.limits(settings.limits)  # the job's, whatever the settings are now
    try:
        if source.size and source.size > limits.max_bytes:
            raise InputFileError(
                f"file is larger than the limit of {limits.max_bytes:,} bytes ({source.size:,} bytes)"
            )
        if rows_already_split == 0:
            check_limits(deps.objects, source, limits)
        chunks = deps.objects.read_chunks(source.bucket, source.key, source.version)
        batches = read_claim_batches(chunks, limits, start_after_row=rows_already_split)
        cursor_saved_at = now
        for part in chain.from_iterable(map(packer.parts, batches)):
            if packer.add(part):
                if (clock := deps.clock()) - cursor_saved_at >= settings.save_cursor_every_s:
                    store.save_split_cursor(job_id, packer.rows_handed_on, clock + settings.lease_s)
                    cursor_saved_at = clock
                if remaining_s() < settings.stop_when_remaining_s:
                    return _hand_over(job_id, packer, deps)
        packer.finish()
    except InputFileError as error:
        logger.info("file-level error", extra={"job_id": job_id, "error": error.message})
        failed = store.transition(
            job_id, [JobState.RECEIVED, JobState.SPLITTING], JobState.FAILED, error=error.message, at=utc_now()
        )
        if failed:
            deps.signals.request_aggregation(job_id)  # a failed job still gets its summary
        return SplitOutcome.FAILED
    except BaseException:
        # Let the redelivered message (or a continuation) take over at once, from the saved point.
        store.save_split_cursor(job_id, packer.rows_handed_on, 0.0)
        raise

    total = packer.rows_handed_on
    store.finish_split(job_id, total)
    logger.info("split finished", extra={"job_id": job_id, "rows": total, "messages": packer.messages_sent})
    complete_if_done(job_id, store, deps.signals)
    return SplitOutcome.FINISHED


def check_limits(objects: ObjectStore, source: SourceObject, limits: InputLimits) -> None:
    """Raise InputFileError when the file is over the byte or the row limit, before
    any of its rows is sent: a file that is going to fail must cost no lookups.

    One pass counts bytes and line breaks (LF, CR, CRLF) at C speed: the header
    and every data record but the last end with a break, so a file has at most as
    many data records as breaks, one fewer when it ends with one. Counting errs
    only high (UTF-16), so a file within the row
    limit by this count is within it; any other is read as CSV (records counted,
    nothing validated) to be sure."""
    size = breaks = 0
    last = b""
    for chunk in objects.read_chunks(source.bucket, source.key, source.version):
        size += len(chunk)
        if size > limits.max_bytes:
            raise InputFileError(f"file is larger than {format_size(limits.max_bytes)} (limit)")
        if not chunk:
            continue
        breaks += len(chunk.splitlines()) - (not chunk.endswith((b"\n", b"\r")))  # one pass, LF, CR and CRLF
        if last == b"\r" and chunk.startswith(b"\n"):
            breaks -= 1  # a CRLF split between two chunks is one break
        last = chunk[-1:] or last
    if breaks - (last in (b"\n", b"\r")) <= limits.max_rows:
        return
    chunks = objects.read_chunks(source.bucket, source.key, source.version)
    for _ in read_claim_batches(chunks, limits, start_after_row=limits.max_rows):  # yields nothing, raises over the limit
        pass


def _hand_over(job_id: str, packer: _ChunkPacker, deps: SplitDeps) -> SplitOutcome:
    deps.store.save_split_cursor(job_id, packer.rows_handed_on, 0.0)  # release the lease
    deps.signals.continue_split(job_id)
    logger.info("split continues in a next invocation", extra={"job_id": job_id, "rows_split": packer.rows_handed_on})
    return SplitOutcome.CONTINUED
