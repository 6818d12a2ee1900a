"""A tiny seeded generator of interval history for a tiny site, shared by the forecasting tests.

The site opens Monday to Friday 08:00-12:00 (16 quarter-hours a day), 24 December 08:00-10:00, closed on
weekends and Brandenburg holidays. A day's expected total is BASE x WEEKDAY_FACTOR x the event uplift x the
share of the regular opening; it spreads over the day by SLOT_WEIGHTS, and each interval is a Poisson draw.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from forecasts.calendar import open_intervals
from forecasts.daily import date_range, open_minutes
from forecasts.site import parse_site

SITE_TEXT = """
[site]
name = "Synth"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-12:00"
tue = "08:00-12:00"
wed = "08:00-12:00"
thu = "08:00-12:00"
fri = "08:00-12:00"
[site.special_days]
"12-24" = "08:00-10:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
concurrency = 2
"""
SITE = parse_site(SITE_TEXT)
REGULAR_MINUTES = 240

BASE = 2000.0
# Monday is the busiest day, Friday the quietest.
WEEKDAY_FACTOR = {0: 1.4, 1: 1.1, 2: 1.0, 3: 0.9, 4: 0.8}
# A bill mailing on day D adds 80 % on D, 40 % on D+1 and 20 % on D+2 (calendar days).
EVENT_UPLIFT = {0: 0.8, 1: 0.4, 2: 0.2}
# Relative weight of the 16 quarter-hours 08:00 ... 11:45: a morning peak around 09:30.
SLOT_WEIGHTS = np.array([2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 4, 3, 2, 2], dtype=float)
AHT_S = 300.0


def expected_total(day: dt.date, event_days: tuple[dt.date, ...] = (), base: float = BASE) -> float:
    """Expected contacts of one queue on a local date (0 when the site is closed)."""
    minutes = open_minutes(SITE, day)
    if minutes == 0:
        return 0.0
    uplift = 1.0 + sum(EVENT_UPLIFT.get((day - e).days, 0.0) for e in event_days)
    return base * WEEKDAY_FACTOR[day.weekday()] * uplift * minutes / REGULAR_MINUTES


def history(start: dt.date, end: dt.date, queues: tuple[str, ...] = ("billing",), event_days: tuple[dt.date, ...] = (),
            spikes: dict[dt.date, float] | None = None, base: float = BASE, seed: int = 0) -> pd.DataFrame:
    """Interval rows (typed as read_history returns them) for every open interval from start to end inclusive.

    `spikes` multiplies the expected total of single dates (an unannounced surge); `event_days` are the dates
    of bill mailings, which lift every queue.
    """
    rng = np.random.default_rng(seed)
    spikes = spikes or {}
    parts = []
    for queue in queues:
        for day in date_range(start, end):
            starts = open_intervals(SITE, day)
            if len(starts) == 0:
                continue
            weights = SLOT_WEIGHTS[: len(starts)]
            mean = expected_total(day, event_days, base) * spikes.get(day, 1.0) * weights / weights.sum()
            offered = rng.poisson(mean)
            parts.append(pd.DataFrame({"queue": queue, "interval_start": starts, "offered": offered}))
    frame = pd.concat(parts, ignore_index=True)
    frame["interval_start"] = frame["interval_start"].dt.as_unit("us")
    frame["offered"] = frame["offered"].astype("int64")
    frame["handled"] = pd.array(frame["offered"], dtype="Int64")
    frame["abandoned"] = pd.array(np.zeros(len(frame), dtype=int), dtype="Int64")
    frame["aht_s"] = pd.array(np.full(len(frame), AHT_S), dtype="Float64")
    return frame


def events(days: tuple[dt.date, ...], kind: str = "bill_mailing", queue: str | None = None,
           size: float | None = None) -> pd.DataFrame:
    """An events frame (typed as read_events returns it) with one event of `kind` on each date."""
    return pd.DataFrame({
        "date": pd.Series(list(days), dtype=object),
        "event": kind,
        "queue": pd.Series([queue] * len(days), dtype=object),
        "size": pd.array([size] * len(days), dtype="Float64"),
    })
