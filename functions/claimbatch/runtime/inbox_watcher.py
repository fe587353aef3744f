"""Finds files in a local inbox folder that are complete and ready to be jobs.

A file is ready once its size and modification time have stayed the same for
`settle_s` and no process holds it open for writing any more (where the system
can tell, see open_writers.py): a file still being copied in is not picked up
half-written, even when the copy pauses. Names that are not jobs (docs/input-files.md) are
left alone, and logged as skipped once.
"""

from __future__ import annotations

import errno
import os
import stat as file_mode
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import INBOX_PREFIX
from claimbatch.observability import logger
from claimbatch.runtime.open_writers import open_for_writing

BusyCheck = Callable[[Collection[Path]], set[Path]]
SkipReport = Callable[[str, str], None]  # (key, reason): for the console; the log gets the reason only

SYMLINK_REASON = "a symbolic link (never followed)"
SPECIAL_FILE_REASON = "not a regular file"
# Errors that say the process is short of something, not that a folder is bad: the whole scan waits.
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS})


@dataclass(frozen=True)
class ReadyFile:
    key: str  # inbox/… relative to the data folder
    version: str  # changes whenever the content is rewritten
    size: int


def version_of(size: int, mtime_ns: int) -> str:
    return f"{mtime_ns}-{size}"


def _ignore_skip(key: str, reason: str) -> None:
    return None


class InboxWatcher:
    """Symbolic links and special files (FIFOs, sockets, devices) are skipped, never
    followed: a link in one tenant's folder must not hand it another tenant's file.
    A scan that fails for want of file descriptors hands out nothing and is retried
    at the next poll; one unreadable subfolder is left out of the scan."""

    def __init__(
        self,
        data_dir: Path,
        settle_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        busy: BusyCheck = open_for_writing,
        on_skip: SkipReport = _ignore_skip,
    ) -> None:
        self._data_dir = data_dir
        self._inbox = data_dir / INBOX_PREFIX
        self._settle_s = settle_s
        self._clock = clock
        self._busy = busy
        self._on_skip = on_skip
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}  # key → (size, mtime), since when
        self._handed_out: set[tuple[str, str]] = set()
        self._skipped: set[tuple[str, str]] = set()

    def poll(self) -> list[ReadyFile]:
        now = self._clock()
        try:
            entries = sorted(self._entries())
        except OSError as error:
            logger.warning("inbox scan failed; retrying", extra={"error": errno.errorcode.get(error.errno or 0, "")})
            return []
        settled: dict[Path, ReadyFile] = {}
        present = set()
        for key, stat in entries:
            present.add(key)
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(key)
            if previous is None or previous[0] != signature:
                self._seen[key] = (signature, now)
                continue
            version = version_of(stat.st_size, stat.st_mtime_ns)
            if now - previous[1] < self._settle_s or (key, version) in self._handed_out:
                continue
            if (reason := _reason_to_skip(key, stat)) is not None:
                self._skip(key, version, reason)
                continue
            path = (self._data_dir / key).resolve()
            settled[path] = ReadyFile(key=key, version=version, size=stat.st_size)
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

    def retry_later(self, file: ReadyFile) -> None:
        """Hand `file` out again at a next poll (it could not be taken up just now)."""
        self._handed_out.discard((file.key, file.version))

    def _skip(self, key: str, version: str, reason: str) -> None:
        if (key, version) in self._skipped:
            return
        self._skipped.add((key, version))
        logger.info("inbox file skipped", extra={"reason": reason})
        self._on_skip(key, reason)

    def _entries(self) -> Iterator[tuple[str, os.stat_result]]:
        """(key, lstat) of everything under the inbox but folders; links are not followed."""
        pending = [self._inbox]
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    found = list(listing)
            except FileNotFoundError:
                continue
            except OSError as error:
                if folder == self._inbox or error.errno in _OUT_OF_RESOURCES:
                    raise
                continue  # an unreadable subfolder
            for entry in found:
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:  # removed meanwhile
                    continue
                if file_mode.S_ISDIR(stat.st_mode):
                    pending.append(Path(entry.path))
                else:
                    yield Path(entry.path).relative_to(self._data_dir).as_posix(), stat


def _reason_to_skip(key: str, stat: os.stat_result) -> str | None:
    if file_mode.S_ISLNK(stat.st_mode):
        return SYMLINK_REASON
    if not file_mode.S_ISREG(stat.st_mode):
        return SPECIAL_FILE_REASON
    return skip_reason(key, stat.st_size)


def _unchanged(path: Path, file: ReadyFile) -> bool:
    try:
        stat = os.lstat(path)
    except OSError:
        return False
    return file_mode.S_ISREG(stat.st_mode) and version_of(stat.st_size, stat.st_mtime_ns) == file.version
