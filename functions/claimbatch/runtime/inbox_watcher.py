"""Finds files in a local inbox folder that are complete and ready to be jobs.

A file is ready once its size and modification time have stayed the same for
`settle_s`: a file still being copied in keeps changing, so it is not picked
up half-written. Names that are not jobs (SPEC §2) are left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import INBOX_PREFIX


@dataclass(frozen=True)
class ReadyFile:
    key: str  # inbox/… relative to the data folder
    version: str  # changes whenever the content is rewritten
    size: int


class InboxWatcher:
    def __init__(self, data_dir: Path, settle_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._data_dir = data_dir
        self._inbox = data_dir / INBOX_PREFIX
        self._settle_s = settle_s
        self._clock = clock
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}  # key → (size, mtime), since when
        self._handed_out: set[tuple[str, str]] = set()

    def poll(self) -> list[ReadyFile]:
        now = self._clock()
        ready = []
        present = set()
        for path in sorted(self._inbox.rglob("*")):
            if not path.is_file():
                continue
            key = path.relative_to(self._data_dir).as_posix()
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            present.add(key)
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(key)
            if previous is None or previous[0] != signature:
                self._seen[key] = (signature, now)
                continue
            if now - previous[1] < self._settle_s or skip_reason(key, stat.st_size) is not None:
                continue
            version = f"{stat.st_mtime_ns}-{stat.st_size}"
            if (key, version) not in self._handed_out:
                self._handed_out.add((key, version))
                ready.append(ReadyFile(key=key, version=version, size=stat.st_size))
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready
