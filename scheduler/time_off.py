"""Time off: working days a request takes from the allowance, its staffing check, and the auto-approval rule."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from forecasts.calendar import holiday_name
from forecasts.site import Site
from scheduler.evaluate import projected_metrics, scheduled_agents
from scheduler.roster import Roster, Segment, Shift

APPROVED, REQUESTED = "approved", "requested"


@dataclass(frozen=True)
class Rules:
    """A site's auto-approval rules, set by the team lead."""

    auto_approve: bool = False
    min_service_level: float = 0.8  # no interval of the period may fall below this without the agent
    min_days_ahead: int = 14  # requests for sooner are decided by the lead, who knows the short-term situation
    vacation_days: int = 30  # a year, unless the agent's record says otherwise


@dataclass(frozen=True)
class DayCheck:
    """The worst interval of one local day: projected service level with and without the agent, and the agents
    short of the requirement there without them."""

    date: dt.date
    service_level_with: float | None
    service_level_without: float | None
    short_without: float


@dataclass(frozen=True)
class StaffingCheck:
    days: tuple[DayCheck, ...]
    safe: bool


def working_days(site: Site, first: dt.date, last: dt.date) -> int:
    """Monday to Friday from first to last (inclusive), public holidays of the site not counted."""
    count, day = 0, first
    while day <= last:
        if day.weekday() < 5 and holiday_name(site, day) is None:
            count += 1
        day += dt.timedelta(days=1)
    return count


def without_agent(shifts: Iterable[Shift], agent_id: str, start: dt.datetime, end: dt.datetime) -> tuple[Shift, ...]:
    """The shifts with the agent's segments cut out of [start, end): what is left if the request is granted."""
    kept = []
    for shift in shifts:
        if shift.agent_id != agent_id:
            kept.append(shift)
            continue
        segments = []
        for s in shift.segments:
            if s.start < start:
                segments.append(Segment(s.start, min(s.end, start), s.activity))
            if s.end > end:
                segments.append(Segment(max(s.start, end), s.end, s.activity))
        if segments:
            kept.append(Shift(shift.agent_id, shift.date, tuple(segments)))
    return tuple(kept)


def staffing_check(shifts: Iterable[Shift], requirements: pd.DataFrame, site: Site, agent_id: str,
                   start: dt.datetime, end: dt.datetime, min_service_level: float) -> StaffingCheck:
    """Projected service level of the requirement intervals in [start, end) with and without the agent; safe when
    the agent's absence pulls no interval below `min_service_level` (intervals without contacts do not count).
    Without requirements for the period nothing can be said, so it is not safe."""
    shifts = tuple(shifts)
    times = requirements["interval_start"].dt.tz_convert("UTC") if len(requirements) else None
    if times is None:
        return StaffingCheck((), False)
    rows = requirements[(times >= pd.Timestamp(start).tz_convert("UTC"))
                        & (times < pd.Timestamp(end).tz_convert("UTC"))]
    if rows.empty:
        return StaffingCheck((), False)
    rows = rows.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    with_ = _levels(rows, site, Roster(shifts))
    without = _levels(rows, site, Roster(without_agent(shifts, agent_id, start, end)))
    frame = rows[["queue", "interval_start", "agents_required"]].copy()
    frame["date"] = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    frame["with"], frame["without"] = with_["projected_service_level"], without["projected_service_level"]
    frame["short"] = (frame["agents_required"] - without["scheduled"]).clip(lower=0.0)
    # An interval the agent does not work in cannot be made worse by their absence, even if it is short already.
    worse = (frame["without"] + 1e-9 < frame["with"]) & (frame["without"] + 1e-9 < min_service_level)
    days = tuple(DayCheck(day, _worst(group["with"]), _worst(group["without"]), float(group["short"].max()))
                 for day, group in frame.groupby("date", sort=True))
    return StaffingCheck(days, not bool(worse.any()))


def _levels(rows: pd.DataFrame, site: Site, roster: Roster) -> pd.DataFrame:
    frame = rows.copy()
    frame["scheduled"] = scheduled_agents(roster, site, frame)
    parts = [projected_metrics(group.copy(), site, name, site.interval_minutes * 60)
             for name, group in frame.groupby("queue", sort=False)]
    return pd.concat(parts).sort_index()


def _worst(levels: pd.Series) -> float | None:
    values = [float(v) for v in levels if not math.isnan(float(v))]
    return round(min(values), 4) if values else None


def decide(rules: Rules, days_left: int, days_needed: int, staffing_safe: bool, days_ahead: int
           ) -> tuple[str, tuple[str, ...]]:
    """Approved automatically, or requested (queued for the lead) with the reasons why not."""
    reasons = []
    if not rules.auto_approve:
        reasons.append("auto_approval_off")
    if days_needed > days_left:
        reasons.append("allowance")
    if not staffing_safe:
        reasons.append("staffing")
    if days_ahead < rules.min_days_ahead:
        reasons.append("too_soon")
    return (REQUESTED if reasons else APPROVED), tuple(reasons)
