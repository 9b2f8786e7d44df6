"""Reading an uploaded CSV file: its encoding, its delimiter, its header and rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_ROWS = 10_000
MAX_COLUMNS = 200
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"


class CSVProblem(ValueError):
    """The file cannot be imported; the message says why, in words for the person."""


@dataclass
class ParsedCSV:
    columns: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str



ENCODINGS = ("utf-8", "cp1252", "latin-1")


def decode(data: bytes, encoding: str = "utf-8") -> tuple[str, str]:
    """(text, encoding) in the encoding the person chose (UTF-8, with or without BOM, unless
    told otherwise); bytes that are not valid in it are refused with their line named (T42),
    never guessed at."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise CSVProblem(
            "This does not look like a CSV file (it holds binary data). Export the sheet as "
            "CSV and upload that."
        )
    if encoding not in ENCODINGS:
        raise CSVProblem("Choose one of the text encodings offered.")
    if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8-sig", data[3:]
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        if encoding.startswith("utf-8"):
            raise CSVProblem(
                f"Line {line} is not valid UTF-8 (byte 0x{byte}). The file was probably saved "
                "in another encoding: if it comes from Excel on Windows, choose Windows-1252 "
                "below and upload it again, or export it as \u201cCSV UTF-8\u201d."
            ) from None
        raise CSVProblem(
            f"Line {line} has a byte (0x{byte}) that is not text in {encoding}: choose "
            "another encoding."
        ) from None


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse(data: bytes, encoding: str = "utf-8") -> ParsedCSV:
    """The header and the non-blank rows of an uploaded file, or CSVProblem.

    Strict (T42): a quote left open, a stray quote inside a field, or a row with more
    (non-empty) cells than the header names refuses the whole file with the line, so no row
    is silently merged with the next or shifted into the wrong columns.
    """
    if not data.strip():
        raise CSVProblem("The file is empty.")
    text, encoding = decode(data, encoding)
    delimiter = sniff_delimiter(text)
    lines = list(_records(text, delimiter))
    if not lines:
        raise CSVProblem("The file is empty.")
    columns = [cell.strip() for cell in lines[0][1]]
    _check_header(columns)
    rows = [_fit(cells, len(columns), line) for line, cells in lines[1:]]
    if not rows:
        raise CSVProblem("The file has a header row but no rows below it.")
    if len(rows) > MAX_ROWS:
        raise CSVProblem(f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at once.")
    return ParsedCSV(columns, rows, encoding, delimiter)


def _records(text: str, delimiter: str):
    """(line where the record starts, cells) for every non-blank record; CSVProblem with the
    line on a quote left open or a stray quote."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc) or "EOF" in str(exc):
                raise CSVProblem(
                    f"Line {start}: a quote (\") opens a field that is never closed. Close it, "
                    "or remove the stray quote."
                ) from None
            raise CSVProblem(
                f"Line {reader.line_num} is not valid CSV ({exc}): a quote inside a field must "
                'be doubled ("") and the field quoted.'
            ) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


def _fit(cells: list[str], width: int, line: int) -> list[str]:
    """The row's cells; empty cells past the header are dropped, any other refuses the file."""
    if len(cells) <= width:
        return cells
    if any(cell.strip() for cell in cells[width:]):
        raise CSVProblem(
            f"Line {line} has {len(cells)} cells but the header names {width} columns: "
            "a delimiter inside a value must be quoted, or the header is missing a column."
        )
    return cells[:width]


def _check_header(columns: list[str]) -> None:
    if len(columns) > MAX_COLUMNS:
        raise CSVProblem(f"The file has {len(columns)} columns; at most {MAX_COLUMNS} are allowed.")
    if not any(columns):
        raise CSVProblem("The first row must be a header that names the columns.")
    for i, name in enumerate(columns, 1):
        if not name:
            raise CSVProblem(f"Column {i} has no name in the header row.")
    seen: dict[str, str] = {}
    for name in columns:
        if name.casefold() in seen:
            raise CSVProblem(
                f'Two columns are called "{name}": rename one in the header row.'
            )
        seen[name.casefold()] = name


