"""forecast.csv (DATA.md): writing the forecast frame, and reading one back with line-precise checks."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from forecasts.csv_table import read_csv_table
from forecasts.forecast import FORECAST_COLUMNS
from forecasts.history_io import (
    RowChecker,
    check_duplicate_intervals,
    check_interval_start,
    check_queue,
    optional_numbers,
)
from forecasts.site import Site

REQUIRED = ("queue", "interval_start", "offered")
OPTIONAL = ("aht_s", "offered_p10", "offered_p90")


def forecast_csv_text(frame: pd.DataFrame) -> str:
    """The forecast as CSV text: one row per queue and interval, times with their UTC offset."""
    out = pd.DataFrame({
        "queue": frame["queue"],
        "interval_start": [t.isoformat() for t in frame["interval_start"]],
        "offered": frame["offered"].astype(float).round(3),
        "aht_s": frame["aht_s"].astype(float).round(1),
        "offered_p10": frame["offered_p10"].astype(float).round(3),
        "offered_p90": frame["offered_p90"].astype(float).round(3),
    }, columns=list(FORECAST_COLUMNS))
    return out.to_csv(index=False, lineterminator="\n")


def write_forecast_csv(frame: pd.DataFrame, target: str | Path | IO[str]) -> None:
    text = forecast_csv_text(frame)
    if isinstance(target, str | Path):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def read_forecast(source: str | Path | IO[bytes], site: Site, name: str | None = None) -> pd.DataFrame:
    """Read forecast.csv for a site: queue, interval_start (site time), offered, aht_s (NaN where empty), band."""
    table = read_csv_table(source, required=REQUIRED, optional=OPTIONAL, name=name)
    frame = table.frame.reset_index(drop=True)
    check = RowChecker(table.name, table.line.to_numpy())
    queue_ok = check_queue(check, frame["queue"], site)
    instant, instant_ok = check_interval_start(check, frame["interval_start"], site)
    columns = {}
    for column in ("offered", *OPTIONAL):
        if column not in frame:
            columns[column] = np.full(len(frame), np.nan)
            continue
        values, empty, number, finite = optional_numbers(frame[column])
        required = column == "offered"
        check.rows(column, (~empty | required) & ~finite, "are not numbers",
                   lambda i, c=column, v=values: f"{v[i]!r} is not a number; {c} must be a number")
        low = 0 if column != "aht_s" else 1e-9
        check.rows(column, finite & (number < low), "are out of range",
                   lambda i, c=column, v=values: f"{v[i]} is {'not positive' if c == 'aht_s' else 'negative'}")
        columns[column] = number
    check_duplicate_intervals(check, frame["queue"], instant, queue_ok & instant_ok, site)
    check.raise_if_any()
    result = pd.DataFrame({"queue": frame["queue"], "interval_start": instant.dt.tz_convert(site.timezone),
                           **columns})
    return result.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
