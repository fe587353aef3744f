"""One SFTP session of one tenant: the protocol's requests, answered through the tenant's view.

Every request goes through tenant_view.py (where may this path go, may it be
written) and tenant_files.py (the disk, without following links). Refusals
reach the client as an SFTP status with one sentence; an unexpected failure is
logged (without any file name, which may carry patient data) and answered as a
plain failure, never as a broken session. Attribute changes (times, modes) are
accepted and not applied: a client that sets a file's time after uploading it
would otherwise make it look like a new version of the file, and a second job.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
from asyncssh import FILEXFER_TYPE_DIRECTORY, FILEXFER_TYPE_REGULAR, FXF_APPEND, FXF_CREAT, FXF_EXCL, FXF_READ, FXF_TRUNC, FXF_WRITE, SFTPAttrs, SFTPName

from claimbatch.observability import logger
from claimbatch.runtime.sftp.handles import Download, OpenFileBudget
from claimbatch.runtime.sftp.tenant_files import TenantFiles
from claimbatch.runtime.sftp.tenant_view import (
    Refusal,
    Refused,
    VirtualPath,
    check_change,
    check_read,
    check_rename,
    check_upload,
    resolve,
)
from claimbatch.runtime.sftp.uploads import Upload

T = TypeVar("T")

_ERRORS: dict[Refusal, type[asyncssh.SFTPError]] = {
    Refusal.NOT_FOUND: asyncssh.SFTPNoSuchFile,
    Refusal.EXISTS: asyncssh.SFTPFileAlreadyExists,
    Refusal.DENIED: asyncssh.SFTPPermissionDenied,
    Refusal.INVALID_NAME: asyncssh.SFTPInvalidFilename,
    Refusal.UNSUPPORTED: asyncssh.SFTPOpUnsupported,
}
_NO_LINKS = "Links are not supported here."


def _attributes(found: os.stat_result) -> SFTPAttrs:
    """What a client is told of a file: its kind, mode, size and times (no owner: it is the service's)."""
    return SFTPAttrs(
        type=FILEXFER_TYPE_DIRECTORY if stat.S_ISDIR(found.st_mode) else FILEXFER_TYPE_REGULAR,
        size=found.st_size,
        permissions=found.st_mode,
        atime=int(found.st_atime),
        mtime=int(found.st_mtime),
    )


def _answered(operation: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Turn whatever `operation` raises into the SFTP status the client is sent."""

    @functools.wraps(operation)
    async def answer(self: TenantSftpSession, *args: Any) -> T:
        try:
            return await operation(self, *args)
        except Refused as refused:
            raise _ERRORS[refused.kind](refused.message) from None
        except asyncssh.SFTPError:
            raise
        except OSError as error:
            logger.warning("sftp request failed", extra={"operation": operation.__name__, "errno": error.errno})
            raise asyncssh.SFTPFailure(f"The server could not do that: {error.strerror or 'disk error'}.") from None
        except Exception as error:
            logger.error("sftp request failed", extra={"operation": operation.__name__, "error": type(error).__name__})
            raise asyncssh.SFTPFailure("The server failed to do that; nothing was changed.") from None

    return answer


class TenantSftpSession(asyncssh.SFTPServer):
    def __init__(
        self, channel: asyncssh.SSHServerChannel, files: TenantFiles, staging: Path, budget: OpenFileBudget
    ) -> None:
        super().__init__(channel)
        self._files = files
        self._staging = staging
        self._budget = budget
        self._open: set[Download | Upload] = set()
        self._places: dict[Upload, VirtualPath] = {}  # where each upload goes, as the client named it

    # -- files ------------------------------------------------------------------

    @_answered
    async def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> Download | Upload:
        place = resolve(path)
        if not pflags & FXF_WRITE:
            check_read(place)
            return self._track(lambda: Download(self._files.open_for_reading(place)))
        if pflags & (FXF_READ | FXF_APPEND):
            raise Refused(Refusal.UNSUPPORTED, "Files here are uploaded whole: open them for writing only.")
        check_upload(place)
        target = self._files.upload_target(place)
        if target.exists():
            if pflags & FXF_EXCL:
                raise Refused(Refusal.EXISTS, f"{place.text} already exists.")
            if not pflags & FXF_TRUNC:
                raise Refused(Refusal.UNSUPPORTED, "Resuming an upload is not supported; upload the whole file again.")
        elif not pflags & FXF_CREAT:
            raise Refused(Refusal.NOT_FOUND, "No such file or folder.")
        upload = self._track(lambda: Upload(self._staging, target))
        assert isinstance(upload, Upload)
        self._places[upload] = place
        return upload

    @_answered
    async def close(self, handle: Download | Upload) -> None:
        if handle not in self._open:
            return
        self._open.discard(handle)
        self._budget.give_back()
        if isinstance(handle, Download):
            handle.close()
            return
        if self._client_gone():  # the session ended with the file still open: an interrupted upload
            self._places.pop(handle, None)
            handle.discard()
            logger.info("sftp upload interrupted", extra={"tenant": self._files.tenant, "bytes": handle.size})
            return
        try:
            self._files.upload_target(self._places.pop(handle))  # its job may have started meanwhile
            await handle.publish()
        finally:
            handle.discard()  # nothing staged is left behind, published or not
        logger.info("sftp upload stored", extra={"tenant": self._files.tenant, "bytes": handle.size})

    @_answered
    async def read(self, handle: Download | Upload, offset: int, size: int) -> bytes:
        if not isinstance(handle, Download):
            raise Refused(Refusal.DENIED, "This file is open for uploading, not for reading.")
        return await handle.read(offset, size)

    @_answered
    async def write(self, handle: Download | Upload, offset: int, data: bytes) -> int:
        if not isinstance(handle, Upload):
            raise Refused(Refusal.DENIED, "This file is open for reading only.")
        return await handle.write(offset, data)

    @_answered
    async def fstat(self, handle: Download | Upload) -> SFTPAttrs:
        return _attributes(handle.status())

    @_answered
    async def fsetstat(self, handle: Download | Upload, attrs: SFTPAttrs) -> None:
        return None

    @_answered
    async def fsync(self, handle: Download | Upload) -> None:
        return None  # the upload is flushed to disk when it is closed

    # -- paths ------------------------------------------------------------------

    @_answered
    async def realpath(self, path: bytes) -> bytes:
        return resolve(path).text.encode("utf-8")

    @_answered
    async def stat(self, path: bytes) -> SFTPAttrs:
        return _attributes(self._files.status(resolve(path)))

    lstat = stat  # links are never shown, so both are the same

    @_answered
    async def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        place = resolve(path)
        check_change(place, "changed")
        self._files.status(place)  # it must exist

    lsetstat = setstat

    def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        # Checked when the client opens the folder, so that a refusal answers that request.
        try:
            entries = self._files.list_folder(resolve(path))
        except Refused as refused:
            raise _ERRORS[refused.kind](refused.message) from None

        async def names() -> AsyncIterator[SFTPName]:
            for entry in entries:
                yield SFTPName(entry.name.encode("utf-8"), attrs=_attributes(entry.status))

        return names()

    @_answered
    async def remove(self, path: bytes) -> None:
        place = resolve(path)
        check_change(place, "deleted")
        self._files.remove(place)

    @_answered
    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        source, target = resolve(oldpath), resolve(newpath)
        check_rename(source, target)
        self._files.rename(source, target, replace=False)

    @_answered
    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        source, target = resolve(oldpath), resolve(newpath)
        check_rename(source, target)
        self._files.rename(source, target, replace=True)

    @_answered
    async def mkdir(self, path: bytes, attrs: SFTPAttrs) -> None:
        place = resolve(path)
        check_change(place, "made")
        self._files.make_folder(place)

    @_answered
    async def rmdir(self, path: bytes) -> None:
        place = resolve(path)
        check_change(place, "removed")
        self._files.remove_folder(place)

    @_answered
    async def readlink(self, path: bytes) -> bytes:
        raise Refused(Refusal.UNSUPPORTED, _NO_LINKS)

    @_answered
    async def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise Refused(Refusal.UNSUPPORTED, _NO_LINKS)

    @_answered
    async def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise Refused(Refusal.UNSUPPORTED, _NO_LINKS)

    @_answered
    async def statvfs(self, path: bytes) -> None:
        raise Refused(Refusal.UNSUPPORTED, "Disk statistics are not available here.")

    @_answered
    async def fstatvfs(self, handle: object) -> None:
        raise Refused(Refusal.UNSUPPORTED, "Disk statistics are not available here.")

    async def exit(self) -> None:
        for handle in list(self._open):  # the session ends: nothing half-uploaded is kept
            self._open.discard(handle)
            self._budget.give_back()
            if isinstance(handle, Upload):
                self._places.pop(handle, None)
                handle.discard()
            else:
                handle.close()

    # -- helpers ----------------------------------------------------------------

    def _track(self, opening: Callable[[], Download | Upload]) -> Download | Upload:
        """Open a file within the open-file budget; a failed open gives its share back."""
        self._budget.take(len(self._open))
        try:
            handle = opening()
        except BaseException:
            self._budget.give_back()
            raise
        self._open.add(handle)
        return handle

    def _client_gone(self) -> bool:
        """True when the client can send nothing more: its close request was not what closed the file.

        asyncssh closes the files a session leaves open through the same `close` as a client's
        request, so this asks the channel whether the client has ended its side (EOF or close:
        OpenSSH's sftp, killed, leaves its ssh process to send an EOF) or the connection is gone.
        Clients wait for the answer to their close request before they end the session.
        """
        receiving = getattr(self.channel, "_recv_state", "open")  # asyncssh has no public accessor
        return receiving != "open" or self.channel.is_closing() or self.connection.is_closed()
