"""The bytes of an input file as text, whatever tool wrote them (docs/input-files.md: "encoding").

- A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE (Excel "Unicode text").
- Without one, each line decides: UTF-8 when it is valid UTF-8, else
  Windows-1252 from its first byte that is not (the bytes before it are ASCII,
  or UTF-8 that was meant). A file that mixes lines from both, wherever they
  are, reads without mojibake; a file all in Windows-1252 reads as such.
- NUL bytes (after decoding, for UTF-16, which legitimately has NUL bytes) or a
  sample full of control characters make a file-level error: it is not text.

Memory stays flat: bytes are decoded in blocks of about `BLOCK_BYTES`, cut at a
line break where there is one, whatever the size of the chunks given.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import chain

from claimbatch.domain.errors import InputFileError

SAMPLE_BYTES = 64 * 1024
BLOCK_BYTES = 64 * 1024
LONG_LINE_BYTES = 1024 * 1024  # a line longer than this is decoded in pieces
BINARY_SHARE = 0.01  # more control characters than this share of the sample: not text

NUL_MESSAGE = "file is not text (contains NUL bytes)"
BINARY_MESSAGE = "file is not text (contains binary data)"
EMPTY_MESSAGE = "empty file"


class TextEncoding(StrEnum):
    UTF8 = "utf-8"
    UTF8_BOM = "utf-8-sig"
    UTF16_LE = "utf-16-le"
    UTF16_BE = "utf-16-be"
    CP1252 = "cp1252"


_BOMS = (
    (codecs.BOM_UTF8, TextEncoding.UTF8_BOM),
    (codecs.BOM_UTF16_LE, TextEncoding.UTF16_LE),
    (codecs.BOM_UTF16_BE, TextEncoding.UTF16_BE),
)
_UTF16 = frozenset({TextEncoding.UTF16_LE, TextEncoding.UTF16_BE})
# C0 controls that no spreadsheet export writes (tab, LF, VT, FF, CR and Ctrl-Z are left out).
_CONTROL_CHARS = re.compile("[\x01-\x08\x0e-\x19\x1b-\x1f]")

_LINE_FALLBACK = "claimbatch-cp1252-rest-of-line"
# How every multi-byte UTF-8 sequence starts (a lead byte, then a continuation byte); some
# Windows-1252 pairs match too, which only sends their block the slower, line-by-line way.
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _cp1252_rest_of_line(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read a line that is not valid UTF-8 as Windows-1252,
    from its first undecodable byte to the end of the line."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    data = error.object
    end = len(data)
    for newline in (b"\n", b"\r"):
        found = data.find(newline, error.start)
        if 0 <= found < end:
            end = found
    return bytes(data[error.start : end]).decode("cp1252", "replace"), end


codecs.register_error(_LINE_FALLBACK, _cp1252_rest_of_line)


def format_size(size: int) -> str:
    """1073741824 → '1 GiB', 5242880 → '5 MiB', 1000 → '1,000 bytes'."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor:,} {unit}"
    return f"{size:,} bytes"


def decode_text(
    chunks: Iterable[bytes],
    *,
    max_bytes: int,
    block_bytes: int = BLOCK_BYTES,
    sample_bytes: int = SAMPLE_BYTES,
) -> Iterator[str]:
    """Decoded text of the file, in blocks. Raises InputFileError, possibly after
    some blocks were yielded, when the file is empty, not text or over `max_bytes`."""
    source = _limited(chunks, max_bytes)
    head = _read_head(source, sample_bytes)
    if not head:
        raise InputFileError(EMPTY_MESSAGE)
    encoding, bom_length = sniff_encoding(head, sample_bytes=sample_bytes, whole_file=len(head) <= sample_bytes)
    encoding = _per_line(encoding)
    body = _sliced(chain((head[bom_length:],), source), block_bytes)
    if encoding in _UTF16:
        _reject_binary(_sample_text(head[bom_length:], encoding, sample_bytes))
        yield from _decode_utf16(body, encoding, block_bytes)
    else:
        if b"\x00" in head:
            raise InputFileError(NUL_MESSAGE)
        _reject_binary(_sample_text(head[bom_length:], encoding, sample_bytes))
        yield from _decode_8bit(body, encoding, block_bytes)


def sniff_encoding(head: bytes, *, sample_bytes: int = SAMPLE_BYTES, whole_file: bool) -> tuple[TextEncoding, int]:
    """The encoding of a file from its first bytes, and the length of its byte order mark."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[:sample_bytes], final=whole_file)
    except UnicodeDecodeError:
        return TextEncoding.CP1252, 0
    return TextEncoding.UTF8, 0


def _per_line(encoding: TextEncoding) -> TextEncoding:
    """Without a byte order mark the encoding is decided per line (UTF-8, else Windows-1252)."""
    return TextEncoding.UTF8 if encoding is TextEncoding.CP1252 else encoding


def _limited(chunks: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        if total > max_bytes:
            raise InputFileError(f"file is larger than {format_size(max_bytes)} (limit)")
        yield chunk if isinstance(chunk, bytes) else bytes(chunk)


def _sliced(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Big chunks (an S3 body may come in MiBs) in slices, so each decoded block stays small."""
    for chunk in chunks:
        if len(chunk) <= size:
            yield chunk
        else:
            for start in range(0, len(chunk), size):
                yield chunk[start : start + size]


def _read_head(source: Iterator[bytes], sample_bytes: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in source:
        parts.append(chunk)
        size += len(chunk)
        if size > sample_bytes:
            break
    return b"".join(parts)


def _decoder(encoding: TextEncoding) -> codecs.IncrementalDecoder:
    if encoding is TextEncoding.CP1252:
        return codecs.getincrementaldecoder("cp1252")(errors="replace")
    if encoding in _UTF16:
        return codecs.getincrementaldecoder(encoding.value)(errors="replace")
    return codecs.getincrementaldecoder("utf-8")(errors=_LINE_FALLBACK)


def _sample_text(body_head: bytes, encoding: TextEncoding, sample_bytes: int) -> str:
    return _decoder(encoding).decode(body_head[:sample_bytes], final=False)


def _reject_binary(sample: str) -> None:
    if "\x00" in sample:
        raise InputFileError(NUL_MESSAGE)
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls and controls > len(sample) * BINARY_SHARE:
        raise InputFileError(BINARY_MESSAGE)


def _decode_8bit(body: Iterator[bytes], encoding: TextEncoding, block_bytes: int) -> Iterator[str]:
    """UTF-8 with Windows-1252 lines, decoded in blocks that end at a line break, so
    each line is decided whole however the bytes were chunked. A line too long to
    wait for goes through the incremental decoder (which keeps a split character)."""
    decoder = _decoder(encoding)
    parts: list[bytes] = []
    size = 0
    flush_at = block_bytes
    in_long_line = False  # the decoder may hold the start of a character
    for chunk in body:
        if b"\x00" in chunk:
            raise InputFileError(NUL_MESSAGE)
        parts.append(chunk)
        size += len(chunk)
        if size < flush_at:
            continue
        data = b"".join(parts)
        cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        if cut == 0 and size < LONG_LINE_BYTES:
            parts, flush_at = [data], size + block_bytes  # one long line so far: wait for its end
            continue
        if cut == 0:
            cut = size  # a very long line: decode it in pieces
            text, in_long_line = decoder.decode(data[:cut]), True
        elif in_long_line:
            text, in_long_line = decoder.decode(data[:cut]), False
        else:
            text = _decode_lines(data[:cut])
        rest = data[cut:]
        parts, size = ([rest] if rest else []), len(rest)
        flush_at = size + block_bytes
        if text:
            yield text
    data = b"".join(parts)
    text = decoder.decode(data, final=True) if in_long_line else _decode_lines(data)
    if text:
        yield text


def _decode_lines(data: bytes) -> str:
    """Whole lines: all as UTF-8 at C speed, else each line as UTF-8 or Windows-1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not _UTF8_PAIR.search(data):  # not one UTF-8 sequence: every line that is not ASCII is Windows-1252
        return data.decode("cp1252", "replace")
    return "".join(map(_decode_line, data.splitlines(keepends=True)))


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", "replace")


def _decode_utf16(body: Iterator[bytes], encoding: TextEncoding, block_bytes: int) -> Iterator[str]:
    decoder = _decoder(encoding)
    parts: list[bytes] = []
    size = 0
    for chunk in body:
        parts.append(chunk)
        size += len(chunk)
        if size < block_bytes:
            continue
        text = decoder.decode(b"".join(parts))
        parts, size = [], 0
        if "\x00" in text:
            raise InputFileError(NUL_MESSAGE)
        if text:
            yield text
    text = decoder.decode(b"".join(parts), final=True)
    if "\x00" in text:
        raise InputFileError(NUL_MESSAGE)
    if text:
        yield text


__all__ = ["TextEncoding", "decode_text", "format_size", "sniff_encoding"]
