"""Writing the forecast frame as forecast.csv (DATA.md): ISO times with offset, rounded numbers."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pandas as pd

from forecasts.forecast import FORECAST_COLUMNS


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
