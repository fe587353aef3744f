"""Where input files are read and results written (S3; a data folder locally)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol


class ObjectStore(Protocol):
    def read_chunks(self, bucket: str, key: str, version: str | None) -> Iterator[bytes]:
        """Stream an object's bytes; `version` pins the object version when the store has one."""
        ...

    def write_stream(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str) -> None:
        """Write an object from a stream of chunks, without holding it all in memory."""
        ...

    def copy(self, bucket: str, source_key: str, target_key: str) -> None:
        """Put a copy of an object at `target_key` (replacing what was there), in one step."""
        ...

    def location(self, bucket: str, key: str) -> str:
        """Where a user finds the object (s3://… or a local path)."""
        ...
