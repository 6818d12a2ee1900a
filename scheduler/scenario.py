"""What-if scenarios: a named set of changes on top of a base plan, read from a TOML file and checked against
the site (unknown queues, dates outside the plan, negative headcounts are refused with the key and the fix)."""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forecasts.site import OpeningRange, Site, parse_opening

ALL = "*"  # a change for every queue
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The keys each table may hold: a misspelt key (say `untill`) would otherwise be ignored without a word.
KEYS = {
    "scenario": ("name", "start", "weeks"),
    "volume": ("queue", "from", "to", "percent", "per_day"),
    "handle_time": ("queue", "from", "to", "percent"),
    "deflection": ("queue", "share", "from", "to", "handle_time_percent"),
    "service": ("queue", "service_level", "answer_within_s", "answer_within_hours", "patience_s", "shrinkage"),
    "staff": ("name", "count", "from", "until", "weekly_hours", "monthly_pay_eur", "ramp"),
    "ramp": ("weeks", "productivity"),
    "staffing": ("attrition_per_month", "overtime_share", "overtime_premium", "ramp"),
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; lists every problem with its key."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date  # included

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class VolumeChange:
    """Contacts of a queue in a date range: `percent` more (or fewer), and/or `per_day` contacts added each day
    the forecast has (open days), spread over the day like the forecast (evenly on a day forecast at 0). With
    queue "*" every queue gets the `per_day` contacts."""

    queue: str
    dates: DateRange
    percent: float = 0.0
    per_day: float = 0.0


@dataclass(frozen=True)
class HandleTimeChange:
    queue: str
    dates: DateRange
    percent: float


@dataclass(frozen=True)
class Deflection:
    """A chatbot answers `share` of a queue's contacts; the rest take `handle_time_percent` longer (the easy
    contacts are gone)."""

    queue: str
    share: float
    dates: DateRange | None = None
    handle_time_percent: float = 0.0


@dataclass(frozen=True)
class ServiceChange:
    """New targets or assumptions for a queue (None: keep the site's)."""

    queue: str
    service_level: float | None = None
    answer_within_s: float | None = None
    answer_within_hours: float | None = None
    patience_s: float | None = None
    shrinkage: float | None = None


@dataclass(frozen=True)
class RampStep:
    weeks: int
    productivity: float


@dataclass(frozen=True)
class StaffChange:
    """People joining (new hires, temps) from a date, until a date for temps, with a training ramp: the steps'
    productivity in order, then full. The plan counts whole weeks: a group counts (and is paid) in every week
    from the one holding `start` to the one holding `end`, and its ramp starts on the Monday of its first week."""

    name: str
    count: int
    start: dt.date
    end: dt.date | None = None
    weekly_hours: float = 40.0
    monthly_pay_eur: float | None = None
    ramp: tuple[RampStep, ...] = ()

    @property
    def ramp_weeks(self) -> int:
        return sum(step.weeks for step in self.ramp)

    def productivity(self, week_start: dt.date) -> float:
        """Share of a full agent's work in the week starting then (0 before the start and after the end)."""
        if week_start < _monday(self.start) or (self.end is not None and week_start > self.end):
            return 0.0
        weeks_in = (week_start - _monday(self.start)).days // 7
        for step in self.ramp:
            if weeks_in < step.weeks:
                return step.productivity
            weeks_in -= step.weeks
        return 1.0


@dataclass(frozen=True)
class Scenario:
    name: str
    start: dt.date                     # the Monday the plan starts
    weeks: int
    volume: tuple[VolumeChange, ...] = ()
    handle_time: tuple[HandleTimeChange, ...] = ()
    deflection: tuple[Deflection, ...] = ()
    service: tuple[ServiceChange, ...] = ()
    opening_hours: Mapping[int, tuple[OpeningRange, ...]] = field(default_factory=dict)
    staff: tuple[StaffChange, ...] = ()
    attrition_per_month: float = 0.0
    overtime_share: float = 0.0        # overtime at most this share of the contract hours
    overtime_premium: float = 1.25     # pay factor of an overtime hour
    inputs: Mapping[str, str] = field(default_factory=dict)  # file paths (site, history, events, agents, forecast)
    # The training ramp of the extra full-time hires the plan advises ([staffing] ramp); None: the longest ramp
    # of the staff groups, or none (full from the first day) if there are no groups.
    hire_ramp: tuple[RampStep, ...] | None = None

    @property
    def end(self) -> dt.date:
        """The last day of the plan."""
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    @property
    def week_starts(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=7 * i) for i in range(self.weeks)]

    @property
    def hire_ramp_weeks(self) -> int:
        """Weeks an extra hire needs to be fully productive (see hire_ramp)."""
        if self.hire_ramp is not None:
            return sum(step.weeks for step in self.hire_ramp)
        return max((g.ramp_weeks for g in self.staff), default=0)


def parse_scenario(text: str, site: Site, source: str = "scenario.toml") -> Scenario:
    """Read a scenario; every problem is reported at once with its key, then the whole file is refused."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, [f"not valid TOML: {exc}"]) from None
    return scenario_from_dict(doc, site, source)


def scenario_from_dict(doc: Mapping[str, Any], site: Site, source: str = "scenario") -> Scenario:
    problems: list[str] = []
    check = _Checker(problems, site)
    known = {"scenario", "inputs", "volume", "handle_time", "deflection", "service", "opening_hours", "staff",
             "staffing"}
    for key in doc:
        if key not in known:
            problems.append(f"[{key}]: not a part of a scenario; use {', '.join(sorted(known))}")
    head = check.table(doc, "scenario")
    check.known_keys(head, "scenario", "[scenario]")
    name = str(head.get("name", "")).strip() or "scenario"
    start = check.date(head, "start", "[scenario] start")
    if start is not None and start.weekday() != 0:
        start = _monday(start)
        problems.append(f"[scenario] start = {head['start']}: a plan starts on a Monday; use {start}")
    weeks = check.integer(head, "weeks", "[scenario] weeks", low=1, high=104, default=26)
    # Dates are checked against the plan as meant (from the Monday suggested above), so each mistake shows once.
    check.plan = DateRange(start, start + dt.timedelta(days=7 * weeks - 1)) if start and weeks and weeks > 0 else None
    volume = tuple(check.each(doc, "volume", _volume))
    handle_time = tuple(check.each(doc, "handle_time", _handle_time))
    deflection = tuple(check.each(doc, "deflection", _deflection))
    service = tuple(check.each(doc, "service", _service))
    opening_hours = _opening(check.table(doc, "opening_hours"), site, problems)
    staff = tuple(check.each(doc, "staff", _staff))
    names = [g.name for g in staff]
    for repeated in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"[[staff]] name = {repeated!r}: used by {names.count(repeated)} groups; give each group "
                        "a name of its own")
    staffing = check.table(doc, "staffing")
    check.known_keys(staffing, "staffing", "[staffing]")
    scenario = Scenario(
        name=name, start=start or dt.date(1970, 1, 5), weeks=weeks or 1, volume=volume, handle_time=handle_time,
        deflection=deflection, service=service, opening_hours=opening_hours, staff=staff,
        attrition_per_month=check.number(staffing, "attrition_per_month", "[staffing] attrition_per_month", low=0,
                                         high=1, default=0.0),
        overtime_share=check.number(staffing, "overtime_share", "[staffing] overtime_share", low=0, high=1,
                                    default=0.0),
        overtime_premium=check.number(staffing, "overtime_premium", "[staffing] overtime_premium", low=1, high=3,
                                      default=1.25),
        hire_ramp=check.ramp(staffing, "[staffing]") if "ramp" in staffing else None,
        inputs={k: str(v) for k, v in check.table(doc, "inputs").items()},
    )
    if problems:
        raise ScenarioError(source, problems)
    return scenario


# --- the parts ---------------------------------------------------------------------------------------------------

def _volume(check: _Checker, row: Mapping[str, Any], where: str) -> VolumeChange:
    percent = check.number(row, "percent", f"{where} percent", low=-100, high=1000, default=0.0)
    per_day = check.number(row, "per_day", f"{where} per_day", low=-1e7, high=1e7, default=0.0)
    if "percent" not in row and "per_day" not in row:
        check.problems.append(f"{where}: give percent (e.g. 40 for 40 % more) or per_day (contacts added a day)")
    return VolumeChange(check.queue(row, where), check.dates(row, where), percent, per_day)


def _handle_time(check: _Checker, row: Mapping[str, Any], where: str) -> HandleTimeChange:
    return HandleTimeChange(check.queue(row, where), check.dates(row, where),
                            check.number(row, "percent", f"{where} percent", low=-90, high=1000, default=0.0))


def _deflection(check: _Checker, row: Mapping[str, Any], where: str) -> Deflection:
    dates = check.dates(row, where) if "from" in row or "to" in row else None
    return Deflection(check.queue(row, where), check.number(row, "share", f"{where} share", low=0, high=1),
                      dates, check.number(row, "handle_time_percent", f"{where} handle_time_percent", low=-90,
                                          high=1000, default=0.0))


def _service(check: _Checker, row: Mapping[str, Any], where: str) -> ServiceChange:
    def optional(key: str, low: float, high: float) -> float | None:
        return check.number(row, key, f"{where} {key}", low=low, high=high) if key in row else None
    level = optional("service_level", 0.01, 0.999)
    return ServiceChange(check.queue(row, where, allow_all=False), level, optional("answer_within_s", 1, 86400),
                         optional("answer_within_hours", 0.25, 720), optional("patience_s", 1, 86400),
                         optional("shrinkage", 0, 0.9))


def _staff(check: _Checker, row: Mapping[str, Any], where: str) -> StaffChange:
    count = check.integer(row, "count", f"{where} count", low=None, high=10000)
    if count is not None and count < 0:
        check.problems.append(f"{where} count = {count}: a headcount cannot be negative; people leaving are "
                              "[staffing] attrition_per_month, or end a group of temps with `until`")
    start = check.date(row, "from", f"{where} from")
    end = check.date(row, "until", f"{where} until") if "until" in row else None
    if start and end and end < start:
        check.problems.append(f"{where} until = {end}: before from = {start}")
    return StaffChange(str(row.get("name", where)), max(count or 0, 0), start or dt.date(1970, 1, 5), end,
                       check.number(row, "weekly_hours", f"{where} weekly_hours", low=1, high=60, default=40.0),
                       check.number(row, "monthly_pay_eur", f"{where} monthly_pay_eur", low=0, high=100000)
                       if "monthly_pay_eur" in row else None, check.ramp(row, where))


def _opening(table: Mapping[str, Any], site: Site, problems: list[str]) -> dict[int, tuple[OpeningRange, ...]]:
    hours = {}
    for key, value in table.items():
        if key not in WEEKDAYS:
            problems.append(f"[opening_hours] {key}: not a weekday; use {', '.join(WEEKDAYS)}")
            continue
        hours[WEEKDAYS.index(key)] = parse_opening(value, f"[opening_hours] {key}", site.interval_minutes, problems)
    return hours


# --- checking values ---------------------------------------------------------------------------------------------

class _Checker:
    """Reads typed values from the TOML document, collecting a problem for each bad one."""

    def __init__(self, problems: list[str], site: Site):
        self.problems, self.site = problems, site
        self.plan: DateRange | None = None

    def table(self, doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = doc.get(key, {})
        if not isinstance(value, dict):
            self.problems.append(f"[{key}]: must be a table")
            return {}
        return value

    def each(self, doc: Mapping[str, Any], key: str, read) -> list:
        rows = doc.get(key, [])
        if not isinstance(rows, list):
            self.problems.append(f"[[{key}]]: write each change as its own [[{key}]] table")
            return []
        out = []
        for i, row in enumerate(rows, start=1):
            where = f"[[{key}]] #{i}"
            if not isinstance(row, dict):
                self.problems.append(f"{where}: must be a table")
                continue
            self.known_keys(row, key, where)
            out.append(read(self, row, where))
        return out

    def known_keys(self, row: Mapping[str, Any], table: str, where: str) -> None:
        for key in row:
            if key not in KEYS[table]:
                close = difflib.get_close_matches(key, KEYS[table], n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(KEYS[table])}"
                self.problems.append(f"{where} {key}: not a key of this table; {hint}")

    def ramp(self, row: Mapping[str, Any], where: str) -> tuple[RampStep, ...]:
        steps = row.get("ramp", [])
        if not isinstance(steps, list):
            self.problems.append(f"{where} ramp: give a list like [{{weeks = 2, productivity = 0.0}}]")
            return ()
        ramp = []
        for i, step in enumerate(steps, start=1):
            if not isinstance(step, dict):
                self.problems.append(f"{where} ramp step {i}: give {{weeks = N, productivity = 0.5}}")
                continue
            self.known_keys(step, "ramp", f"{where} ramp step {i}")
            weeks = self.integer(step, "weeks", f"{where} ramp step {i} weeks", low=1, high=104)
            productivity = self.number(step, "productivity", f"{where} ramp step {i} productivity", low=0, high=1)
            if weeks is not None and productivity is not None:
                ramp.append(RampStep(weeks, productivity))
        return tuple(ramp)

    def queue(self, row: Mapping[str, Any], where: str, allow_all: bool = True) -> str:
        name = row.get("queue")
        if name == ALL and allow_all:
            return ALL
        if name not in self.site.queue_names:
            every = f' or "{ALL}" for all' if allow_all else ""
            self.problems.append(f"{where} queue = {name!r}: not a queue of the site; use one of "
                                 f"{', '.join(self.site.queue_names)}{every}")
        return str(name)

    def dates(self, row: Mapping[str, Any], where: str) -> DateRange:
        start = self.date(row, "from", f"{where} from")
        end = self.date(row, "to", f"{where} to")
        if start and end and end < start:
            self.problems.append(f"{where}: to = {end} is before from = {start}")
        if self.plan and start and end and (end < self.plan.start or start > self.plan.end):
            self.problems.append(f"{where}: {start} to {end} lies outside the plan ({self.plan.start} to "
                                 f"{self.plan.end}); move it into the plan or lengthen [scenario] weeks")
        return DateRange(start or dt.date(1970, 1, 1), end or dt.date(1970, 1, 1))

    def date(self, row: Mapping[str, Any], key: str, where: str) -> dt.date | None:
        value = row.get(key)
        if key not in row:
            self.problems.append(f"{where}: missing; give a date as YYYY-MM-DD")
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problems.append(f"{where} = {value!r}: give a date as YYYY-MM-DD")
            return None

    def number(self, row: Mapping[str, Any], key: str, where: str, low: float, high: float,
               default: float | None = None) -> float | None:
        if key not in row and default is not None:
            return default
        value = row.get(key)
        if key not in row:
            self.problems.append(f"{where}: missing; give a number from {low:g} to {high:g}")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problems.append(f"{where} = {value!r}: give a number from {low:g} to {high:g}")
            return default
        if not low <= value <= high:
            self.problems.append(f"{where} = {value:g}: must lie between {low:g} and {high:g}")
        return float(value)

    def integer(self, row: Mapping[str, Any], key: str, where: str, low: int | None, high: int,
                default: int | None = None) -> int | None:
        if key not in row and default is not None:
            return default
        value = row.get(key)
        if key not in row:
            self.problems.append(f"{where}: missing; give a whole number")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(f"{where} = {value!r}: give a whole number")
            return default
        if (low is not None and value < low) or value > high:
            self.problems.append(f"{where} = {value}: must lie between {low} and {high}")
        return value


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
