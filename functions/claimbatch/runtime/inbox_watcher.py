"""Finds files in a local inbox folder that are complete and ready to be jobs.

A file is ready once its size and modification time have stayed the same for
`settle_s` and no process holds it open for writing any more (where the system
can tell, see open_writers.py): a file still being copied in is not picked up
half-written, even when the copy pauses. Names that are not jobs (SPEC §2) are
left alone, and logged as skipped once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import INBOX_PREFIX
from claimbatch.observability import logger
from claimbatch.runtime.open_writers import open_for_writing

BusyCheck = Callable[[Collection[Path]], set[Path]]


@dataclass(frozen=True)
class ReadyFile:
    key: str  # inbox/… relative to the data folder
    version: str  # changes whenever the content is rewritten
    size: int


def version_of(size: int, mtime_ns: int) -> str:
    return f"{mtime_ns}-{size}"


class InboxWatcher:
    def __init__(
        self,
        data_dir: Path,
        settle_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        busy: BusyCheck = open_for_writing,
    ) -> None:
        self._data_dir = data_dir
        self._inbox = data_dir / INBOX_PREFIX
        self._settle_s = settle_s
        self._clock = clock
        self._busy = busy
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}  # key → (size, mtime), since when
        self._handed_out: set[tuple[str, str]] = set()
        self._skipped: set[tuple[str, str]] = set()

    def poll(self) -> list[ReadyFile]:
        now = self._clock()
        settled: dict[Path, ReadyFile] = {}
        present = set()
        for path in sorted(self._inbox.rglob("*")):
            try:
                if not path.is_file():
                    continue
                stat = path.stat()
            except OSError:  # removed meanwhile
                continue
            key = path.relative_to(self._data_dir).as_posix()
            present.add(key)
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(key)
            if previous is None or previous[0] != signature:
                self._seen[key] = (signature, now)
                continue
            version = version_of(stat.st_size, stat.st_mtime_ns)
            if now - previous[1] < self._settle_s or (key, version) in self._handed_out:
                continue
            if (reason := skip_reason(key, stat.st_size)) is not None:
                if (key, version) not in self._skipped:
                    self._skipped.add((key, version))
                    logger.info("inbox file skipped", extra={"reason": reason})
                continue
            settled[path.resolve()] = ReadyFile(key=key, version=version, size=stat.st_size)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        self._skipped = {entry for entry in self._skipped if entry[0] in present}
        self._handed_out = {entry for entry in self._handed_out if entry[0] in present}
        still_written = self._busy(settled.keys()) if settled else set()
        ready = [
            file
            for path, file in settled.items()
            if path not in still_written and _unchanged(path, file)  # not finished between the stat and the check
        ]
        self._handed_out.update((file.key, file.version) for file in ready)
        return ready


def _unchanged(path: Path, file: ReadyFile) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return version_of(stat.st_size, stat.st_mtime_ns) == file.version
