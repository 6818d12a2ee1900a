"""requirements.csv (DATA.md): the staffing frame written with ISO times and rounded numbers, and read back."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from forecasts.csv_table import read_csv_table
from forecasts.history_io import (
    RowChecker,
    check_duplicate_intervals,
    check_interval_start,
    check_queue,
    optional_numbers,
)
from forecasts.site import Site
from scheduler.staffing import REQUIREMENT_COLUMNS

READ_REQUIRED = ("queue", "interval_start", "agents_required")
READ_OPTIONAL = tuple(c for c in REQUIREMENT_COLUMNS if c not in READ_REQUIRED)


def requirements_csv_text(frame: pd.DataFrame) -> str:
    out = frame[list(REQUIREMENT_COLUMNS)].copy()
    out["interval_start"] = [t.isoformat() for t in out["interval_start"]]
    out["offered"] = out["offered"].astype(float).round(3)
    out["aht_s"] = out["aht_s"].astype(float).round(1)
    return out.to_csv(index=False, lineterminator="\n")


def write_requirements_csv(frame: pd.DataFrame, target: str | Path) -> None:
    Path(target).write_text(requirements_csv_text(frame), encoding="utf-8")


def read_requirements(source: str | Path | IO[bytes], site: Site, name: str | None = None) -> pd.DataFrame:
    """Read requirements.csv: queue, interval_start (site time), agents_required (whole agents >= 0), and the
    optional columns as numbers."""
    table = read_csv_table(source, required=READ_REQUIRED, optional=READ_OPTIONAL, name=name)
    frame = table.frame.reset_index(drop=True)
    check = RowChecker(table.name, table.line.to_numpy())
    queue_ok = check_queue(check, frame["queue"], site)
    instant, instant_ok = check_interval_start(check, frame["interval_start"], site)
    values, empty, number, finite = optional_numbers(frame["agents_required"])
    whole = finite & (np.floor(number) == number) & (number >= 0)
    check.rows("agents_required", ~whole, "are not whole numbers >= 0",
               lambda i: f"{values[i]!r} is not a whole number of agents >= 0")
    columns = {"agents_required": np.where(whole, number, 0).astype(int)}
    for column in READ_OPTIONAL:
        columns[column] = optional_numbers(frame[column])[2] if column in frame else np.full(len(frame), np.nan)
    check_duplicate_intervals(check, frame["queue"], instant, queue_ok & instant_ok, site)
    check.raise_if_any()
    result = pd.DataFrame({"queue": frame["queue"], "interval_start": instant.dt.tz_convert(site.timezone),
                           **columns})
    return result.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
