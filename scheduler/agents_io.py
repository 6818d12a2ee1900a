"""Reading and writing agents.csv and absences.csv, with every problem reported by line and column.

agents.csv needs the columns of REQUIRED_COLUMNS; the optional columns are listed, with their meaning, in
OPTIONAL_COLUMNS (an empty cell means "not given"). absences.csv needs agent_id, start and end; `start` and
`end` are either dates (YYYY-MM-DD: whole local days, the end date included) or ISO timestamps with a UTC
offset (the end instant excluded). A ';'-separated file (German Excel) may write numbers with a decimal comma
and dates as DD.MM.YYYY (see forecasts.csv_table for the dialects read).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from forecasts.calendar import local_instant
from forecasts.csv_table import number_hint, parse_number, read_csv_table
from forecasts.errors import DataFileError, Problem
from forecasts.site import Site
from scheduler.domain import LEVELS, SHIFT_PREFERENCES, WEEKDAY_NAMES, Absence, Agent

Source = str | Path | IO[bytes] | IO[str]

REQUIRED_COLUMNS = ("agent_id", "name", "team", "skills", "weekly_hours", "max_days_per_week")
OPTIONAL_COLUMNS = {
    "level": "entry or experienced (pay band and, later, who may work alone)",
    "monthly_pay_eur": "gross monthly pay in EUR for full time (40 h/week); part-time contracts are paid pro rata",
    "preferred_shift": "early or late: the shift the agent would rather work (a wish, not a rule)",
    "days_off_wish": "weekdays the agent would like off, e.g. \"sat;sun\" (mon, tue, wed, thu, fri, sat, sun)",
    "earliest_start": "HH:MM local time: the agent cannot start earlier (e.g. childcare)",
    "latest_end": "HH:MM local time: the agent must have finished by then",
    "email": "address for roster notifications",
}
ABSENCE_REQUIRED_COLUMNS = ("agent_id", "start", "end")
ABSENCE_OPTIONAL_COLUMNS = {
    "reason": "vacation, sick, training, … (free text, lowercase; empty means \"absence\")",
}
MAX_WEEKLY_HOURS = 60.0
MAX_DAILY_HOURS = 10.0  # ArbZG §3: at most 10 h of work on one day

_AGENT_ID = re.compile(r"[A-Za-z0-9_.-]+")
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GERMAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def read_agents(source: Source, site: Site, name: str | None = None) -> list[Agent]:
    """The agents of an agents.csv in file order; raises DataFileError listing every problem."""
    table = read_csv_table(source, required=REQUIRED_COLUMNS, optional=tuple(OPTIONAL_COLUMNS), name=name)
    problems: list[Problem] = []
    agents: list[Agent] = []
    first_line: dict[str, int] = {}
    for row, line in zip(table.frame.to_dict("records"), table.line, strict=True):
        cell = _Cells(table.name, int(line), row, problems, table.delimiter)
        agent_id = cell.text("agent_id")
        if agent_id and not _AGENT_ID.fullmatch(agent_id):
            cell.problem("agent_id", f"{agent_id!r} may contain only letters, digits, '_', '-' and '.'")
        elif agent_id in first_line:
            cell.problem("agent_id", f"{agent_id!r} is a duplicate of line {first_line[agent_id]}; give every "
                         "agent their own id")
        elif agent_id:
            first_line[agent_id] = int(line)
        person = cell.text("name")
        team = cell.text("team")
        skills = _skills(cell, site)
        hours = cell.number("weekly_hours", low=0.0, high=MAX_WEEKLY_HOURS, hint="contract hours per week, e.g. 40")
        days = cell.integer("max_days_per_week", 1, 7)
        if hours is not None and days is not None and hours > days * MAX_DAILY_HOURS:
            cell.problem("weekly_hours", f"{hours:g} hours cannot be worked in {days} days of at most "
                         f"{MAX_DAILY_HOURS:g} h (ArbZG §3); raise max_days_per_week or lower the hours")
        level = cell.choice("level", LEVELS)
        pay = cell.number("monthly_pay_eur", low=0.0, hint="gross monthly pay in EUR, e.g. 2900", optional=True)
        shift = cell.choice("preferred_shift", SHIFT_PREFERENCES)
        days_off = _days_off(cell)
        earliest = cell.clock("earliest_start")
        latest = cell.clock("latest_end")
        if earliest is not None and latest is not None and latest <= earliest:
            cell.problem("latest_end", f"{latest:%H:%M} is not after earliest_start {earliest:%H:%M}")
        email = row.get("email", "") or None
        if email is not None and not _EMAIL.fullmatch(email):
            cell.problem("email", f"{email!r} is not an e-mail address; write name@example.org or leave it empty")
        if cell.ok:
            agents.append(Agent(agent_id=agent_id, name=person, team=team, skills=skills, weekly_hours=hours,
                                max_days_per_week=days, level=level, monthly_pay_eur=pay, preferred_shift=shift,
                                days_off_wish=days_off, earliest_start=earliest, latest_end=latest, email=email))
    if problems:
        raise DataFileError(problems)
    return agents


def read_absences(source: Source, site: Site, agent_ids: set[str] | None = None,
                  name: str | None = None) -> list[Absence]:
    """The absences of an absences.csv in file order, as site-local instants [start, end).

    When `agent_ids` is given, an absence of any other agent is a problem.
    """
    table = read_csv_table(source, required=ABSENCE_REQUIRED_COLUMNS, optional=tuple(ABSENCE_OPTIONAL_COLUMNS),
                           name=name)
    problems: list[Problem] = []
    absences: list[Absence] = []
    for row, line in zip(table.frame.to_dict("records"), table.line, strict=True):
        cell = _Cells(table.name, int(line), row, problems, table.delimiter)
        agent_id = cell.text("agent_id")
        if agent_id and agent_ids is not None and agent_id not in agent_ids:
            cell.problem("agent_id", f"unknown agent {agent_id!r}; import the agent in agents.csv first")
        start = cell.instant("start", site, end_of_day=False)
        end = cell.instant("end", site, end_of_day=True)
        if start is not None and end is not None and end <= start:
            cell.problem("end", f"{row['end']!r} is not after start {row['start']!r}; the end must come after "
                         "the start (a date as end means the whole of that day)")
        reason = (row.get("reason", "") or "absence").lower()
        if cell.ok:
            absences.append(Absence(agent_id=agent_id, start=start, end=end, reason=reason))
    if problems:
        raise DataFileError(problems)
    return absences


def format_agents(agents: Iterable[Agent]) -> str:
    """agents.csv text with all columns, required first; read_agents reads it back to the same agents."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
    for a in agents:
        writer.writerow([
            a.agent_id, a.name, a.team, ";".join(a.skills), _format_number(a.weekly_hours), a.max_days_per_week,
            a.level or "", _format_number(a.monthly_pay_eur), a.preferred_shift or "",
            ";".join(WEEKDAY_NAMES[d] for d in a.days_off_wish),
            f"{a.earliest_start:%H:%M}" if a.earliest_start else "",
            f"{a.latest_end:%H:%M}" if a.latest_end else "", a.email or "",
        ])
    return out.getvalue()


def format_absences(absences: Iterable[Absence], site: Site) -> str:
    """absences.csv text: whole local days as dates (end date included), anything else as timestamps."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*ABSENCE_REQUIRED_COLUMNS, *ABSENCE_OPTIONAL_COLUMNS])
    for a in absences:
        start, end = a.start.astimezone(site.tz), a.end.astimezone(site.tz)
        if _is_local_midnight(start, site) and _is_local_midnight(end, site):
            first, last = start.date().isoformat(), (end.date() - dt.timedelta(days=1)).isoformat()
        else:
            first, last = start.isoformat(), end.isoformat()
        writer.writerow([a.agent_id, first, last, a.reason])
    return out.getvalue()


class _Cells:
    """The cells of one row with typed accessors that record a Problem (and return None) on bad values."""

    def __init__(self, file: str, line: int, row: dict[str, str], problems: list[Problem], delimiter: str = ","):
        self.file, self.line, self.row, self.problems = file, line, row, problems
        self.delimiter = delimiter  # the file's separator: ';' means German Excel (decimal comma, DD.MM.YYYY)
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))
        self.ok = False

    def text(self, column: str) -> str:
        value = self.row.get(column, "")
        if not value:
            self.problem(column, "empty; every row needs a value here")
        return value

    def number(self, column: str, *, low: float, high: float | None = None, hint: str,
               optional: bool = False) -> float | None:
        value = self.row.get(column, "")
        if not value and optional:
            return None
        number = parse_number(value, self.delimiter)
        if number is None:
            self.problem(column, f"{value!r} is not a number{number_hint(value, self.delimiter)}; give {hint}")
            return None
        if number <= low or (high is not None and number > high):
            span = f"more than {low:g}" + (f" and at most {high:g}" if high is not None else "")
            self.problem(column, f"{value} is out of range; it must be {span}")
            return None
        return number

    def integer(self, column: str, low: int, high: int) -> int | None:
        value = self.row.get(column, "")
        if not _INTEGER.fullmatch(value) or not low <= int(value) <= high:
            self.problem(column, f"{value!r} must be a whole number from {low} to {high}")
            return None
        return int(value)

    def choice(self, column: str, allowed: tuple[str, ...]) -> str | None:
        value = self.row.get(column, "").lower()
        if not value:
            return None
        if value not in allowed:
            self.problem(column, f"{value!r} is not one of {', '.join(allowed)}; leave it empty when unknown")
            return None
        return value

    def clock(self, column: str) -> dt.time | None:
        value = self.row.get(column, "")
        if not value:
            return None
        m = _CLOCK.fullmatch(value)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            self.problem(column, f"{value!r} is not a time of day; write HH:MM from 00:00 to 23:59")
            return None
        return dt.time(int(m.group(1)), int(m.group(2)))

    def instant(self, column: str, site: Site, *, end_of_day: bool) -> dt.datetime | None:
        value = self.row.get(column, "")
        hint = "write a date YYYY-MM-DD or a timestamp with offset such as 2026-12-07T08:00:00+01:00"
        if not value:
            self.problem(column, f"empty; {hint}")
            return None
        german = _GERMAN_DATE.fullmatch(value) if self.delimiter == ";" else None
        try:
            day = None
            if german:
                day = dt.date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
            elif _DATE.fullmatch(value):
                day = dt.date.fromisoformat(value)
            if day is not None:
                day += dt.timedelta(days=1 if end_of_day else 0)
                return local_instant(site, day, 0).to_pydatetime().astimezone(site.tz)
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                self.problem(column, f"{value!r} has no UTC offset; {hint}")
                return None
            return moment.astimezone(site.tz)
        except (ValueError, OverflowError):
            self.problem(column, f"{value!r} is not a date or timestamp; {hint}")
            return None


def _skills(cell: _Cells, site: Site) -> tuple[str, ...]:
    value = cell.row.get("skills", "")
    skills = tuple(dict.fromkeys(s.strip() for s in re.split(r"[;,]", value) if s.strip()))
    if not skills:
        cell.problem("skills", f"empty; list the queues the agent works, separated by ';', e.g. "
                     f"{';'.join(site.queue_names[:2])}")
        return ()
    for skill in skills:
        if skill not in site.queue_names:
            cell.problem("skills", f"unknown skill {skill!r}; skills are the site's queues: "
                         f"{', '.join(site.queue_names)}")
    return skills


def _days_off(cell: _Cells) -> tuple[int, ...]:
    value = cell.row.get("days_off_wish", "")
    names = [s.strip().lower() for s in re.split(r"[;,]", value) if s.strip()]
    unknown = [n for n in names if n not in WEEKDAY_NAMES]
    if unknown:
        cell.problem("days_off_wish", f"{unknown[0]!r} is not a weekday; use {', '.join(WEEKDAY_NAMES)} "
                     "separated by ';'")
        return ()
    days = tuple(sorted({WEEKDAY_NAMES.index(n) for n in names}))
    if len(days) == len(WEEKDAY_NAMES):
        cell.problem("days_off_wish", "wishes every day off; leave at least one day to work")
        return ()
    return days


def _is_local_midnight(moment: dt.datetime, site: Site) -> bool:
    return moment == local_instant(site, moment.date(), 0).to_pydatetime()


def _format_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
