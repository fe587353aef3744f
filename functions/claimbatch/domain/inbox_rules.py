"""Which stored objects are jobs (SPEC §2 "Objects that are not jobs")."""

from __future__ import annotations

from claimbatch.domain.job import INBOX_PREFIX

_PARTIAL_SUFFIXES = (".tmp", ".part", ".filepart", ".partial", "~")


def skip_reason(key: str, size: int | None) -> str | None:
    """None when the object is a job; otherwise why it is skipped (no PHI: no key in it)."""
    if not key.startswith(INBOX_PREFIX):
        return "outside the inbox prefix"
    name = key.rsplit("/", 1)[-1]
    if not name:
        return "a folder marker"
    if name.startswith("."):
        return "a hidden file"
    if name.lower().endswith(_PARTIAL_SUFFIXES):
        return "a partial upload"
    if size == 0:
        return "a zero-byte object"
    return None
