"""Reading a CSV input file as text columns with the file line of every row, before any typing."""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from forecasts.errors import DataFileError, Problem


@dataclass(frozen=True)
class CsvTable:
    """The raw cells of a CSV file: `frame` holds stripped strings ('' for empty), `line` each row's line."""

    name: str
    frame: pd.DataFrame
    line: pd.Series


def read_csv_table(source: str | Path | IO[bytes] | IO[str], *, required: tuple[str, ...],
                   optional: tuple[str, ...] = (), name: str | None = None) -> CsvTable:
    """Read a CSV with a header row; refuse missing required columns; warn about (and drop) unknown ones."""
    name = name or _source_name(source)
    text = _read_text(source, name)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False,
                            sep=delimiter, quoting=csv.QUOTE_MINIMAL, engine="c")
    except pd.errors.EmptyDataError:
        raise DataFileError([Problem(name, None, None, "the file is empty; it needs a header row: "
                                     + ",".join(required))]) from None
    except pd.errors.ParserError as exc:
        raise DataFileError([Problem(name, None, None, f"not a readable CSV file ({exc}); check quotes and "
                                     "the number of fields per line")]) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    problems = [Problem(name, 1, col, f"required column {col!r} is missing from the header; the header must "
                        f"name {', '.join(required)}") for col in required if col not in frame.columns]
    duplicates = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    problems += [Problem(name, 1, col, "column appears twice in the header; keep one") for col in duplicates]
    if problems:
        raise DataFileError(problems)
    unknown = [c for c in frame.columns if c not in required and c not in optional]
    if unknown:
        warnings.warn(f"{name}: ignoring unknown columns {', '.join(unknown)}", UserWarning, stacklevel=2)
    frame = frame[[c for c in frame.columns if c in required or c in optional]]
    frame = frame.apply(lambda s: s.str.strip())
    # Line numbers assume one physical line per record (no quoted line breaks): header is line 1.
    line = pd.Series(frame.index.to_numpy() + 2, index=frame.index)
    blank = (frame == "").all(axis=1)
    return CsvTable(name, frame[~blank], line[~blank])


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
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError([Problem(name, line, None, "the file is not UTF-8 text; save it as UTF-8 "
                                     "(in Excel: 'CSV UTF-8')")]) from None
