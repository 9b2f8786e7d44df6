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



def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise CSVProblem(
            "This does not look like a CSV file (it holds binary data). Export the sheet as "
            "CSV and upload that."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise CSVProblem("The file starts like UTF-8 but is not valid UTF-8.") from None
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CSVProblem("The file's text encoding is not UTF-8 or Latin-1.")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse(data: bytes) -> ParsedCSV:
    """The header and the non-blank rows of an uploaded file, or CSVProblem."""
    if not data.strip():
        raise CSVProblem("The file is empty.")
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise CSVProblem(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if not lines:
        raise CSVProblem("The file is empty.")
    columns = [cell.strip() for cell in lines[0]]
    _check_header(columns)
    rows = lines[1:]
    if not rows:
        raise CSVProblem("The file has a header row but no rows below it.")
    if len(rows) > MAX_ROWS:
        raise CSVProblem(f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at once.")
    return ParsedCSV(columns, rows, encoding, delimiter)


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


