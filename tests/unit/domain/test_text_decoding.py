"""Bytes to text: the same text whatever the chunking, and sniffing as docs/input-files.md says."""

from __future__ import annotations

import itertools

import pytest
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.text_decoding import TextEncoding, decode_text, sniff_encoding
from hypothesis import given, settings
from hypothesis import strategies as st

TEXT = 'h1,h2\r\nZoë,李𠜎\r\n"a\r\nb",é\n\rlast,é'


def decoded(chunks: list[bytes], **options: int) -> str:
    return "".join(decode_text(chunks, max_bytes=1 << 20, **options))


def cut(data: bytes, points: list[int]) -> list[bytes]:
    marks = sorted({p for p in points if p < len(data)} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(marks)]


@pytest.mark.parametrize(
    ("prefix", "codec"),
    [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be"],
)
@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.integers(min_value=0, max_value=90), max_size=20), block=st.integers(min_value=1, max_value=16)
)
def test_any_chunking_and_block_size_gives_the_same_text(
    prefix: bytes, codec: str, points: list[int], block: int
) -> None:
    data = prefix + TEXT.encode(codec)

    assert decoded(cut(data, points), block_bytes=block, sample_bytes=8) == TEXT


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.integers(min_value=0, max_value=60), max_size=20), block=st.integers(min_value=1, max_value=16)
)
def test_windows_1252_whatever_the_chunking(points: list[int], block: int) -> None:
    text = "h1,h2\r\nJosé,Müller\r\n“quoted” – ok\n"

    assert decoded(cut(text.encode("cp1252"), points), block_bytes=block, sample_bytes=8) == text


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.integers(min_value=0, max_value=60), max_size=20), block=st.integers(min_value=1, max_value=16)
)
def test_per_line_fallback_whatever_the_chunking(points: list[int], block: int) -> None:
    # UTF-8 lines around a Windows-1252 one: only that line is read as Windows-1252
    data = "Zoë\n".encode() + "José Müller\r\n".encode("cp1252") + "Zoë\r".encode() + "é".encode("cp1252")

    assert decoded(cut(data, points), block_bytes=block, sample_bytes=4) == "Zoë\nJosé Müller\r\nZoë\ré"


@pytest.mark.parametrize(
    ("head", "whole", "expected"),
    [
        (b"\xef\xbb\xbfabc", True, (TextEncoding.UTF8_BOM, 3)),
        (b"\xff\xfea\x00", True, (TextEncoding.UTF16_LE, 2)),
        (b"\xfe\xff\x00a", True, (TextEncoding.UTF16_BE, 2)),
        ("Zoë".encode(), True, (TextEncoding.UTF8, 0)),
        ("Zoë".encode()[:-1], False, (TextEncoding.UTF8, 0)),  # a character cut at the sample's end
        ("Zoë".encode()[:-1], True, (TextEncoding.CP1252, 0)),
        ("José".encode("cp1252"), True, (TextEncoding.CP1252, 0)),
        (b"plain ascii", True, (TextEncoding.UTF8, 0)),
    ],
)
def test_sniffing(head: bytes, whole: bool, expected: tuple[TextEncoding, int]) -> None:
    assert sniff_encoding(head, whole_file=whole) == expected


def test_a_nul_byte_in_any_chunk_is_a_file_error() -> None:
    with pytest.raises(InputFileError, match="NUL"):
        decoded([b"abc\n", b"d", b"\x00", b"e\n"], block_bytes=2, sample_bytes=2)
