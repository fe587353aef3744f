"""An object arrived in the inbox: what the runtimes' event sources tell the use cases."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectCreated:
    bucket: str
    key: str  # already URL-decoded
    version: str  # S3 version id, else the event sequencer / a content identity
    etag: str = ""
    size: int | None = None
