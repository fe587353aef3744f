"""ObjectStore on a data folder: keys are paths under it (inbox/…, results/…).

Objects are read only as the regular files they are: every folder of the key and
the file itself are opened without following a symbolic link, so a file (or a
folder) swapped for a link after the inbox watcher checked it is refused, not
read (a link would hand one tenant another tenant's file).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from claimbatch.domain.errors import InputFileError

READ_CHUNK = 1 << 20
LOCAL_BUCKET = "local"
NOT_REGULAR_MESSAGE = "the input file is a symbolic link or not a regular file; it is not read"
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NO_LINK = os.O_NOFOLLOW
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO must not hang the open


class LocalObjectStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def path_of(self, key: str) -> Path:
        path = (self.data_dir / key).resolve()
        if not path.is_relative_to(self.data_dir.resolve()):
            raise ValueError("object key points outside the data folder")
        return path

    def read_chunks(self, bucket: str, key: str, version: str | None) -> Iterator[bytes]:
        with os.fdopen(self._open_regular_file(key), "rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                yield chunk

    def _open_regular_file(self, key: str) -> int:
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError("object key points outside the data folder")
        folder = os.open(self.data_dir, _FOLDER)
        try:
            for part in parts[:-1]:
                inner = os.open(part, _FOLDER | _NO_LINK, dir_fd=folder)
                os.close(folder)
                folder = inner
            handle = os.open(parts[-1], _FILE, dir_fd=folder)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR):  # a link where a folder or the file should be
                raise InputFileError(NOT_REGULAR_MESSAGE) from None
            raise
        finally:
            os.close(folder)
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            os.close(handle)
            raise InputFileError(NOT_REGULAR_MESSAGE)
        return handle

    def write_stream(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str) -> None:
        """Write to a temporary file beside the target, then rename: readers never see half a file."""
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def copy(self, bucket: str, source_key: str, target_key: str) -> None:
        """A hard link, put in place by a rename: no second copy of the bytes, and readers of
        the target see the old file or the new one, never a missing one."""
        source, target = self.path_of(source_key), self.path_of(target_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f".{target.name}.{os.getpid()}.link"
        temporary.unlink(missing_ok=True)
        try:
            os.link(source, temporary)
        except OSError:  # a file system without hard links: copy the bytes instead
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)

    def location(self, bucket: str, key: str) -> str:
        return str(self.path_of(key))
