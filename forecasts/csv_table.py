"""Reading a CSV input file as text columns with the file line of every row, before any typing.

The dialects read (README, "How imports behave"):
- encoding: UTF-8 with or without byte-order mark; UTF-16 with byte-order mark (Excel "Unicode Text"); else
  Windows-1252 (Excel's "CSV (Trennzeichen-getrennt)" on a German Windows). A byte that is neither, a file
  that mixes UTF-8 with other bytes, and a file cut off inside a UTF-8 character are refused with their line.
- separator: ',', ';' or tab, whichever splits the header line (quotes respected) into the most known columns.
- line ends: \\n, \\r\\n or \\r alone; quoted cells may hold line breaks (line numbers stay those of the file).
- fields: as many as the header in every row (only ignored columns at the end may be left out); cells of at
  most MAX_CELL characters; blank lines are skipped.
- numbers (`to_numbers`, `parse_number`): the decimal mark is ',' in a ';'-separated file and '.' otherwise;
  the other mark is accepted too where it cannot be a thousands separator. Thousands separators are refused.
"""

from __future__ import annotations

import csv
import io
import math
import operator
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from forecasts.errors import DataFileError, Problem

DELIMITERS = (",", ";", "\t")
# Rows of one kind of field-count problem listed per file; beyond that they are counted.
MAX_LISTED_ROWS = 200
# No cell of these files is longer; a longer one is refused (usually a quote that is never closed).
MAX_CELL = 10_000
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SPACE = re.compile(r"[^\S\n]")
_WITH_COMMA = r"[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?"
_THOUSANDS = re.compile(r"([+-]?)([1-9][0-9]{0,2}(?:([.,' \u00a0\u202f])[0-9]{3})+)(?:([.,])([0-9]+))?")


@dataclass(frozen=True)
class CsvTable:
    """The raw cells of a CSV file: `frame` holds stripped strings ('' for empty), `line` each row's line."""

    name: str
    frame: pd.DataFrame
    line: pd.Series
    delimiter: str = ","

    @property
    def german(self) -> bool:
        """A ';'-separated file (German Excel): decimal comma, and DD.MM.YYYY dates where a column allows."""
        return self.delimiter == ";"


def read_csv_table(source: str | Path | IO[bytes] | IO[str], *, required: tuple[str, ...],
                   optional: tuple[str, ...] = (), name: str | None = None) -> CsvTable:
    """Read a CSV with a header row; refuse missing required columns; warn about (and drop) unknown ones."""
    name = name or _source_name(source)
    text = _read_text(source, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        raise DataFileError([Problem(name, text.count("\n", 0, nul) + 1, None, (
            "contains a NUL character (a zero byte): the file is damaged or not CSV text; export it again as "
            "CSV (a file saved as UTF-16 'Unicode Text' needs its byte-order mark)"))])
    known = required + optional
    delimiter = _sniff(text, known)
    header_line, header, cells, lines, row_problems = _parse(text, delimiter, name, known)
    if header is None and not row_problems:
        raise DataFileError([Problem(name, None, None, "the file is empty; it needs a header row: "
                                     + ",".join(required))])
    columns = [_column_name(c) for c in header or ()]
    problems = [Problem(name, header_line, col, f"required column {col!r} is missing from the header; the header "
                        f"must name {', '.join(required)}") for col in required if header and col not in columns]
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    problems += [Problem(name, header_line, col, "column appears twice in the header; keep one") for col in duplicates]
    if problems or row_problems:  # a broken header first: then every row would be wrong
        raise DataFileError(problems or row_problems)
    if _SPACE.search(text):  # most exports have nothing to strip: spare a million calls
        cells = [np.array([v.strip() for v in column], dtype=object) for column in cells]
    blank = np.logical_and.reduce([column == "" for column in cells])
    unknown = [c or f"(column {i + 1} without a name)" for i, c in enumerate(columns)
               if c not in known and (c or (cells[i] != "").any())]
    if unknown:
        warnings.warn(f"{name}: ignoring unknown columns {', '.join(unknown)}", UserWarning, stacklevel=2)
    frame = pd.DataFrame({c: pd.Series(cells[i][~blank], dtype="str") for i, c in enumerate(columns) if c in known})
    return CsvTable(name, frame, pd.Series(lines[~blank], index=frame.index, dtype="int64"), delimiter)


def decimal_mark(delimiter: str) -> str:
    """The decimal mark of a file with this separator: ',' with ';' (German Excel), else '.'."""
    return "," if delimiter == ";" else "."


def to_numbers(text: pd.Series, delimiter: str) -> np.ndarray:
    """Floats of number cells in a file with this separator; NaN where empty, not a number or ambiguous."""
    codes, uniques = pd.factorize(text.to_numpy(dtype=object))  # a column holds few distinct cells: check those
    ambiguous = re.compile(_ambiguous_pattern(delimiter))
    comma = re.compile(_WITH_COMMA)
    cleaned = ["" if ambiguous.fullmatch(v) else v.replace(",", ".") if comma.fullmatch(v) else v for v in uniques]
    numbers = pd.to_numeric(pd.Series(cleaned, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return numbers[codes] if len(codes) else np.empty(0)


def parse_number(value: str, delimiter: str) -> float | None:
    """One number cell as `to_numbers` reads it: [+-]digits with an optional decimal part; None if not."""
    if not re.fullmatch(r"[+-]?[0-9]+(?:[.,][0-9]+)?", value) or re.fullmatch(_ambiguous_pattern(delimiter), value):
        return None
    number = float(value.replace(",", "."))
    return number if math.isfinite(number) else None


def number_hint(value: str, delimiter: str) -> str:
    """Why a cell that is not a number may have been meant as one (': …'), or '' when there is no guess."""
    mark = decimal_mark(delimiter)
    other = "." if mark == "," else ","
    if re.fullmatch(_ambiguous_pattern(delimiter), value):
        whole = value.replace(other, "")
        decimal = value.replace(other, mark)
        return (f": the {other!r} could separate thousands ({whole}) or decimals ({decimal}); write {whole} or "
                f"{decimal}, as meant (in a {_SEPARATOR_NAMES[delimiter]}-separated file the decimal mark is "
                f"{mark!r})")
    parts = _THOUSANDS.fullmatch(value)
    if parts and (parts.group(4) is None or parts.group(4) != parts.group(3)):
        digits = re.sub(r"[^0-9]", "", parts.group(2))
        fraction = f"{mark}{parts.group(5)}" if parts.group(5) else ""
        return f": numbers are written without thousands separators, e.g. {parts.group(1)}{digits}{fraction}"
    return ""


def _ambiguous_pattern(delimiter: str) -> str:
    """A number whose only mark is the file's non-decimal mark before three digits: maybe thousands (1,234)."""
    other = re.escape("." if decimal_mark(delimiter) == "," else ",")
    return rf"[+-]?[1-9][0-9]{{0,2}}{other}[0-9]{{3}}"


def _sniff(text: str, known: tuple[str, ...]) -> str:
    """The separator that splits the first non-blank line (quotes respected) into the most known columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        header: list[str] = []
        try:
            for header in csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter):
                if any(cell.strip() for cell in header):
                    break
        except csv.Error:
            continue
        names = [_column_name(c) for c in header]
        score = (sum(n in known for n in names), len(names))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse(text: str, delimiter: str, name: str, known: tuple[str, ...]
           ) -> tuple[int, list[str] | None, list[np.ndarray], np.ndarray, list[Problem]]:
    """Split the text into the header (its line and cells; None if the file has none), the rows that have as
    many fields as the header (one array of cells per column, and the file line each row starts on), and the
    problems of rows with another number of fields or broken quotes. Blank lines are left out; a row may end
    early where the columns it lacks are ignored ones (their cells are then empty)."""
    if '"' in text:
        records, starts, problems = _quoted_records(text, delimiter, name)
    else:  # the common case, and fast: a line is a record
        records, starts, problems = text.split("\n"), None, []
    first = next((i for i, r in enumerate(records) if not _blank(r, delimiter)), None)
    if first is None:
        return 1, None, [], np.zeros(0, dtype=np.int64), problems
    header = records[first] if starts is not None else records[first].split(delimiter)
    width = len(header)
    line = np.arange(1, len(records) + 1) if starts is None else np.asarray(starts, dtype=np.int64)
    body, line = records[first + 1:], line[first + 1:]
    if starts is None:
        count = np.fromiter(map(operator.methodcaller("count", delimiter), body), dtype=np.int64, count=len(body)) + 1
    else:
        count = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    needed = max((j + 1 for j, c in enumerate(header) if _column_name(c) in known), default=width)
    odd = np.flatnonzero(count != width)
    short: list[tuple[int, int]] = []
    long: list[tuple[int, int]] = []
    for i in odd:  # blank lines, and rows cut off or with a separator in an unquoted cell (even empty extras)
        if _blank(body[i], delimiter):
            continue
        if needed <= count[i] < width:  # only ignored columns missing: pad
            body[i] = body[i] + delimiter * (width - count[i]) if starts is None else body[i] + [""] * (
                width - count[i])
            count[i] = width
        else:
            (short if count[i] < width else long).append((int(line[i]), int(count[i])))
    problems += _field_count_problems(name, width, delimiter, short, long)
    if len(odd):
        keep = np.flatnonzero(count == width)
        body, line = [body[i] for i in keep], line[keep]
    size = np.fromiter(map(len, body) if starts is None else (sum(map(len, r)) for r in body), dtype=np.int64,
                       count=len(body))
    if starts is None:  # every kept line has width - 1 separators: split them all at once
        flat = np.array(delimiter.join(body).split(delimiter) if body else [], dtype=object)
        columns = list(flat.reshape(len(body), width).T)
    else:
        columns = [np.array(c, dtype=object) for c in zip(*body, strict=True)] if body else [
            np.array([], dtype=object)] * width
    problems += _long_cell_problems(name, header, columns, line, np.flatnonzero(size > MAX_CELL))
    return (first + 1 if starts is None else starts[first]), header, columns, line, problems


def _long_cell_problems(name: str, header: list[str], columns: list[np.ndarray], line: np.ndarray,
                        rows: np.ndarray) -> list[Problem]:
    """Cells longer than MAX_CELL: no value of these files is, but a quote never closed makes one."""
    problems = []
    for i in rows:
        for j, column in enumerate(columns):
            cell = column[i]
            if len(cell) > MAX_CELL:
                why = ("most likely a quote (\") opened in this row is never closed, so the lines after it became "
                       "one cell: close the quote, or write a quote inside a cell as \"\"") if "\n" in cell else (
                       "check that this is the right file")
                problems.append(Problem(name, int(line[i]), _column_name(header[j]) or None, (
                    f"a cell of {len(cell):,} characters is too long (at most {MAX_CELL:,}); {why}")))
                if len(problems) == MAX_LISTED_ROWS:
                    return problems
    return problems


def _column_name(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower()


def _blank(record: str | list[str], delimiter: str) -> bool:
    """A line (or a record's cells) with nothing but separators and white space."""
    return not (record if isinstance(record, str) else "".join(record)).replace(delimiter, "").strip()


def _quoted_records(text: str, delimiter: str, name: str) -> tuple[list[list[str]], list[int], list[Problem]]:
    """Records of a file with quotes, each with the line it starts on; a broken quote ends the reading."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for fields in reader:
            records.append(fields)
            starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        return records, starts, [_quote_problem(name, start, reader.line_num, str(exc))]
    return records, starts, []


def _quote_problem(name: str, start: int, current: int, error: str) -> Problem:
    if "unexpected end of data" in error:
        return Problem(name, start, None, "a quote (\") opened in this row is never closed, so the rest of the file "
                       "would be one cell; close the quote, or write a quote inside a cell as \"\"")
    if "field larger than field limit" in error:
        return Problem(name, start, None, f"a cell of this row is longer than {csv.field_size_limit():,} characters; "
                       "most likely a quote (\") opened here is never closed, so the lines after it became one cell: "
                       "close the quote, or write a quote inside a cell as \"\"")
    return Problem(name, current, None, f"a quoted cell must end at its closing quote ({error}); put the whole "
                   "cell in quotes and write a quote inside it as \"\"")


def _field_count_problems(name: str, width: int, delimiter: str, short: list[tuple[int, int]],
                          long: list[tuple[int, int]]) -> list[Problem]:
    sep = _SEPARATOR_NAMES[delimiter]
    problems = [Problem(name, line, None, f"has {count} field{'s' if count != 1 else ''} but the header has "
                        f"{width}; the line may be cut off: every line needs all {width} fields, empty ones too "
                        f"(separated by {delimiter!r})") for line, count in short[:MAX_LISTED_ROWS]]
    why = {",": "; a decimal comma splits a number in two: write 293.4, not 293,4, in a comma-separated file",
           ";": ", such as skills billing;chat", "\t": ""}[delimiter]
    problems += [Problem(name, line, None, f"has {count} fields but the header has {width}; a cell that contains "
                         f"the {sep} separator must be in double quotes{why}")
                 for line, count in long[:MAX_LISTED_ROWS]]
    for rows, kind in ((short, "fewer"), (long, "more")):
        if len(rows) > MAX_LISTED_ROWS:
            problems.append(Problem(name, rows[MAX_LISTED_ROWS][0], None, (
                f"this and {len(rows) - MAX_LISTED_ROWS - 1:,} more rows also have {kind} fields than the header "
                f"({len(rows):,} in all)")))
    return problems


def _source_name(source: str | Path | IO[bytes] | IO[str]) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return Path(getattr(source, "name", "upload.csv")).name


def _read_text(source: str | Path | IO[bytes] | IO[str], name: str) -> str:
    if isinstance(source, str | Path):
        try:
            data: bytes | str = Path(source).read_bytes()
        except FileNotFoundError:
            raise DataFileError([Problem(name, None, None, f"file not found: {source}")]) from None
    else:
        data = source.read()
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    return decode_text(data, name)


def decode_text(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252; refused with its line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = _line_of(data[:exc.start].decode("utf-16", errors="replace"))
            raise DataFileError([Problem(name, line, None, "the file starts as UTF-16 text but is not UTF-16 from "
                                         "here on (perhaps cut off); export it again")]) from None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        start, end, reason = exc.start + bom, exc.end + bom, exc.reason
    line = _line_of(data[:start])
    byte = f"byte 0x{data[start]:02X}"
    if end == len(data) and reason == "unexpected end of data":
        message = "the file ends inside a UTF-8 character: it was cut off; export it again"
    elif bom or _UTF8_SEQUENCE.search(data):
        message = (f"{byte} is not UTF-8, but the file is UTF-8 elsewhere: it mixes two encodings; save it again "
                   "as UTF-8 (in Excel: 'CSV UTF-8')")
    else:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = _line_of(data[:exc.start])
            message = (f"byte 0x{data[exc.start]:02X} is neither UTF-8 nor Windows-1252 text; save the file as "
                       "UTF-8 (in Excel: 'CSV UTF-8')")
    raise DataFileError([Problem(name, line, None, message)])


def _line_of(prefix: bytes | str) -> int:
    """The line (from 1) that the text after `prefix` is on, counting \\n, \\r\\n and \\r as line ends."""
    if isinstance(prefix, bytes):
        return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1
