"""The site calendar: public holidays, opening hours per day and the open intervals of a day, DST-aware."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import pandas as pd

from forecasts.site import OpeningRange, Site


@lru_cache(maxsize=32)
def _holiday_table(code: str) -> holidays.HolidayBase:
    country, _, subdiv = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdiv or None)


def holiday_name(site: Site, day: dt.date) -> str | None:
    """The public holiday on this local date at the site, or None."""
    return _holiday_table(site.holidays).get(day)


def opening_ranges(site: Site, day: dt.date) -> tuple[OpeningRange, ...]:
    """Opening hours on a local date.

    A dated special day ("2026-12-24") wins over everything and may even open a closed day. A yearly one
    ("12-24") only changes the hours of a day that would open anyway: a short Christmas Eve does not open a
    Sunday. Otherwise holidays close the site (unless it opens on holidays) and the weekday's hours apply.
    """
    dated = site.special_days.get(day.isoformat())
    if dated is not None:
        return dated
    if not site.open_on_holidays and holiday_name(site, day) is not None:
        return ()
    regular = site.opening_hours.get(day.weekday(), ())
    yearly = site.special_days.get(day.strftime("%m-%d"))
    return yearly if yearly is not None and regular else regular


def is_open(site: Site, day: dt.date) -> bool:
    """Whether the site opens at all on this local date."""
    return bool(opening_ranges(site, day))


def local_instant(site: Site, day: dt.date, minutes: int) -> pd.Timestamp:
    """The instant of a wall-clock time on a local date; 24:00 is the next midnight.

    A wall time in the spring-forward gap is moved forward to the first real instant after it; a time that
    occurs twice on the fall-back day is its first occurrence.
    """
    wall = pd.Timestamp(day) + pd.Timedelta(minutes=minutes)
    return wall.tz_localize(site.timezone, nonexistent="shift_forward", ambiguous=True)


def open_intervals(site: Site, day: dt.date) -> pd.DatetimeIndex:
    """Start instants (site-local, tz-aware) of every open interval on a local date."""
    step = pd.Timedelta(minutes=site.interval_minutes)
    parts = [
        pd.date_range(local_instant(site, day, r.start_min).tz_convert("UTC"),
                      local_instant(site, day, r.end_min).tz_convert("UTC") - step, freq=step)
        for r in opening_ranges(site, day)
    ]
    if not parts:
        return pd.DatetimeIndex([], tz=site.timezone)
    index = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
    return index.tz_convert(site.timezone)


def day_intervals(site: Site, day: dt.date) -> pd.DatetimeIndex:
    """Start instants of every interval of the local day, open or not (92, 96 or 100 quarter-hours)."""
    step = pd.Timedelta(minutes=site.interval_minutes)
    start = local_instant(site, day, 0).tz_convert("UTC")
    end = local_instant(site, day, 24 * 60).tz_convert("UTC")
    return pd.date_range(start, end - step, freq=step).tz_convert(site.timezone)


def open_days(site: Site, start: dt.date, end: dt.date) -> list[dt.date]:
    """Local dates in [start, end] on which the site opens."""
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_open(site, d)]
