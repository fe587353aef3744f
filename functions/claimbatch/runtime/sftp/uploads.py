"""An SFTP upload: written to a staging file outside the inbox, published on close.

The staging folder (DATA/sftp/.uploading/) is on the data folder's disk but
outside DATA/inbox/, so the inbox watcher never sees a file being written. The
data goes straight to disk at the offsets the client gives (clients send
several writes at once, not always in order): nothing is held in memory. When
the client closes the file it is flushed to disk and renamed into the inbox in
one step; an upload whose session ends without that close is removed.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

STAGING_FOLDER = Path("sftp") / ".uploading"  # no tenant name starts with "."
_STAGED_SUFFIX = ".part"


class Upload:
    def __init__(self, staging_dir: Path, target: Path) -> None:
        self.target = target
        self.staged = staging_dir / f"{secrets.token_hex(8)}{_STAGED_SUFFIX}"
        self._descriptor: int | None = os.open(
            self.staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        self.size = 0

    async def write(self, offset: int, data: bytes) -> int:
        descriptor = self._open_descriptor()
        written = await asyncio.to_thread(os.pwrite, descriptor, data, offset)
        self.size = max(self.size, offset + written)
        return written

    def status(self) -> os.stat_result:
        return os.fstat(self._open_descriptor())

    async def publish(self) -> None:
        """Flush the file to disk and move it into place: the inbox sees all of it or nothing."""
        await asyncio.to_thread(self._publish)

    def _publish(self) -> None:
        descriptor = self._open_descriptor()
        self._descriptor = None
        try:
            os.fchmod(descriptor, 0o644)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(self.staged, self.target)

    def discard(self) -> None:
        """Remove what was received; safe to call more than once."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        self.staged.unlink(missing_ok=True)

    def _open_descriptor(self) -> int:
        if self._descriptor is None:
            raise ValueError("the upload is closed")
        return self._descriptor


def prepare_staging(data_dir: Path) -> Path:
    """The staging folder, emptied of uploads a previous run left behind when it stopped."""
    staging = data_dir / STAGING_FOLDER
    staging.mkdir(parents=True, exist_ok=True)
    os.chmod(staging, 0o700)
    for leftover in staging.glob(f"*{_STAGED_SUFFIX}"):
        leftover.unlink(missing_ok=True)
    return staging
