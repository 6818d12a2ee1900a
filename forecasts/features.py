"""Calendar and event features of local dates: weekday, season, trend, holidays, short days, event waves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.calendar import holiday_name, is_open
from forecasts.daily import open_minutes
from forecasts.site import Site

# Days after an event, grouped into bins: each bin gets its own coefficient, so the model learns the rise
# and the decay of every event kind. Beyond the last bin an event has no effect.
EVENT_LAG_BINS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (7, 9), (10, 13),
                                                (14, 20), (21, 27))
MAX_EVENT_LAG = EVENT_LAG_BINS[-1][1]
YEARLY_HARMONICS = 6
MIN_DAYS_FOR_YEARLY = 400


@dataclass(frozen=True)
class FeatureSpec:
    """Which feature columns a fitted model uses; fixed at fit time so prediction selects the same columns."""

    yearly: bool
    event_kinds: tuple[str, ...]
    trend: bool = True

    def columns(self, table: pd.DataFrame) -> list[str]:
        keep = []
        for name in table.columns:
            if name.startswith("year_") and not self.yearly:
                continue
            if name == "trend_years" and not self.trend:
                continue
            if name.startswith("event_") and _kind_of(name) not in self.event_kinds:
                continue
            keep.append(name)
        return keep


def _kind_of(column: str) -> str:
    return column.removeprefix("event_").rsplit("_lag", 1)[0]


def event_intensity(events: pd.DataFrame, queue: str) -> dict[str, dict[dt.date, float]]:
    """Per event kind the size of each event date for this queue, scaled so the kind's median size is 1."""
    if events is None or events.empty:
        return {}
    relevant = events[events["queue"].isna() | (events["queue"] == queue)]
    result: dict[str, dict[dt.date, float]] = {}
    for kind, group in relevant.groupby("event"):
        sizes = pd.to_numeric(group["size"], errors="coerce").astype(float)
        median = float(np.nanmedian(sizes)) if sizes.notna().any() else np.nan
        scale = sizes / median if median and median > 0 else pd.Series(1.0, index=sizes.index)
        per_day: dict[dt.date, float] = {}
        for day, value in zip(group["date"], scale.fillna(1.0), strict=True):
            per_day[day] = per_day.get(day, 0.0) + float(value)
        result[str(kind)] = per_day
    return result


def feature_table(site: Site, days: list[dt.date], intensity: dict[str, dict[dt.date, float]],
                  reference: dt.date) -> pd.DataFrame:
    """Every feature column for these local dates, indexed by date; models pick columns with a FeatureSpec.

    Built once per queue over the history and the horizon, so that rolling-origin fits only slice it.
    """
    dates = pd.to_datetime(pd.Series(days))
    columns: dict[str, np.ndarray] = {}
    weekday = dates.dt.day_of_week.to_numpy()
    for w in range(7):
        columns[f"weekday_{w}"] = (weekday == w).astype(float)
    columns["trend_years"] = np.array([(d - reference).days / 365.25 for d in days])
    day_of_year = dates.dt.day_of_year.to_numpy() / 365.25
    for k in range(1, YEARLY_HARMONICS + 1):
        columns[f"year_sin_{k}"] = np.sin(2 * np.pi * k * day_of_year)
        columns[f"year_cos_{k}"] = np.cos(2 * np.pi * k * day_of_year)
    columns.update(_holiday_columns(site, days))
    columns["short_day"] = np.array([_log_open_share(site, d) for d in days])
    columns["between_years"] = np.array([float(d.month == 12 and 27 <= d.day <= 30) for d in days])
    for kind in sorted(intensity):
        columns.update(_event_columns(kind, intensity[kind], days))
    return pd.DataFrame(columns, index=pd.Index(days, name="date"))


def _holiday_columns(site: Site, days: list[dt.date]) -> dict[str, np.ndarray]:
    """The first open day after a holiday closure (callers catch up), the last one before, and bridge days.

    A holiday closure is a public holiday on a weekday that normally opens; the run of closed days around an
    open day is searched, so the Monday after a Friday holiday counts, and a holiday on a Sunday (closed
    anyway) marks nothing. A bridge day is a Friday after, or a Monday before, a holiday closure.
    """
    after, before, bridge = [], [], []
    for day in days:
        after_holiday = _closed_run_has_holiday(site, day, step=-1)
        before_holiday = _closed_run_has_holiday(site, day, step=1)
        after.append(float(after_holiday))
        before.append(float(before_holiday))
        one = dt.timedelta(days=1)
        bridge.append(float((day.weekday() == 4 and _holiday_closure(site, day - one))
                            or (day.weekday() == 0 and _holiday_closure(site, day + one))))
    return {"after_holiday": np.array(after), "before_holiday": np.array(before), "bridge_day": np.array(bridge)}


def _closed_run_has_holiday(site: Site, day: dt.date, step: int, limit: int = 7) -> bool:
    """Whether the closed days right before (step -1) or after (step 1) this day include a holiday closure."""
    probe = day + dt.timedelta(days=step)
    for _ in range(limit):
        if is_open(site, probe):
            return False
        if _holiday_closure(site, probe):
            return True
        probe += dt.timedelta(days=step)
    return False


def _holiday_closure(site: Site, day: dt.date) -> bool:
    """A public holiday that closes a day which would otherwise open."""
    return (holiday_name(site, day) is not None and not is_open(site, day)
            and bool(site.opening_hours.get(day.weekday())))


def _log_open_share(site: Site, day: dt.date) -> float:
    """log(opening minutes today / the weekday's regular minutes): negative on a short day such as 24 December."""
    regular = sum(r.end_min - r.start_min for r in site.opening_hours.get(day.weekday(), ()))
    today = open_minutes(site, day)
    if regular == 0 or today == 0:
        return 0.0
    return float(np.log(today / regular))


def _event_columns(kind: str, per_day: dict[dt.date, float], days: list[dt.date]) -> dict[str, np.ndarray]:
    columns = {}
    for low, high in EVENT_LAG_BINS:
        values = np.zeros(len(days))
        for i, day in enumerate(days):
            values[i] = sum(per_day.get(day - dt.timedelta(days=lag), 0.0) for lag in range(low, high + 1))
        columns[f"event_{kind}_lag{low}-{high}"] = values / (high - low + 1)
    return columns
