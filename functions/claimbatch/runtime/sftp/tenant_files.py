"""One tenant's two folders on disk, as the SFTP view allows them to be used.

Every operation takes a `VirtualPath` (already checked by tenant_view.py) and
touches only DATA/inbox/<tenant>/ or DATA/results/<tenant>/. No symbolic link
is ever followed or shown: a link anywhere on the way is "not found", and files
are opened with O_NOFOLLOW. A file in /inbox may be deleted or renamed only
while the service has not picked it up (no job exists for that version of it),
and replaced (uploaded again, or renamed onto) only while no job of it is running.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from claimbatch.domain.job import INBOX_PREFIX, RESULTS_PREFIX
from claimbatch.runtime.inbox_watcher import version_of
from claimbatch.runtime.sftp.tenant_view import FOLDERS, Area, Refusal, Refused, VirtualPath



class Pickup(enum.Enum):
    """What the service has done with one version of an inbox file."""

    NOT_YET = "not picked up"
    RUNNING = "its job is running"
    FINISHED = "its job has ended"


# (key under the data folder, version as the inbox watcher names it) → what became of it
InboxJobs = Callable[[str, str], Pickup]

_READ_ONLY_FOLDER_MODE = stat.S_IFDIR | 0o555
_NOT_FOUND = "No such file or folder."


@dataclass(frozen=True)
class Entry:
    name: str
    status: os.stat_result


def synthetic_folder(mode: int) -> os.stat_result:
    """Attributes of a folder that exists only in the view (the root, or /results before any result)."""
    now = int(time.time())
    return os.stat_result((mode, 0, 0, 2, 0, 0, 0, now, now, now))


class TenantFiles:
    def __init__(self, data_dir: Path, tenant: str, jobs: InboxJobs) -> None:
        self.tenant = tenant
        self._bases = {
            Area.INBOX: data_dir / INBOX_PREFIX / tenant,
            Area.RESULTS: data_dir / RESULTS_PREFIX / tenant,
        }
        self._jobs = jobs

    def prepare(self) -> None:
        """The tenant's inbox exists from the first login on (results/ appears with the first result)."""
        self._bases[Area.INBOX].mkdir(parents=True, exist_ok=True)

    def local(self, path: VirtualPath) -> Path:
        """Where `path` is on disk; Refused when a symbolic link lies on the way."""
        base = self._bases[path.area]
        current = base
        for part in ("", *path.parts[:-1]):
            current = current / part if part else current
            try:
                if stat.S_ISLNK(os.lstat(current).st_mode):
                    raise Refused(Refusal.NOT_FOUND, _NOT_FOUND)
            except FileNotFoundError:
                break  # the rest does not exist either; the operation itself says so
        return base.joinpath(*path.parts)

    def status(self, path: VirtualPath) -> os.stat_result:
        if path.area is Area.ROOT:
            return synthetic_folder(_READ_ONLY_FOLDER_MODE)
        try:
            found = os.lstat(self.local(path))
        except FileNotFoundError:
            if path.is_folder_itself and path.area is Area.RESULTS:
                return synthetic_folder(_READ_ONLY_FOLDER_MODE)
            raise Refused(Refusal.NOT_FOUND, _NOT_FOUND) from None
        if stat.S_ISLNK(found.st_mode):
            raise Refused(Refusal.NOT_FOUND, _NOT_FOUND)
        if path.area is Area.RESULTS:  # shown as it may be used
            found = os.stat_result((found.st_mode & ~0o222, *tuple(found)[1:]))
        return found

    def list_folder(self, path: VirtualPath) -> list[Entry]:
        if path.area is Area.ROOT:
            return [Entry(name, self.status(VirtualPath(area))) for name, area in FOLDERS.items()]
        if not stat.S_ISDIR(self.status(path).st_mode):
            raise Refused(Refusal.DENIED, f"{path.text} is a file, not a folder.")
        try:
            names = sorted(os.listdir(self.local(path)))
        except FileNotFoundError:
            return []  # /results before the first result
        entries = []
        for name in names:
            try:
                entries.append(Entry(name, self.status(VirtualPath(path.area, (*path.parts, name)))))
            except (Refused, OSError):
                continue  # links, and files removed meanwhile, are not shown
        return entries

    def open_for_reading(self, path: VirtualPath) -> int:
        """A file descriptor of the file at `path`, opened without following links."""
        try:
            descriptor = os.open(self.local(path), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ELOOP):  # ELOOP: the file is a link
                raise Refused(Refusal.NOT_FOUND, _NOT_FOUND) from None
            raise
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise Refused(Refusal.DENIED, f"{path.text} is a folder, not a file.")
        return descriptor

    def upload_target(self, path: VirtualPath) -> Path:
        """Where an upload to `path` is published: in an existing folder, not onto a folder,
        nor onto the input of a running job (asked again when the upload is published)."""
        target = self.local(path)
        try:
            found = os.lstat(target)
        except FileNotFoundError:
            if not target.parent.is_dir():
                raise Refused(Refusal.NOT_FOUND, "The folder to upload into does not exist.") from None
            return target
        if not stat.S_ISREG(found.st_mode):
            raise Refused(Refusal.DENIED, f"{path.text} is a folder or a link, not a file.")
        self._not_running(path, found)
        return target

    def remove(self, path: VirtualPath) -> None:
        self._unpicked_file(path, "deleted")
        os.unlink(self.local(path))

    def rename(self, source: VirtualPath, target: VirtualPath, replace: bool) -> None:
        self._unpicked_file(source, "renamed")
        destination = self.local(target)
        try:
            found = os.lstat(destination)
        except FileNotFoundError:
            found = None
        if found is not None and (not replace or not stat.S_ISREG(found.st_mode)):
            raise Refused(Refusal.EXISTS, f"{target.text} already exists.")
        if found is not None:
            self._not_running(target, found)
        if not destination.parent.is_dir():
            raise Refused(Refusal.NOT_FOUND, "The folder to rename into does not exist.")
        os.replace(self.local(source), destination)

    def make_folder(self, path: VirtualPath) -> None:
        try:
            os.mkdir(self.local(path), 0o755)
        except FileExistsError:
            raise Refused(Refusal.EXISTS, f"{path.text} already exists.") from None
        except FileNotFoundError:
            raise Refused(Refusal.NOT_FOUND, "The folder to make it in does not exist.") from None

    def remove_folder(self, path: VirtualPath) -> None:
        if not stat.S_ISDIR(self.status(path).st_mode):
            raise Refused(Refusal.DENIED, f"{path.text} is a file, not a folder.")
        try:
            os.rmdir(self.local(path))
        except OSError as error:
            if error.errno == errno.ENOTEMPTY:
                raise Refused(Refusal.DENIED, f"{path.text} is not empty.") from None
            raise

    def _unpicked_file(self, path: VirtualPath, action: str) -> None:
        found = self.status(path)
        if not stat.S_ISREG(found.st_mode):
            raise Refused(Refusal.DENIED, f"{path.text} is a folder; only files can be {action} here.")
        if self._pickup(path, found) is not Pickup.NOT_YET:
            raise Refused(
                Refusal.DENIED, f"{path.name} has been picked up already; it can no longer be {action}."
            )

    def _not_running(self, path: VirtualPath, found: os.stat_result) -> None:
        if self._pickup(path, found) is Pickup.RUNNING:
            raise Refused(
                Refusal.DENIED,
                f"{path.name} is being processed; replace it once its job has ended, or use another name.",
            )

    def _pickup(self, path: VirtualPath, found: os.stat_result) -> Pickup:
        key = INBOX_PREFIX + "/".join((self.tenant, *path.parts))
        return self._jobs(key, version_of(found.st_size, found.st_mtime_ns))
