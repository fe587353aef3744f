"""What an SFTP user sees: a root with two folders, and the rules for each.

    /          the two folders below; nothing can be made or changed here
    /inbox     DATA/inbox/<tenant>/: upload, list, read back, and delete or
               rename the tenant's files the service has not picked up yet
    /results   DATA/results/<tenant>/: list and download, nothing else

Paths are resolved here without touching the disk: a client path (absolute,
or relative to the root, which is where every session starts) becomes a
`VirtualPath`, or a `Refused` with the one sentence the client is shown.
`..` may climb back towards the root but never above it; a name may not
contain a NUL, a control character or a backslash. Symbolic links are dealt
with where the disk is touched (tenant_files.py): they are never followed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255
# A tenant name is also a folder name: letters, digits, '.', '_' and '-', not starting with '.'.
_TENANT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\\]")


class Area(enum.Enum):
    ROOT = "root"
    INBOX = "inbox"
    RESULTS = "results"


FOLDERS = {"inbox": Area.INBOX, "results": Area.RESULTS}


class Refusal(enum.Enum):
    """The kind of a refusal, which the server maps to an SFTP status code."""

    NOT_FOUND = "not found"
    EXISTS = "already exists"
    DENIED = "permission denied"
    INVALID_NAME = "invalid name"
    UNSUPPORTED = "unsupported"


class Refused(Exception):
    def __init__(self, kind: Refusal, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class VirtualPath:
    area: Area
    parts: tuple[str, ...] = ()  # below the area's folder

    @property
    def text(self) -> str:
        """The path as the client is shown it."""
        if self.area is Area.ROOT:
            return "/"
        return "/" + "/".join((self.area.value, *self.parts))

    @property
    def is_folder_itself(self) -> bool:
        """The root, /inbox or /results, rather than something inside them."""
        return not self.parts

    @property
    def name(self) -> str:
        return self.parts[-1] if self.parts else ""


def valid_tenant(name: str) -> bool:
    return bool(_TENANT.match(name)) and name not in (".", "..")


def resolve(raw: bytes) -> VirtualPath:
    """The client's path as a place in the tenant's view; Refused when it is not one."""
    if len(raw) > MAX_PATH_BYTES:
        raise Refused(Refusal.INVALID_NAME, "The path is too long.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(Refusal.INVALID_NAME, "The path is not valid UTF-8.") from None
    if _FORBIDDEN_CHARACTERS.search(text):
        raise Refused(Refusal.INVALID_NAME, "The path contains a control character or a backslash.")
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise Refused(Refusal.DENIED, "The path leads outside your folders /inbox and /results.")
            parts.pop()
            continue
        if len(part.encode("utf-8")) > MAX_NAME_BYTES:
            raise Refused(Refusal.INVALID_NAME, "A name in the path is longer than 255 bytes.")
        parts.append(part)
    if not parts:
        return VirtualPath(Area.ROOT)
    area = FOLDERS.get(parts[0])
    if area is None:
        raise Refused(Refusal.NOT_FOUND, "Only /inbox and /results exist here.")
    return VirtualPath(area, tuple(parts[1:]))


def check_read(path: VirtualPath) -> None:
    """Downloading a file: anything inside the two folders."""
    if path.is_folder_itself:
        raise Refused(Refusal.DENIED, f"{path.text} is a folder, not a file.")


def check_upload(path: VirtualPath) -> None:
    """Uploading a file: only inside /inbox."""
    if path.area is not Area.INBOX:
        raise Refused(Refusal.DENIED, _read_only(path))
    if path.is_folder_itself:
        raise Refused(Refusal.DENIED, "/inbox is a folder; upload a file into it.")


def check_change(path: VirtualPath, action: str) -> None:
    """Deleting, renaming or making a folder: only inside /inbox (the picked-up rule is the disk's)."""
    if path.area is not Area.INBOX:
        raise Refused(Refusal.DENIED, _read_only(path))
    if path.is_folder_itself:
        raise Refused(Refusal.DENIED, f"/inbox itself cannot be {action}.")


def check_rename(source: VirtualPath, target: VirtualPath) -> None:
    check_change(source, "renamed")
    check_change(target, "replaced")


def _read_only(path: VirtualPath) -> str:
    if path.area is Area.RESULTS:
        return "/results is read-only: results are written by the service."
    return "Only files inside /inbox can be uploaded or changed."
