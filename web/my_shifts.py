"""An agent's view of published rosters: own shifts in local time with activities and breaks, the team's times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecasts.site import Site
from scheduler.roster import Shift
from web import models
from web.roster_store import PUBLISHED, published_shifts

WEEK = dt.timedelta(days=7)
LONGEST_VERSION = dt.timedelta(days=62)  # a published version starting this long before a day cannot cover it


@dataclass(frozen=True)
class Part:
    """One activity or break of a shift, in site-local time, with the label the agent reads."""

    start: dt.datetime
    end: dt.datetime
    label: str
    is_break: bool

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M} {self.label}"


@dataclass(frozen=True)
class LocalShift:
    """A published shift as the agent sees it: local start and end, parts in time order, minutes of work."""

    agent_id: str
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    parts: tuple[Part, ...]
    work_minutes: int

    @property
    def times(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.end.date() > self.date


@dataclass(frozen=True)
class Day:
    """A day of the agent's week: a shift, a day off (published, no shift) or not published yet."""

    date: dt.date
    shift: LocalShift | None
    published: bool


@dataclass(frozen=True)
class Week:
    monday: dt.date
    days: tuple[Day, ...]
    contract_hours: float

    @property
    def work_minutes(self) -> int:
        return sum(d.shift.work_minutes for d in self.days if d.shift is not None)

    @property
    def published(self) -> bool:
        return any(d.published for d in self.days)


@dataclass(frozen=True)
class TeamRow:
    name: str
    me: bool
    cells: tuple[str | None, ...]  # "08:00–16:30" per day, None without a shift


@dataclass(frozen=True)
class TeamWeek:
    monday: dt.date
    days: tuple[dt.date, ...]
    published: tuple[bool, ...]
    rows: tuple[TeamRow, ...]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_today(zone: ZoneInfo) -> dt.date:
    return dt.datetime.now(zone).date()


def hours_text(minutes: int) -> str:
    """Minutes as h:mm, the way time sheets show working time."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def activity_labels(site: Site, break_label: str) -> dict[str, str]:
    """What agents read for each activity: the queue's label from the site config, else its name."""
    labels = {q.name: q.label or q.name for q in site.queues}
    labels["break"] = break_label
    return labels


def local_shift(shift: Shift, zone: ZoneInfo, labels: Mapping[str, str]) -> LocalShift:
    """The shift in local time; touching segments of the same activity read as one part."""
    parts: list[Part] = []
    for segment in shift.segments:
        start, end = segment.start.astimezone(zone), segment.end.astimezone(zone)
        label = labels.get(segment.activity, segment.activity)
        if parts and parts[-1].label == label and parts[-1].end == start:
            parts[-1] = Part(parts[-1].start, end, label, segment.is_break)
        else:
            parts.append(Part(start, end, label, segment.is_break))
    return LocalShift(shift.agent_id, shift.date, shift.start.astimezone(zone), shift.end.astimezone(zone),
                      tuple(parts), shift.work_minutes)


def published_days(session: Session, site_id: int, start: dt.date, end: dt.date) -> dict[dt.date, dt.datetime]:
    """The days in [start, end) that a published roster covers, with when it was published: a covered day
    without a shift is a day off, an uncovered day is not planned yet."""
    versions = session.scalars(select(models.RosterVersion).where(
        models.RosterVersion.site_id == site_id, models.RosterVersion.status == PUBLISHED,
        models.RosterVersion.week_start < end, models.RosterVersion.week_start >= start - LONGEST_VERSION))
    days: dict[dt.date, dt.datetime] = {}
    for version in versions:
        published_at = version.published_at or version.created_at
        for offset in range(version.days):
            day = version.week_start + dt.timedelta(days=offset)
            if start <= day < end and (day not in days or days[day] < published_at):
                days[day] = published_at
    return days


def own_shifts(session: Session, agent: models.Agent, site: Site, start: dt.date, end: dt.date,
               labels: Mapping[str, str]) -> dict[dt.date, LocalShift]:
    """The agent's published shifts dated in [start, end), by date."""
    shifts = published_shifts(session, agent.site_id, start, end, [agent.agent_id])
    return {s.date: local_shift(s, site.tz, labels) for s in shifts}


def agent_weeks(session: Session, agent: models.Agent, site: Site, monday: dt.date, weeks: int,
                labels: Mapping[str, str]) -> list[Week]:
    """The agent's published weeks from `monday` on, every day listed."""
    end = monday + weeks * WEEK
    shifts = own_shifts(session, agent, site, monday, end, labels)
    covered = published_days(session, agent.site_id, monday, end)
    result = []
    for week in range(weeks):
        first = monday + week * WEEK
        days = tuple(Day(d, shifts.get(d), d in covered) for d in (first + dt.timedelta(days=i) for i in range(7)))
        result.append(Week(first, days, agent.weekly_hours))
    return result


def team_week(session: Session, agent: models.Agent, site: Site, monday: dt.date) -> TeamWeek:
    """The published week of the agent's team: names and shift times only, nothing else about anyone."""
    end = monday + WEEK
    team = list(session.scalars(select(models.Agent).where(models.Agent.site_id == agent.site_id,
                                                             models.Agent.team == agent.team)
                                .order_by(models.Agent.name, models.Agent.agent_id)))
    shifts = published_shifts(session, agent.site_id, monday, end, [a.agent_id for a in team])
    times = {(s.agent_id, s.date): local_shift(s, site.tz, {}).times for s in shifts}
    days = tuple(monday + dt.timedelta(days=i) for i in range(7))
    covered = published_days(session, agent.site_id, monday, end)
    rows = []
    for member in team:
        cells = tuple(times.get((member.agent_id, d)) for d in days)
        if member.active or any(cells):
            rows.append(TeamRow(member.name, member.id == agent.id, cells))
    return TeamWeek(monday, days, tuple(d in covered for d in days), tuple(rows))
