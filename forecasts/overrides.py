"""Planner overrides: a percentage change for a queue and a range of local dates, applied on top of a forecast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.site import Site


@dataclass(frozen=True)
class Override:
    """+10 means 10 % more contacts than forecast from `start` to `end` (both included, site-local dates)."""

    queue: str
    start: dt.date
    end: dt.date
    percent: float
    reason: str = ""
    created_by: str = ""
    created_at: dt.datetime | None = None


def check_override(override: Override, site: Site) -> None:
    """Refuse an override that names an unknown queue, runs backwards or removes more than everything."""
    if override.queue not in site.queue_names:
        raise ValueError(f"override for unknown queue {override.queue!r}; the site has "
                         f"{', '.join(site.queue_names)}")
    if override.end < override.start:
        raise ValueError(f"override for {override.queue}: it ends ({override.end}) before it starts "
                         f"({override.start}); give the dates in order")
    if not np.isfinite(override.percent) or override.percent <= -100:
        raise ValueError(f"override for {override.queue}: {override.percent} % would leave no contacts or fewer "
                         "than none; use a change above -100 %")


def apply_overrides(frame: pd.DataFrame, overrides: list[Override], site: Site) -> pd.DataFrame:
    """The forecast with every override applied to offered and its band; overlapping overrides multiply."""
    if not overrides or frame.empty:
        return frame
    for override in overrides:
        check_override(override, site)
    local_dates = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    factor = np.ones(len(frame))
    for override in overrides:
        hit = ((frame["queue"] == override.queue) & (local_dates >= override.start)
               & (local_dates <= override.end)).to_numpy()
        factor[hit] *= 1 + override.percent / 100
    result = frame.copy()
    for column in ("offered", "offered_p10", "offered_p90"):
        result[column] = result[column].astype(float) * factor
    return result
