"""Which files some process still holds open for writing.

A copy that pauses (a slow disk, a network share, an SFTP upload) leaves a file
whose size and modification time stand still although it is not complete. On
Linux the kernel says who has it open, and how: /proc/<pid>/fd links to the
file, /proc/<pid>/fdinfo/<fd> gives the open flags. Elsewhere nothing is known
and the inbox relies on its settle time alone.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

PROC = Path("/proc")


def open_for_writing(paths: Collection[Path], proc: Path = PROC) -> set[Path]:
    """The subset of `paths` (absolute, symlinks resolved) open for writing by any process we can see."""
    if not paths or not (proc / "self" / "fdinfo").is_dir():
        return set()
    wanted = {str(path): path for path in paths}
    busy: set[Path] = set()
    for process in os.scandir(proc):
        if not process.name.isdigit():
            continue
        fd_dir = os.path.join(process.path, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or another user's process
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target in wanted and _opened_for_writing(os.path.join(process.path, "fdinfo", fd)):
                busy.add(wanted[target])
    return busy


def _opened_for_writing(fdinfo: str) -> bool:
    try:
        with open(fdinfo, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)
    except (OSError, ValueError, IndexError):
        return False  # closed meanwhile
    return False
