"""A file over a limit fails before any of its rows is sent to be looked up."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import JobState
from claimbatch.logic.split_file import SplitDeps, SplitOutcome, SplitSettings, split_job
from claimbatch.logic.start_job import start_job
from claimbatch.ports.object_events import ObjectCreated

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"


class Recorder:
    def __init__(self) -> None:
        self.chunks: list = []
        self.aggregations: list[str] = []

    def send_chunks(self, chunks) -> None:
        self.chunks.extend(chunks)

    def request_aggregation(self, job_id: str) -> None:
        self.aggregations.append(job_id)

    def continue_split(self, job_id: str) -> None:
        raise AssertionError("no continuation expected")


def _rows(count: int, newline: str = "\n") -> str:
    lines = [HEADER, *(f"GEN{n:05d},ANA,LIMA,01/02/1975,{n:09d}" for n in range(count))]
    return newline.join(lines) + newline


def _split(tmp_path: Path, text: str, limits: InputLimits, *, known_size: bool = True):
    store = SqliteJobStore(tmp_path / "jobs.db")
    objects = LocalObjectStore(tmp_path)
    key = "inbox/limits.csv"
    data = text.encode()
    objects.write_stream(LOCAL_BUCKET, key, [data], "text/csv")
    size = len(data) if known_size else None
    job = start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version="1", size=size), store)
    recorder = Recorder()
    settings = SplitSettings(rows_per_message=2, limits=limits)
    outcome = split_job(job.job_id, SplitDeps(store, objects, recorder, recorder, settings), remaining_s=lambda: 1e9)
    return outcome, store.get_job(job.job_id), recorder, list(store.iter_results(job.job_id))


def test_a_file_over_the_row_limit_sends_no_row(tmp_path):
    outcome, job, recorder, stored = _split(tmp_path, _rows(45), InputLimits(max_rows=40))

    assert outcome is SplitOutcome.FAILED and job.state is JobState.FAILED
    assert job.error == "file has more than 40 data rows (limit)"
    assert recorder.chunks == [] and stored == []


def test_a_file_over_the_byte_limit_of_unknown_size_sends_no_row(tmp_path):
    text = _rows(30_000)  # more than one read of the file

    outcome, job, recorder, stored = _split(tmp_path, text, InputLimits(max_bytes=len(text) - 1), known_size=False)

    assert outcome is SplitOutcome.FAILED and job.error.startswith("file is larger than")
    assert recorder.chunks == [] and stored == []


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_a_file_at_the_row_limit_is_split_whole_whatever_its_line_ends(tmp_path, newline):
    outcome, job, recorder, _ = _split(tmp_path, _rows(40, newline), InputLimits(max_rows=40))

    assert outcome is SplitOutcome.FINISHED and job.counts.total == 40
    assert sum(len(chunk.rows) for chunk in recorder.chunks) == 40


def test_line_breaks_inside_quotes_do_not_count_as_rows(tmp_path):
    text = HEADER + ",note\n" + "".join(f'GEN{n:05d},ANA,LIMA,01/02/1975,{n:09d},"a\nb\nc"\n' for n in range(30))

    outcome, job, _, _ = _split(tmp_path, text, InputLimits(max_rows=30))

    assert outcome is SplitOutcome.FINISHED and job.counts.total == 30


def test_the_exact_count_is_needed_only_past_the_limit_of_line_breaks(tmp_path, monkeypatch):
    import claimbatch.logic.split_file as split_file

    reads: list[int] = []
    real = split_file.read_claim_batches

    def counted(*args, **kwargs):
        reads.append(kwargs.get("start_after_row", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(split_file, "read_claim_batches", counted)
    outcome, _, _, _ = _split(tmp_path, _rows(40, "\r\n"), InputLimits(max_rows=40))

    assert outcome is SplitOutcome.FINISHED
    assert reads == [0]  # the rows were read once: the line breaks alone showed the file within the limit


class _ChunkedObjects:
    """An object store that hands a file out in the given pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.reads = 0

    def read_chunks(self, bucket: str, key: str, version: str | None):
        self.reads += 1
        yield from self.pieces


@pytest.mark.parametrize("rows", [40, 41])
def test_crlfs_split_between_chunks_count_once(rows: int) -> None:
    from claimbatch.domain.errors import InputFileError
    from claimbatch.domain.job import SourceObject
    from claimbatch.logic import split_file

    # Given a CRLF file cut inside every CRLF (each piece ends with its CR)
    data = _rows(rows, "\r\n").encode()
    pieces = [piece + b"\r" for piece in data.split(b"\r")[:-1]] + [data.split(b"\r")[-1]]
    assert b"".join(pieces) == data
    objects = _ChunkedObjects(pieces)
    source = SourceObject(bucket=LOCAL_BUCKET, key="inbox/limits.csv", version="1", size=len(data))

    if rows == 40:  # Then a file at the limit passes on one pass over its bytes
        split_file.check_limits(objects, source, InputLimits(max_rows=40))
        assert objects.reads == 1
    else:  # and one row over it fails
        with pytest.raises(InputFileError, match="more than 40 data rows"):
            split_file.check_limits(objects, source, InputLimits(max_rows=40))
