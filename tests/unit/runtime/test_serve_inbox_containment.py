"""One inbox file's failure never ends `serve`: it is logged, and the other files go on."""

from __future__ import annotations

import asyncio

from claimbatch.cli.serve_command import serve_inbox
from claimbatch.runtime.inbox_watcher import ReadyFile


class _Runtime:
    def __init__(self, stop: asyncio.Event) -> None:
        self.created: list[str] = []
        self._stop = stop

    def unfinished_jobs(self) -> list:
        return []

    def create_new_job(self, key: str, version: str, size: int):
        if "boom" in key:
            raise UnicodeEncodeError("utf-8", key, 0, 1, "surrogates not allowed")
        self.created.append(key)
        self._stop.set()
        return None


class _Watcher:
    def __init__(self) -> None:
        self.polls = 0

    def poll(self) -> list[ReadyFile]:
        self.polls += 1
        if self.polls == 1:
            return [ReadyFile("inbox/boom.csv", "v", 1), ReadyFile("inbox/a.csv", "v", 1)]
        return []


def test_a_file_whose_job_cannot_be_made_is_logged_and_the_next_file_is_picked_up(captured_logs):
    async def scenario() -> _Runtime:
        stop = asyncio.Event()
        runtime = _Runtime(stop)
        await asyncio.wait_for(serve_inbox(runtime, _Watcher(), 0.01, stop), 5)  # type: ignore[arg-type]
        return runtime

    runtime = asyncio.run(scenario())

    assert runtime.created == ["inbox/a.csv"]
    assert '"inbox file failed"' in captured_logs.text and "UnicodeEncodeError" in captured_logs.text
    assert "boom" not in captured_logs.text


def test_a_file_met_while_short_of_descriptors_is_tried_again():
    import errno

    from claimbatch.runtime.inbox_watcher import InboxWatcher

    class Exhausted(_Runtime):
        attempts = 0

        def create_new_job(self, key: str, version: str, size: int):
            Exhausted.attempts += 1
            if Exhausted.attempts == 1:
                raise OSError(errno.EMFILE, "Too many open files")
            return super().create_new_job(key, version, size)

    async def scenario(tmp_path) -> _Runtime:
        stop = asyncio.Event()
        runtime = Exhausted(stop)
        (tmp_path / "inbox").mkdir()
        (tmp_path / "inbox" / "a.csv").write_bytes(b"data")
        watcher = InboxWatcher(tmp_path, settle_s=0.0)
        await asyncio.wait_for(serve_inbox(runtime, watcher, 0.01, stop), 5)  # type: ignore[arg-type]
        return runtime

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        runtime = asyncio.run(scenario(Path(folder)))

    assert runtime.created == ["inbox/a.csv"] and Exhausted.attempts == 2
