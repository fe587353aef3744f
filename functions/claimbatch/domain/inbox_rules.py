"""Which stored objects are jobs (docs/input-files.md: "Objects that are not jobs")."""

from __future__ import annotations

from claimbatch.domain.job import INBOX_PREFIX

_PARTIAL_SUFFIXES = (".tmp", ".part", ".filepart", ".partial", "~")


def skip_reason(key: str, size: int | None) -> str | None:
    """None when the object is a job; otherwise why it is skipped (no PHI: no key in it)."""
    if not _is_utf8(key):  # a local file name in another encoding: S3 keys are UTF-8, and so are the job's records
        return "a name that is not valid UTF-8 (rename the file)"
    if not key.startswith(INBOX_PREFIX):
        return "outside the inbox prefix"
    folders, _, name = key.rpartition("/")
    if not name:
        return "a folder marker"
    if name.startswith("."):
        return "a hidden file"
    if any(folder.startswith(".") for folder in folders.split("/")):
        return "in a hidden folder"
    if name.lower().endswith(_PARTIAL_SUFFIXES):
        return "a partial upload"
    if size == 0:
        return "a zero-byte object"
    return None


def _is_utf8(key: str) -> bool:
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:  # the surrogates Python reads undecodable bytes of a file name as
        return False
    return True
