"""Input files, bytes to text (docs/input-files.md: "encoding", "limits" in bytes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date

import pytest
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ParsedRow, ValidRow
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.input_reader import InputLimits, read_claim_rows
from claimbatch.domain.text_decoding import SAMPLE_BYTES, decode_text, format_size

TODAY = date(2025, 6, 30)
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"


def read(data: bytes, limits: InputLimits | None = None, chunk: int | None = None) -> list[ParsedRow]:
    return list(read_claim_rows(split(data, chunk), limits or InputLimits(), today=TODAY))


def split(data: bytes, chunk: int | None) -> list[bytes]:
    if chunk is None:
        return [data]
    return [data[i : i + chunk] for i in range(0, len(data), chunk)]


def file_error(data: bytes, limits: InputLimits | None = None) -> str:
    with pytest.raises(InputFileError) as raised:
        read(data, limits)
    return raised.value.message


def names(rows: list[ParsedRow]) -> list[tuple[str, str]]:
    return [(r.query.first_name, r.query.last_name) for r in rows if isinstance(r, ValidRow)]


NAMES_TEXT = f"{HEADER}\r\nC1,José,Müller,01/02/1975,1\r\nC2,Zoë,Ørsted,03/04/1980,2\r\n"
EXPECTED_NAMES = [("José", "Müller"), ("Zoë", "Ørsted")]


@pytest.mark.parametrize("chunk", [None, 1, 2, 3, 7])
def test_utf8_without_bom(chunk: int | None) -> None:
    assert names(read(NAMES_TEXT.encode("utf-8"), chunk=chunk)) == EXPECTED_NAMES


@pytest.mark.parametrize("chunk", [None, 1, 2, 3, 7])
def test_utf8_with_bom_the_first_column_is_still_recognised(chunk: int | None) -> None:
    rows = read(b"\xef\xbb\xbf" + NAMES_TEXT.encode("utf-8"), chunk=chunk)

    assert names(rows) == EXPECTED_NAMES
    assert [r.query.claim_number for r in rows if isinstance(r, ValidRow)] == ["C1", "C2"]


@pytest.mark.parametrize("chunk", [None, 1, 3, 5])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_excel_unicode_text(codec: str, chunk: int | None) -> None:
    # Given what Excel saves as "Unicode text": UTF-16 with a byte order mark, tab-delimited
    bom = b"\xff\xfe" if codec == "utf-16-le" else b"\xfe\xff"
    data = bom + NAMES_TEXT.replace(",", "\t").encode(codec)

    assert names(read(data, chunk=chunk)) == EXPECTED_NAMES


def test_utf16_beyond_the_basic_plane() -> None:
    data = b"\xff\xfe" + f"{HEADER}\nC1,𠜎𠜱,李,01/02/1975,1\n".encode("utf-16-le")

    assert names(read(data, chunk=3)) == [("𠜎𠜱", "李")]


@pytest.mark.parametrize("chunk", [None, 1, 4])
def test_windows_1252(chunk: int | None) -> None:
    # Given a file saved by an old Windows tool
    data = NAMES_TEXT.replace("Ø", "O").encode("cp1252")

    assert names(read(data, chunk=chunk)) == [("José", "Müller"), ("Zoë", "Orsted")]


def test_windows_1252_curly_apostrophe_reads_as_such_and_is_a_name_error() -> None:
    data = f"{HEADER}\nC1,CHANTAL,O’BRIEN,01/02/1975,1\n".encode("cp1252")

    assert read(data) == [
        InvalidRow(1, "C1", "last_name 'O’BRIEN' contains '’'; only letters, spaces, ' - and . are allowed")
    ]


def test_a_late_windows_1252_line_in_a_utf8_file_is_read_as_windows_1252() -> None:
    # Given a UTF-8 file (its first 64 KiB are valid UTF-8) with one line typed on an old PC far below
    filler = "".join(f"F{n},Zoë,Kisa,01/02/1975,{n}\n" for n in range(3000))
    assert len(filler.encode()) > SAMPLE_BYTES
    data = (
        f"{HEADER}\n{filler}".encode()
        + "LATE,José,Müller,01/02/1975,9\n".encode("cp1252")
        + b"AFTER,Zo\xc3\xab,K,01/02/1975,1\n"
    )

    rows = read(data, chunk=4096)

    # Then that line reads as Windows-1252, and the lines around it still as UTF-8
    assert names(rows)[-3:] == [("Zoë", "Kisa"), ("José", "Müller"), ("Zoë", "K")]
    assert len(rows) == 3002


@pytest.mark.parametrize("chunk", [None, 7])
def test_an_early_windows_1252_line_in_a_utf8_file_is_read_per_line(chunk: int | None) -> None:
    # Given a short UTF-8 file with one line typed on an old PC among its first lines
    data = (
        f"{HEADER}\nC1,Zoë,MÜLLER,01/02/1975,1\n".encode()
        + "C2,José,Müller,01/02/1975,2\n".encode("cp1252")
        + "C3,Zoë,Ñúñez,01/02/1975,3\n".encode()
    )

    rows = read(data, chunk=chunk)

    # Then each line reads in its own encoding: no mojibake is sent to the payer
    assert names(rows) == [("Zoë", "MÜLLER"), ("José", "Müller"), ("Zoë", "Ñúñez")]


def test_a_utf8_line_in_a_windows_1252_file_is_read_as_utf8() -> None:
    # Given a Windows-1252 file (its first 64 KiB are not UTF-8) with a UTF-8 line far below
    data = (f"{HEADER}\n" + "".join(f"C{n},José,Müller,01/02/1975,{n}\n" for n in range(3000))).encode("cp1252")
    assert len(data) > SAMPLE_BYTES
    data += "C99,Zoë,MÜLLER,01/02/1975,99\n".encode()

    rows = read(data)

    assert names(rows)[0] == ("José", "Müller") and names(rows)[-1] == ("Zoë", "MÜLLER")


@pytest.mark.parametrize(
    "data",
    [
        f"{HEADER}\nC1,CHAN\x00TAL,KISA,01/02/1975,1\n".encode(),
        b"\x00" + HEADER.encode(),
        b"\xff\xfe" + f"{HEADER}\nC1,A\x00B,KISA,01/02/1975,1\n".encode("utf-16-le"),
        b"\xfe\xff" + "\x00".encode("utf-16-be"),
    ],
    ids=["utf8", "first-byte", "utf16-le", "utf16-be"],
)
def test_nul_bytes_are_a_file_error(data: bytes) -> None:
    assert file_error(data) == "file is not text (contains NUL bytes)"


def test_utf16_without_bom_has_nul_bytes_and_is_a_file_error() -> None:
    assert file_error(NAMES_TEXT.encode("utf-16-le")) == "file is not text (contains NUL bytes)"


def test_a_nul_byte_late_in_the_file_fails_it_during_iteration() -> None:
    # Given a long valid file with a NUL byte near its end
    good = "".join(f"C{n},CHANTAL,KISA,01/02/1975,{n}\n" for n in range(20_000))
    data = f"{HEADER}\n{good}".encode() + b"C\x00,A,B,01/02/1975,1\n"
    rows = read_claim_rows(split(data, 65_536), today=TODAY)

    # Then rows come first, and the error is raised later in the same iteration
    assert next(rows).row == 1
    with pytest.raises(InputFileError, match=r"^file is not text \(contains NUL bytes\)$"):
        list(rows)


def excel_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        excel_workbook(),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x01\x02\x03\nendstream",
    ],
    ids=["xlsx", "png", "pdf"],
)
def test_binary_files_are_a_file_error(data: bytes) -> None:
    assert file_error(data) == "file is not text (contains NUL bytes)"


def test_binary_without_nul_bytes_is_a_file_error_too() -> None:
    data = bytes(range(1, 32)) * 40 + HEADER.encode()

    assert file_error(data) == "file is not text (contains binary data)"


def test_a_stray_control_character_is_a_row_error_not_a_file_error() -> None:
    rows = read(f"{HEADER}\nC1,CHAN\x07TAL,KISA,01/02/1975,1\nC2,ANNE,KISA,01/02/1975,2\n".encode())

    assert rows[0] == InvalidRow(
        1, "C1", "first_name 'CHAN\\u0007TAL' contains U+0007; only letters, spaces, ' - and . are allowed"
    )
    assert isinstance(rows[1], ValidRow)


def test_undefined_windows_1252_bytes_do_not_crash() -> None:
    rows = read(f"{HEADER}\n".encode() + b"C1,AB\x81,\xe9,01/02/1975,1\n")

    assert isinstance(rows[0], InvalidRow)
    assert rows[0].error.startswith("first_name 'AB\ufffd' contains '\ufffd'")


def test_over_the_byte_limit_is_a_file_error() -> None:
    data = f"{HEADER}\nC1,CHANTAL,KISA,01/02/1975,1\n".encode()

    assert read(data, InputLimits(max_bytes=len(data))) != []
    assert (
        file_error(data, InputLimits(max_bytes=len(data) - 1)) == f"file is larger than {len(data) - 1} bytes (limit)"
    )


def test_the_byte_limit_stops_reading_of_an_endless_stream() -> None:
    # Given a source that never ends
    def endless() -> Iterator[bytes]:
        yield f"{HEADER}\n".encode()
        while True:
            yield b"C1,CHANTAL,KISA,01/02/1975,1\n" * 1000

    # Then reading stops with a file error once past the limit
    with pytest.raises(InputFileError, match=r"^file is larger than 1 MiB \(limit\)$"):
        for _ in read_claim_rows(endless(), InputLimits(max_bytes=1024 * 1024), today=TODAY):
            pass


@pytest.mark.parametrize(
    ("size", "text"),
    [(1024**3, "1 GiB"), (2 * 1024**3, "2 GiB"), (5 * 1024**2, "5 MiB"), (64 * 1024, "64 KiB"), (1000, "1,000 bytes")],
)
def test_sizes_in_messages_read_naturally(size: int, text: str) -> None:
    assert format_size(size) == text


def test_default_byte_limit_is_one_gib() -> None:
    assert InputLimits().max_bytes == 1024**3


def test_decoding_accepts_bytearray_and_memoryview_chunks() -> None:
    data = NAMES_TEXT.encode()

    text = "".join(decode_text([bytearray(data[:10]), memoryview(data[10:])], max_bytes=1000))  # type: ignore[list-item]

    assert text == NAMES_TEXT


def test_a_claim_query_keeps_non_ascii_names_exactly() -> None:
    rows = read(f"{HEADER}\nC1,Zoë,O'Neil-Ørsted,01/02/1975,1\n".encode())

    assert rows == [ValidRow(1, ClaimQuery("C1", "Zoë", "O'Neil-Ørsted", date(1975, 1, 2), "1"))]
