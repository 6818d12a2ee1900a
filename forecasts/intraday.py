"""Intraday profiles: how a day's contacts and handle time spread over its intervals, by local wall-clock slot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.calendar import open_intervals
from forecasts.site import Site

PROFILE_WEEKS = 8
# Contacts' worth of the pooled (all-weekday) profile mixed into each weekday's own, so a thin weekday
# profile is not driven by noise.
POOLED_PSEUDO_COUNT = 300.0


@dataclass(frozen=True)
class IntradayProfile:
    """Per weekday (0 = Monday) and pooled: share of the day's contacts per slot, and handle-time ratios."""

    weekday_share: dict[int, dict[int, float]]
    pooled_share: dict[int, float]
    aht_ratio: dict[int, float]
    dispersion: float  # extra-Poisson variance of interval counts given the day's total: var = mu + a mu^2


def slot_minutes(starts: pd.Series | pd.DatetimeIndex, site: Site) -> np.ndarray:
    """Wall-clock minutes after local midnight of each interval start."""
    local = pd.DatetimeIndex(starts).tz_convert(site.timezone)
    return (local.hour * 60 + local.minute).to_numpy()


def fit_profile(history: pd.DataFrame, site: Site, origin: dt.date, weeks: int = PROFILE_WEEKS) -> IntradayProfile:
    """Estimate the profile of one queue from its last `weeks` weeks of interval history up to `origin`."""
    local = history["interval_start"].dt.tz_convert(site.timezone)
    dates = local.dt.date
    start = origin - dt.timedelta(weeks=weeks) + dt.timedelta(days=1)
    window = history[(dates >= start) & (dates <= origin)]
    if window.empty:
        window = history
    local = window["interval_start"].dt.tz_convert(site.timezone)
    frame = pd.DataFrame({"date": local.dt.date.to_numpy(), "weekday": local.dt.day_of_week.to_numpy(),
                          "slot": slot_minutes(window["interval_start"], site),
                          "offered": window["offered"].to_numpy(dtype=float)})
    pooled_counts = frame.groupby("slot")["offered"].sum()
    pooled = _normalise(pooled_counts)
    weekday_share = {}
    for weekday, group in frame.groupby("weekday"):
        counts = group.groupby("slot")["offered"].sum()
        slots = counts.index.union(pooled.index)
        mixed = counts.reindex(slots, fill_value=0.0) + POOLED_PSEUDO_COUNT * pooled.reindex(slots, fill_value=0.0)
        weekday_share[int(weekday)] = _normalise(mixed).to_dict()
    return IntradayProfile(weekday_share, pooled.to_dict(), _aht_ratio(window, site),
                           _dispersion(frame, weekday_share))


def spread(profile: IntradayProfile, site: Site, days: list[dt.date], daily: np.ndarray) -> pd.DataFrame:
    """Distribute daily totals over each day's open intervals: columns interval_start, date, share, offered."""
    parts = []
    for day, total in zip(days, daily, strict=True):
        starts = open_intervals(site, day)
        if len(starts) == 0:
            continue
        shares = share_of_slots(profile, day.weekday(), slot_minutes(starts, site))
        parts.append(pd.DataFrame({"interval_start": starts, "date": day, "share": shares,
                                   "offered": shares * total}))
    if not parts:
        return pd.DataFrame(columns=["interval_start", "date", "share", "offered"])
    return pd.concat(parts, ignore_index=True)


def share_of_slots(profile: IntradayProfile, weekday: int, slots: np.ndarray) -> np.ndarray:
    """Shares for the given wall-clock slots of one day, summing to 1.

    A slot the weekday never had falls back to the pooled profile, then to an even share; renormalising makes
    short days (24 December) and DST days (a repeated or a skipped hour) come out right.
    """
    own = profile.weekday_share.get(weekday, profile.pooled_share)
    raw = np.array([own.get(int(s), profile.pooled_share.get(int(s), np.nan)) for s in slots], dtype=float)
    if np.all(np.isnan(raw)) or np.nansum(raw) <= 0:
        return np.full(len(slots), 1.0 / len(slots))
    raw = np.where(np.isnan(raw), np.nanmean(raw), raw)
    return raw / raw.sum()


def _normalise(counts: pd.Series) -> pd.Series:
    total = counts.sum()
    return counts / total if total > 0 else counts * 0.0


def _aht_ratio(window: pd.DataFrame, site: Site) -> dict[int, float]:
    """Handle time per slot relative to the window's overall handled-weighted mean (1.0 where unknown)."""
    if "aht_s" not in window or "handled" not in window:
        return {}
    aht = window["aht_s"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    handled = window["handled"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(aht) & ~np.isnan(handled) & (handled > 0)
    if not ok.any():
        return {}
    frame = pd.DataFrame({"slot": slot_minutes(window["interval_start"], site)[ok], "work": (aht * handled)[ok],
                          "handled": handled[ok]})
    overall = frame["work"].sum() / frame["handled"].sum()
    per_slot = frame.groupby("slot")[["work", "handled"]].sum()
    # Shrink thin slots toward 1 with 30 contacts' worth of the overall mean.
    ratio = (per_slot["work"] + 30 * overall) / (per_slot["handled"] + 30) / overall
    return {int(k): float(v) for k, v in ratio.items()}


def _dispersion(frame: pd.DataFrame, weekday_share: dict[int, dict[int, float]]) -> float:
    """Method-of-moments estimate of a in var = mu + a mu^2 for interval counts given the day's actual total."""
    totals = frame.groupby("date")["offered"].transform("sum").to_numpy()
    shares = np.array([weekday_share[w].get(s, 0.0) for w, s in zip(frame["weekday"], frame["slot"], strict=True)])
    day_share = pd.Series(shares).groupby(frame["date"].to_numpy()).transform("sum").to_numpy()
    mu = np.where(day_share > 0, totals * shares / np.where(day_share > 0, day_share, 1), 0.0)
    y = frame["offered"].to_numpy(dtype=float)
    denominator = float(np.sum(mu**2))
    if denominator <= 0:
        return 0.0
    return max(0.0, float(np.sum((y - mu) ** 2 - mu) / denominator))
