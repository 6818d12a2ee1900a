"""View models of the roster pages: grid rows, day timeline bars, coverage tables and charts, the shift form."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasts.calendar import local_instant, open_intervals, opening_ranges
from forecasts.site import Site
from scheduler.domain import Agent
from scheduler.evaluate import evaluate, scheduled_agents
from scheduler.roster import BREAK, Roster, Shift
from scheduler.shift_edit import ShiftInputError, build_shift
from web.charts import PALETTE, nice_step

DASH = "–"  # en dash between two clock times
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    """The local wall-clock time of an instant, HH:MM."""
    return moment.astimezone(tz).strftime("%H:%M")


def span(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    return f"{clock(start, tz)}{DASH}{clock(end, tz)}"


def period_days(week_start: dt.date, days: int) -> list[dt.date]:
    return [week_start + dt.timedelta(days=i) for i in range(days)]


def main_activity(shift: Shift) -> str:
    """The activity the shift works longest on (the earlier one on a tie); "break" for a shift of breaks only."""
    minutes: dict[str, int] = {}
    for segment in shift.segments:
        if not segment.is_break:
            minutes[segment.activity] = minutes.get(segment.activity, 0) + segment.minutes
    return max(minutes, key=lambda a: minutes[a]) if minutes else BREAK


def queue_colours(queues: Sequence[str]) -> dict[str, str]:
    """One colour per queue, in the site's queue order (the same colours as the line charts)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(queues)}


# --- the week grid ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridAgent:
    agent_id: str
    name: str
    team: str
    weekly_hours: float | None
    skills: tuple[str, ...] = ()
    known: bool = True  # False: rostered, but not (any more) among the stored agents


@dataclass(frozen=True)
class GridCell:
    """One shift as the grid shows it: local times, main activity, breaks for the title."""

    date: dt.date
    start: str
    end: str
    activity: str
    breaks: tuple[str, ...]
    work_hours: float

    @property
    def label(self) -> str:
        return f"{self.start}{DASH}{self.end}"


@dataclass(frozen=True)
class GridRow:
    agent: GridAgent
    cells: tuple[GridCell | None, ...]  # one per day; None: no shift

    @property
    def planned_hours(self) -> float:
        return sum(c.work_hours for c in self.cells if c is not None)


def grid_agent(row) -> GridAgent:
    """A grid agent from a stored agent row (anything with agent_id, name, team, weekly_hours and skills)."""
    return GridAgent(row.agent_id, row.name, row.team, row.weekly_hours, tuple(row.skills or ()))


def grid_cell(shift: Shift, tz: ZoneInfo) -> GridCell:
    return GridCell(shift.date, clock(shift.start, tz), clock(shift.end, tz), main_activity(shift),
                    tuple(span(b.start, b.end, tz) for b in shift.breaks), shift.work_minutes / 60)


def grid_rows(agents: Sequence[GridAgent], shifts: Iterable[Shift], days: Sequence[dt.date],
              tz: ZoneInfo) -> list[GridRow]:
    """One row per agent (in the given order), one cell per day; shifts of other agents are left out."""
    column = {day: i for i, day in enumerate(days)}
    cells: dict[str, list[GridCell | None]] = {a.agent_id: [None] * len(days) for a in agents}
    for shift in shifts:
        row = cells.get(shift.agent_id)
        if row is not None and shift.date in column:
            row[column[shift.date]] = grid_cell(shift, tz)
    return [GridRow(agent, tuple(cells[agent.agent_id])) for agent in agents]


def day_totals(rows: Sequence[GridRow], days: int) -> list[float]:
    """Planned working hours per day over the rows."""
    return [sum(r.cells[i].work_hours for r in rows if r.cells[i] is not None) for i in range(days)]


def filter_agents(agents: Iterable[GridAgent], team: str = "", queue: str = "") -> list[GridAgent]:
    """Agents of a team and/or skilled for a queue (an empty filter keeps everyone)."""
    return [a for a in agents if (not team or a.team == team) and (not queue or queue in a.skills)]


# --- the day timeline ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    """One segment on the timeline, placed in percent of the window."""

    left: float
    width: float
    activity: str
    label: str  # local times, for the title and screen readers

    @property
    def is_break(self) -> bool:
        return self.activity == BREAK


@dataclass(frozen=True)
class TimelineRow:
    agent: GridAgent
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Timeline:
    day: dt.date
    start: dt.datetime
    minutes: int  # real minutes of the window (a DST day's 00:00-24:00 has 1380 or 1500)
    ticks: tuple[tuple[float, str], ...]  # (left %, local HH:MM)
    rows: tuple[TimelineRow, ...]


def _real_minutes(start: dt.datetime, end: dt.datetime) -> float:
    return (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() / 60


def day_window(site: Site, day: dt.date, shifts: Sequence[Shift]) -> tuple[dt.datetime, dt.datetime]:
    """The opening hours of the day widened to every shift on it; the whole local day when closed and empty."""
    ranges = opening_ranges(site, day)
    if ranges:
        first = local_instant(site, day, min(r.start_min for r in ranges)).to_pydatetime()
        last = local_instant(site, day, max(r.end_min for r in ranges)).to_pydatetime()
    elif shifts:
        first, last = shifts[0].start, shifts[0].end
    else:
        first = local_instant(site, day, 0).to_pydatetime()
        last = local_instant(site, day, 24 * 60).to_pydatetime()
    for shift in shifts:
        first = min(first, shift.start, key=lambda m: m.astimezone(dt.UTC))
        last = max(last, shift.end, key=lambda m: m.astimezone(dt.UTC))
    return first.astimezone(site.tz), last.astimezone(site.tz)


def day_timeline(agents: Sequence[GridAgent], shifts: Iterable[Shift], site: Site, day: dt.date) -> Timeline:
    """Per agent working on `day` one row of bars over the day's window; positions are real time, so a DST
    day's hours are evenly spaced and shifts keep their true length."""
    by_agent = {s.agent_id: s for s in shifts if s.date == day}
    working = [a for a in agents if a.agent_id in by_agent]
    start, end = day_window(site, day, [by_agent[a.agent_id] for a in working])
    total = max(_real_minutes(start, end), 1.0)
    tz = site.tz

    def percent(moment: dt.datetime) -> float:
        return round(100 * _real_minutes(start, moment) / total, 3)

    rows = []
    for agent in working:
        shift = by_agent[agent.agent_id]
        bars = tuple(Bar(percent(seg.start), round(100 * seg.minutes / total, 3), seg.activity,
                         span(seg.start, seg.end, tz)) for seg in shift.segments)
        rows.append(TimelineRow(agent, span(shift.start, shift.end, tz), bars))
    step = 60 if total <= 13 * 60 else 120
    ticks = []
    moment = start.astimezone(dt.UTC)
    moment = moment.replace(minute=0, second=0, microsecond=0) + (dt.timedelta(hours=1) if moment.minute else
                                                                   dt.timedelta(0))
    while moment <= end.astimezone(dt.UTC):
        local = moment.astimezone(tz)
        if local.hour * 60 % step == 0:
            ticks.append((percent(moment), local.strftime("%H:%M")))
        moment += dt.timedelta(hours=1)
    return Timeline(day, start, int(round(total)), tuple(ticks), tuple(rows))


# --- coverage --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueDay:
    """One queue on one day: agent-hours required and scheduled, short intervals, projected service level."""

    queue: str
    date: dt.date
    required_hours: float | None
    scheduled_hours: float
    short_intervals: int | None
    service_level: float | None


@dataclass(frozen=True)
class CoveragePoint:
    start: dt.datetime  # site-local
    end: dt.datetime
    offered: float | None
    required: float | None
    scheduled: float
    service_level: float | None

    @property
    def short(self) -> float:
        return max(self.required - self.scheduled, 0.0) if self.required is not None else 0.0

    @property
    def under(self) -> bool:
        return self.short > 1e-9


def coverage_frame(roster: Roster, site: Site, days: Sequence[dt.date], requirements: pd.DataFrame | None,
                   agents: Mapping[str, Agent] | None = None) -> pd.DataFrame:
    """Per queue and interval: required, scheduled, offered and projected service level, with the local date.
    Queues without requirements (none given, or the forecast lacks them) count the scheduled agents in the
    site's open intervals, with required, offered and service level NaN."""
    parts = []
    if requirements is not None and not requirements.empty:
        intervals = evaluate(roster, requirements, site, agents).intervals
        parts.append(intervals.rename(columns={"agents_required": "required"})
                     .drop(columns=["service_level"], errors="ignore")
                     .rename(columns={"projected_service_level": "service_level"})
                     [["queue", "interval_start", "offered", "required", "scheduled", "service_level"]])
        planned = set(requirements["queue"])
    else:
        planned = set()
    others = [q for q in site.queue_names if q not in planned]
    if others:
        parts.append(_scheduled_only(roster, site, days, others))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy()
    frame["interval_start"] = frame["interval_start"].dt.tz_convert(site.timezone)
    frame["date"] = frame["interval_start"].dt.date
    return frame.sort_values(["queue", "interval_start"]).reset_index(drop=True)


def _scheduled_only(roster: Roster, site: Site, days: Sequence[dt.date], queues: Sequence[str]) -> pd.DataFrame:
    starts = [t for day in days for t in open_intervals(site, day)]
    frame = pd.DataFrame([(q, t) for q in queues for t in starts], columns=["queue", "interval_start"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(site.timezone)
    frame["offered"] = frame["required"] = frame["service_level"] = np.nan
    frame["scheduled"] = scheduled_agents(roster, site, frame) if len(frame) else np.zeros(0)
    return frame


def coverage_days(frame: pd.DataFrame, site: Site) -> list[QueueDay]:
    """Per queue and day: agent-hours required and scheduled, intervals short of agents and the day's projected
    service level (weighted by offered contacts, as scheduler.evaluate does)."""
    hours = site.interval_minutes / 60
    out = []
    for (queue, day), rows in frame.groupby(["queue", "date"], sort=True):
        required = rows["required"].to_numpy(dtype=float)
        scheduled = rows["scheduled"].to_numpy(dtype=float)
        known = not np.isnan(required).all()
        level = None
        if known:
            values = rows["service_level"].to_numpy(dtype=float)
            weights = rows["offered"].to_numpy(dtype=float)
            usable = ~np.isnan(values) & (weights > 0)
            level = float(np.average(values[usable], weights=weights[usable])) if usable.any() else None
        out.append(QueueDay(str(queue), day, float(np.nansum(required)) * hours if known else None,
                            float(scheduled.sum()) * hours,
                            int((required - scheduled > 1e-9).sum()) if known else None, level))
    return out


def coverage_points(frame: pd.DataFrame, queue: str, day: dt.date, site: Site) -> list[CoveragePoint]:
    rows = frame[(frame["queue"] == queue) & (frame["date"] == day)]
    step = dt.timedelta(minutes=site.interval_minutes)
    return [CoveragePoint(start.to_pydatetime(), (start + step).to_pydatetime().astimezone(site.tz),
                          _number(offered), _number(required), float(scheduled), _number(level))
            for start, offered, required, scheduled, level in zip(
                rows["interval_start"], rows["offered"], rows["required"], rows["scheduled"], rows["service_level"],
                strict=True)]


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


@dataclass(frozen=True)
class StepChart:
    """An SVG step chart of required (line) and scheduled (area) agents over a day's intervals."""

    width: int
    height: int
    left: int
    bottom: int
    required: str  # SVG path
    scheduled: str  # SVG path, closed to the baseline
    short: tuple[tuple[float, float], ...]  # x, width of intervals short of agents (marked under the axis)
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, float], ...]


def step_chart(points: Sequence[CoveragePoint], width: int = 720, height: int = 220, left: int = 40,
               bottom: int = 28, right: int = 20) -> StepChart | None:
    """Lay out the day's points on a real-time x axis (gaps where the site is closed) and a y axis from zero."""
    if not points:
        return None
    first, last = points[0].start, points[-1].end
    total = max(_real_minutes(first, last), 1.0)
    top = max(max((p.required or 0.0) for p in points), max(p.scheduled for p in points), 1.0)
    step = max(1.0, nice_step(top, 4))
    top = step * math.ceil(top / step)
    plot_w, plot_h = width - left - right, height - bottom - 8  # room on the right for the last time label
    base = 8 + plot_h

    def x(moment: dt.datetime) -> float:
        return round(left + plot_w * _real_minutes(first, moment) / total, 1)

    def y(value: float) -> float:
        return round(8 + plot_h * (1 - value / top), 1)

    required, scheduled, short = [], [], []
    previous_end = None
    for p in points:
        x0, x1 = x(p.start), x(p.end)
        contiguous = previous_end is not None and previous_end == p.start
        if p.required is not None:
            required.append(f"{'L' if contiguous else 'M'}{x0},{y(p.required)} H{x1}")
        if not contiguous and scheduled:
            scheduled.append(f"V{base}")
        scheduled.append(f"{'L' if contiguous else f'M{x0},{base} L'}{x0},{y(p.scheduled)} H{x1}")
        if p.under:
            short.append((x0, round(x1 - x0, 1)))
        previous_end = p.end
    scheduled.append(f"V{base} Z")
    hours = 1 if total <= 8 * 60 else 2
    x_ticks = []
    moment = first.astimezone(dt.UTC)
    moment = moment.replace(minute=0, second=0, microsecond=0) + (dt.timedelta(hours=1) if moment.minute else
                                                                   dt.timedelta(0))
    while moment <= last.astimezone(dt.UTC):
        local = moment.astimezone(first.tzinfo)
        if local.hour % hours == 0:
            x_ticks.append((x(moment), local.strftime("%H:%M")))
        moment += dt.timedelta(hours=1)
    y_ticks = tuple((y(k * step), k * step) for k in range(int(round(top / step)) + 1))
    return StepChart(width, height, left, bottom, " ".join(required), " ".join(scheduled), tuple(short),
                     tuple(x_ticks), y_ticks)


# --- the shift form --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShiftForm:
    """What the edit form shows and sends back, as text."""

    start: str = ""
    end: str = ""
    activity: str = ""
    breaks: tuple[tuple[str, str], ...] = (("", ""), ("", ""))
    day_off: bool = False
    reason: str = ""
    lock_version: str = ""


MAX_BREAKS = 2


def form_of_shift(shift: Shift | None, tz: ZoneInfo, lock_version: int) -> ShiftForm:
    """The form filled with the stored shift (or a day off)."""
    if shift is None:
        return ShiftForm(day_off=True, lock_version=str(lock_version))
    breaks = [(clock(b.start, tz), clock(b.end, tz)) for b in shift.breaks][:MAX_BREAKS]
    breaks += [("", "")] * (MAX_BREAKS - len(breaks))
    return ShiftForm(clock(shift.start, tz), clock(shift.end, tz), main_activity(shift), tuple(breaks),
                     lock_version=str(lock_version))


def form_from_post(data: Mapping[str, str]) -> ShiftForm:
    breaks = tuple((data.get(f"break{i}_start", "").strip(), data.get(f"break{i}_end", "").strip())
                   for i in range(1, MAX_BREAKS + 1))
    return ShiftForm(data.get("start", "").strip(), data.get("end", "").strip(), data.get("activity", "").strip(),
                     breaks, bool(data.get("day_off")), data.get("reason", "").strip(),
                     data.get("lock_version", "").strip())


def _time(text: str, what: str) -> dt.time:
    try:
        if _CLOCK.fullmatch(text):
            return dt.time.fromisoformat(text.zfill(5))
    except ValueError:
        pass
    raise ShiftInputError(f"{what} {text!r} is not a time; give HH:MM, e.g. 08:00")


def shift_of_form(form: ShiftForm, agent_id: str, day: dt.date, timezone: str,
                  activities: Sequence[str]) -> Shift | None:
    """The shift the form describes, None for a day off; ShiftInputError says what to fix."""
    if form.day_off:
        return None
    if form.activity not in activities:
        choices = ", ".join(activities) or "none: give the agent a skill that is a queue of the site"
        raise ShiftInputError(f"activity {form.activity!r} is not a queue this agent works; choose one of "
                              f"{choices}")
    start, end = _time(form.start, "start"), _time(form.end, "end")
    breaks = []
    for number, (b0, b1) in enumerate(form.breaks, start=1):
        if not b0 and not b1:
            continue
        if not b0 or not b1:
            raise ShiftInputError(f"break {number} needs both a start and an end (or neither)")
        breaks.append((_time(b0, f"break {number} start"), _time(b1, f"break {number} end")))
    return build_shift(agent_id, day, start, end, form.activity, breaks, timezone)


def lock_of_form(form: ShiftForm) -> int:
    if not form.lock_version.isdigit():
        raise ShiftInputError("the form lost its edit number (lock_version); reload the page")
    return int(form.lock_version)
