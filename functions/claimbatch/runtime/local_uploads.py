"""The upload endpoint of the local API server: an S3-style POST form, streamed
into DATA/inbox/<tenant>/… and published atomically.

As S3 does: the form's fields come first (checked against their signed policy
before a byte of the file is stored), the file comes in the field `file`
(fields after it are ignored), its size must be within the policy's
content-length-range. The file is written under a hidden `.…tmp` name beside
its target, which the inbox never picks up, and renamed into place once
complete: the inbox sees a whole file or none.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from claimbatch.adapters.embedded.local_object_store import LocalObjectStore
from claimbatch.adapters.embedded.signed_file_links import LinkRejected, SignedFileLinks, UploadGrant
from claimbatch.domain.job import INBOX_PREFIX

FILE_FIELD = "file"
MAX_FIELDS = 20
MAX_FIELD_BYTES = 16 * 1024


class UploadFailed(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code  # as S3 names it: AccessDenied, EntityTooLarge, …
        self.message = message


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)
    disposition: bytes = b""


class _FormEvents:
    """python-multipart's callbacks, turned into a list of events handled after each write."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self._fields = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def _begin(self) -> None:
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > MAX_FIELD_BYTES:
            raise UploadFailed(400, "MalformedPOSTRequest", "a form part's header is too long")

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._part.disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._part.disposition)
        if b"name" not in options:
            raise UploadFailed(400, "MalformedPOSTRequest", "a form part has no name")
        self._part.name = options[b"name"].decode("utf-8", errors="replace")
        self._part.is_file = self._part.name == FILE_FIELD
        if self._part.is_file:
            self.events.append(("file_begin", None))
        else:
            self._fields += 1
            if self._fields > MAX_FIELDS:
                raise UploadFailed(400, "MalformedPOSTRequest", "the form has too many fields")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self.events.append(("file_data", data[start:end]))
            return
        self._part.data += data[start:end]
        if len(self._part.data) > MAX_FIELD_BYTES:
            raise UploadFailed(400, "MalformedPOSTRequest", f"the form field {self._part.name!r} is too long")

    def _end(self) -> None:
        if self._part.is_file:
            self.events.append(("file_end", None))
        else:
            self.events.append(("field", (self._part.name, self._part.data.decode("utf-8", errors="replace"))))


class _Sink:
    """The upload's temporary file beside its target."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self.target = target
        self.temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        self.handle: IO[bytes] = self.temporary.open("xb")
        self.size = 0

    def publish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temporary, self.target)

    def discard(self) -> None:
        self.handle.close()
        self.temporary.unlink(missing_ok=True)


async def receive_upload(
    content_type: str, body: AsyncIterator[bytes], links: SignedFileLinks, objects: LocalObjectStore
) -> str:
    """Store the file of one POST form; returns its key. Raises UploadFailed."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadFailed(400, "MalformedPOSTRequest", "the body must be multipart/form-data")
    form = _FormEvents()
    parser = MultipartParser(options[b"boundary"], form.callbacks())  # type: ignore[arg-type]
    fields: dict[str, str] = {}
    grant: UploadGrant | None = None
    sink: _Sink | None = None
    finished = False
    try:
        async for chunk in body:
            try:
                parser.write(chunk)
            except FormParserError:
                raise UploadFailed(400, "MalformedPOSTRequest", "the form is not valid multipart data") from None
            for kind_, value in form.events:
                if finished:
                    break  # S3 ignores what follows the file
                if kind_ == "field":
                    name, text = value  # type: ignore[misc]
                    fields[name] = text
                elif kind_ == "file_begin":
                    grant = _grant(fields, links)
                    sink = _Sink(objects.path_of(grant.key))
                elif kind_ == "file_data":
                    assert sink is not None and grant is not None
                    data: bytes = value  # type: ignore[assignment]
                    sink.size += len(data)
                    if sink.size > grant.max_bytes:
                        raise UploadFailed(
                            400,
                            "EntityTooLarge",
                            f"the file is larger than the form allows ({grant.max_bytes:,} bytes)",
                        )
                    await asyncio.to_thread(sink.handle.write, data)
                elif kind_ == "file_end":
                    finished = True
            form.events.clear()
        if not finished or sink is None or grant is None:
            raise UploadFailed(400, "InvalidArgument", "the form has no complete `file` field")
        if sink.size < 1:
            raise UploadFailed(400, "EntityTooSmall", "the file is empty")
        await asyncio.to_thread(sink.publish)
        return grant.key
    finally:
        if sink is not None and sink.temporary.exists():
            sink.discard()


def _grant(fields: dict[str, str], links: SignedFileLinks) -> UploadGrant:
    try:
        grant = links.verify_upload(fields)
    except LinkRejected as rejected:
        raise UploadFailed(403, "AccessDenied", rejected.message) from None
    if not grant.key.startswith(INBOX_PREFIX):
        raise UploadFailed(403, "AccessDenied", "the form's key is outside the inbox")
    return grant
