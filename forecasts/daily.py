"""Daily totals per queue on every open day, with days that have no rows marked missing rather than zero."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from forecasts.calendar import opening_ranges
from forecasts.site import Site

DAILY_COLUMNS = ("queue", "date", "offered", "handled", "aht_s", "open_minutes", "missing")


def open_minutes(site: Site, day: dt.date) -> int:
    """Minutes the site is open on a local date (wall-clock; a DST day's opening counts as written)."""
    return sum(r.end_min - r.start_min for r in opening_ranges(site, day))


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from start to end inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def daily_totals(history: pd.DataFrame, site: Site, start: dt.date | None = None,
                 end: dt.date | None = None) -> pd.DataFrame:
    """One row per queue and open local date between start and end (default: the history's span).

    `offered` is NaN on an open day without any row for the queue: that is missing data or an unplanned
    closure, never a day of zero demand. `aht_s` is the handled-weighted mean handle time (NaN if unknown).
    """
    if history.empty:
        return pd.DataFrame(columns=list(DAILY_COLUMNS))
    local = history["interval_start"].dt.tz_convert(site.timezone)
    frame = history.assign(date=local.dt.date)
    handled = frame["handled"].astype("Float64") if "handled" in frame else pd.Series(np.nan, index=frame.index)
    aht = frame["aht_s"].astype("Float64") if "aht_s" in frame else pd.Series(np.nan, index=frame.index)
    weight = handled.where(aht.notna(), 0).fillna(0).astype(float)
    frame = frame.assign(_handled=handled.fillna(0).astype(float), _work=(aht.fillna(0).astype(float) * weight),
                         _weight=weight)
    sums = frame.groupby(["queue", "date"]).agg(offered=("offered", "sum"), handled=("_handled", "sum"),
                                                work=("_work", "sum"), weight=("_weight", "sum"))
    first = start or min(frame["date"])
    last = end or max(frame["date"])
    days = [d for d in date_range(first, last) if open_minutes(site, d) > 0]
    minutes = {d: open_minutes(site, d) for d in days}
    queues = sorted(frame["queue"].unique())
    index = pd.MultiIndex.from_product([queues, days], names=["queue", "date"])
    full = sums.reindex(index)
    result = pd.DataFrame({
        "queue": index.get_level_values("queue"),
        "date": index.get_level_values("date"),
        "offered": full["offered"].to_numpy(dtype=float),
        "handled": full["handled"].to_numpy(dtype=float),
        "aht_s": (full["work"] / full["weight"].where(full["weight"] > 0)).to_numpy(dtype=float),
        "open_minutes": [minutes[d] for d in index.get_level_values("date")],
    })
    result["missing"] = result["offered"].isna()
    return result.reset_index(drop=True)
