"""ObjectStore on a data folder: keys are paths under it (inbox/…, results/…)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

READ_CHUNK = 1 << 20
LOCAL_BUCKET = "local"


class LocalObjectStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def path_of(self, key: str) -> Path:
        path = (self.data_dir / key).resolve()
        if not path.is_relative_to(self.data_dir.resolve()):
            raise ValueError("object key points outside the data folder")
        return path

    def read_chunks(self, bucket: str, key: str, version: str | None) -> Iterator[bytes]:
        with self.path_of(key).open("rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                yield chunk

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

    def location(self, bucket: str, key: str) -> str:
        return str(self.path_of(key))
