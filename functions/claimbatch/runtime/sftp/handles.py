"""Open files of SFTP sessions: downloads, and the cap on how many may be open.

A client that opens thousands of files without closing them would take the
file descriptors the service needs (its database, its sockets); each session
and the whole server may hold only so many, and the next open gets a clear
refusal instead.
"""

from __future__ import annotations

import asyncio
import os

from claimbatch.runtime.sftp.tenant_view import Refusal, Refused

MAX_OPEN_PER_SESSION = 64
MAX_OPEN_IN_ALL = 512


class Download:
    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    async def read(self, offset: int, size: int) -> bytes:
        return await asyncio.to_thread(os.pread, self._open_descriptor(), size, offset)

    def status(self) -> os.stat_result:
        found = os.fstat(self._open_descriptor())
        return os.stat_result((found.st_mode & ~0o222, *tuple(found)[1:]))

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def _open_descriptor(self) -> int:
        if self._descriptor is None:
            raise ValueError("the download is closed")
        return self._descriptor


class OpenFileBudget:
    """Counts open files across every session of one server."""

    def __init__(self, per_session: int = MAX_OPEN_PER_SESSION, in_all: int = MAX_OPEN_IN_ALL) -> None:
        self.per_session = per_session
        self.in_all = in_all
        self.open = 0

    def take(self, open_in_session: int) -> None:
        if open_in_session >= self.per_session:
            raise Refused(
                Refusal.DENIED, f"Too many files open in this session (at most {self.per_session}); close some first."
            )
        if self.open >= self.in_all:
            raise Refused(Refusal.DENIED, "The server has too many files open right now; try again shortly.")
        self.open += 1

    def give_back(self) -> None:
        self.open = max(0, self.open - 1)
