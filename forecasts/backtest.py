"""Rolling-origin backtests: forecast from several past origins with every method and score against actuals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.calendar import is_open
from forecasts.daily import daily_totals, date_range
from forecasts.forecast import check_inputs, forecast_queue, history_last_date, method_frames
from forecasts.metrics import bias, coverage, wape
from forecasts.site import Site

DEFAULT_ORIGINS = 8
DEFAULT_HORIZON_DAYS = 42
# Event kinds nobody knows in advance: the backtest hides their future dates from the forecaster.
UNPLANNED_EVENTS = frozenset({"outage"})
REPORT_HORIZONS: tuple[tuple[str, int, int], ...] = (("1 day", 1, 1), ("2-7 days", 2, 7), ("8-14 days", 8, 14),
                                                     ("15-42 days", 15, 42), ("all", 1, 10_000))


@dataclass(frozen=True)
class Backtest:
    """Forecasts against actuals: one row per method, queue, origin and day (or interval)."""

    daily: pd.DataFrame  # method, queue, origin, date, h, actual, forecast, p10, p90, events
    intervals: pd.DataFrame  # method, queue, origin, interval_start, h, actual, forecast, p10, p90
    origins: list[dt.date]
    choices: pd.DataFrame  # queue, origin, bucket, method


def default_origins(history: pd.DataFrame, site: Site, events: pd.DataFrame | None,
                    count: int = DEFAULT_ORIGINS, horizon_days: int = DEFAULT_HORIZON_DAYS) -> list[dt.date]:
    """Sundays (the last day before a forecast week) with a full horizon of actuals after them.

    Half of them fall just before the most recent waves of planned events (so the horizon covers e.g. the
    bill-mailing weeks), the rest are spread evenly over the latest year.
    """
    if count < 1:
        raise ValueError(f"the backtest needs at least one origin (got {count})")
    last = history_last_date(history, site)
    first = history["interval_start"].min().tz_convert(site.timezone).date()
    earliest = first + dt.timedelta(weeks=26) if (last - first).days > 3 * 365 // 2 else \
        first + dt.timedelta(weeks=8)
    latest = last - dt.timedelta(days=horizon_days)
    if latest < earliest:
        raise ValueError(f"the history ({first} to {last}) is too short for a backtest with a {horizon_days}-day "
                         "horizon; it needs at least 8 weeks of training plus the horizon")
    sundays = [d for d in date_range(earliest, latest) if d.weekday() == 6]
    chosen: list[dt.date] = []
    for wave_start in reversed(_planned_wave_starts(events, earliest, latest + dt.timedelta(days=horizon_days))):
        before = [s for s in sundays if s <= wave_start - dt.timedelta(days=3)]
        if before and before[-1] not in chosen and len(chosen) < count // 2:
            chosen.append(before[-1])
    spread_from = [s for s in sundays if (last - s).days <= 365 + horizon_days] or sundays
    free = [s for s in spread_from if all(abs((s - c).days) >= 14 for c in chosen)]
    needed = count - len(chosen)
    if free and needed > 0:
        picks = np.linspace(0, len(free) - 1, num=min(needed, len(free))).round().astype(int)
        chosen.extend(free[i] for i in sorted(set(picks)))
    return sorted(set(chosen))


def _planned_wave_starts(events: pd.DataFrame | None, start: dt.date, end: dt.date) -> list[dt.date]:
    """First dates of runs of planned events of one kind (a new run starts after 3 weeks without one)."""
    if events is None or events.empty:
        return []
    planned = events[~events["event"].isin(UNPLANNED_EVENTS)]
    starts = []
    for _kind, group in planned.groupby("event"):
        dates = sorted(set(group["date"]))
        previous = None
        for day in dates:
            if (previous is None or (day - previous).days > 21) and start <= day <= end:
                starts.append(day)
            previous = day
    return sorted(starts)


def known_at(events: pd.DataFrame | None, origin: dt.date) -> pd.DataFrame | None:
    """The events a planner knew at the origin: all past ones, and future ones only of planned kinds."""
    if events is None or events.empty:
        return events
    return events[(events["date"] <= origin) | ~events["event"].isin(UNPLANNED_EVENTS)]


def run_backtest(history: pd.DataFrame, site: Site, events: pd.DataFrame | None = None,
                 origins: list[dt.date] | None = None, horizon_days: int = DEFAULT_HORIZON_DAYS, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> Backtest:
    """Forecast from every origin with every method (and the automatic choice) and line up the actuals."""
    check_inputs(history, site, events, horizon_days)
    origins = origins or default_origins(history, site, events, horizon_days=horizon_days)
    local_dates = history["interval_start"].dt.tz_convert(site.timezone).dt.date
    actual_daily = daily_totals(history, site).set_index(["queue", "date"])["offered"]
    actual_interval = history.set_index(["queue", "interval_start"])["offered"].astype(float)
    rng = np.random.default_rng(seed)
    daily_rows, interval_rows, choice_rows = [], [], []
    for step, origin in enumerate(origins):
        start = origin + dt.timedelta(days=1)
        targets = [d for d in date_range(start, origin + dt.timedelta(days=horizon_days)) if is_open(site, d)]
        seen_events = known_at(events, origin)
        for queue in sorted(history["queue"].unique()):
            past = history[(history["queue"] == queue) & (local_dates <= origin)]
            if past.empty:
                continue
            result = forecast_queue(past, site, queue, origin, targets, seen_events, rng, method=None)
            observed_days = _observed(actual_daily, queue, targets)
            for bucket, method in result.choice.items():
                choice_rows.append({"queue": queue, "origin": origin, "bucket": f"{bucket[0]}-{bucket[1]}",
                                    "method": method})
            for method in [*result.intervals, "auto"]:
                frame_i, frame_d = method_frames(result, method)
                daily_rows.append(_score_daily(frame_d, method, queue, origin, observed_days, actual_daily,
                                               events))
                interval_rows.append(_score_intervals(frame_i, method, queue, origin, observed_days,
                                                      actual_interval, site))
        if progress:
            progress(step + 1, len(origins))
    return Backtest(pd.concat(daily_rows, ignore_index=True), pd.concat(interval_rows, ignore_index=True),
                    origins, pd.DataFrame(choice_rows))


def _observed(actual_daily: pd.Series, queue: str, days: list[dt.date]) -> list[dt.date]:
    """Target days that have data in the history (a day without rows is missing, not zero)."""
    values = actual_daily.reindex([(queue, d) for d in days])
    return [d for d, v in zip(days, values, strict=True) if not np.isnan(v)]


def _score_daily(frame: pd.DataFrame, method: str, queue: str, origin: dt.date, observed: list[dt.date],
                 actual: pd.Series, events: pd.DataFrame | None) -> pd.DataFrame:
    frame = frame[frame["date"].isin(set(observed))]
    kinds = _event_kinds_in(events, queue, origin, max(observed) if observed else origin)
    return pd.DataFrame({
        "method": method, "queue": queue, "origin": origin, "date": frame["date"].to_numpy(),
        "h": [(d - origin).days for d in frame["date"]],
        "actual": actual.reindex([(queue, d) for d in frame["date"]]).to_numpy(dtype=float),
        "forecast": frame["offered"].to_numpy(dtype=float), "p10": frame["offered_p10"].to_numpy(dtype=float),
        "p90": frame["offered_p90"].to_numpy(dtype=float), "events": ";".join(kinds),
    })


def _score_intervals(frame: pd.DataFrame, method: str, queue: str, origin: dt.date, observed: list[dt.date],
                     actual: pd.Series, site: Site) -> pd.DataFrame:
    frame = frame[frame["date"].isin(set(observed))]
    keys = [(queue, t) for t in frame["interval_start"]]
    truth = actual.reindex(keys).fillna(0.0).to_numpy(dtype=float)  # an absent interval had no contacts
    return pd.DataFrame({
        "method": method, "queue": queue, "origin": origin, "interval_start": frame["interval_start"].to_numpy(),
        "h": [(d - origin).days for d in frame["date"]], "actual": truth,
        "forecast": frame["offered"].to_numpy(dtype=float), "p10": frame["offered_p10"].to_numpy(dtype=float),
        "p90": frame["offered_p90"].to_numpy(dtype=float),
    })


def _event_kinds_in(events: pd.DataFrame | None, queue: str, start: dt.date, end: dt.date) -> list[str]:
    if events is None or events.empty:
        return []
    mask = (events["date"] > start) & (events["date"] <= end) & (events["queue"].isna() | (events["queue"] == queue))
    return sorted(set(events.loc[mask, "event"]))


def summary(frame: pd.DataFrame, by: tuple[str, ...] = ("queue", "method")) -> pd.DataFrame:
    """WAPE, bias and 80 % band coverage per group and report horizon."""
    rows = []
    for label, low, high in REPORT_HORIZONS:
        part = frame[(frame["h"] >= low) & (frame["h"] <= high)]
        for key, group in part.groupby(list(by)):
            key = key if isinstance(key, tuple) else (key,)
            rows.append({**dict(zip(by, key, strict=True)), "horizon": label, "wape": wape(group),
                         "bias": bias(group), "coverage": coverage(group), "n": len(group)})
    return pd.DataFrame(rows)


def covers_event(frame: pd.DataFrame, kind: str) -> pd.Series:
    """Rows of origins whose horizon holds at least one event of this kind."""
    return frame["events"].str.split(";").apply(lambda kinds: kind in kinds)

