"""Loader for the Curtois–Qu employee shift scheduling instances (benchmarks/curtois/InstanceN.txt)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
DAYS_PER_WEEK = 7
# Day 0 is a Monday, so Saturday and Sunday of week w are days 7w+5 and 7w+6.
WEEKEND_DAYS = (5, 6)


@dataclass(frozen=True)
class ShiftType:
    id: str
    minutes: int
    forbidden_next: frozenset[str]  # shift ids that may not be worked on the day after this one


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: Mapping[str, int]  # shift id -> most shifts of that type in the horizon; 0 means never
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    required: int
    under_weight: int  # per missing person
    over_weight: int  # per surplus person


@dataclass(frozen=True)
class Instance:
    name: str
    horizon: int  # days; day 0 is a Monday
    shifts: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    days_off: Mapping[str, frozenset[int]]  # employee -> days that must be off (every employee has an entry)
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    @property
    def shift_by_id(self) -> dict[str, ShiftType]:
        return {s.id: s for s in self.shifts}

    @property
    def staff_by_id(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}

    @property
    def weekends(self) -> int:
        """Weekends that start inside the horizon (a horizon ending on a Saturday still has that weekend)."""
        return (self.horizon + DAYS_PER_WEEK - 1 - WEEKEND_DAYS[0]) // DAYS_PER_WEEK


Line = tuple[int, list[str]]  # 1-based line number, comma-separated fields stripped of blanks


def load_instance(path: str | Path) -> Instance:
    """Read an InstanceN.txt; a ValueError names the file, the line and what is wrong."""
    path = Path(path)
    return parse_instance(path.read_text(encoding="utf-8"), name=str(path))


def parse_instance(text: str, name: str = "<instance>") -> Instance:
    return _Parser(name).parse(text)


class _Parser:
    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, lineno: int | None, problem: str) -> ValueError:
        where = f"{self.name}, line {lineno}" if lineno is not None else self.name
        return ValueError(f"{where}: {problem}")

    def parse(self, text: str) -> Instance:
        sections = self.split(text)
        horizon = self.horizon(sections["SECTION_HORIZON"])
        shifts = self.shifts(sections["SECTION_SHIFTS"])
        shift_ids = {s.id for s in shifts}
        staff = self.staff(sections["SECTION_STAFF"], shift_ids)
        staff_ids = {s.id for s in staff}
        days_off = self.days_off(sections["SECTION_DAYS_OFF"], staff_ids, horizon)
        on = self.requests(sections["SECTION_SHIFT_ON_REQUESTS"], staff_ids, shift_ids, horizon)
        off = self.requests(sections["SECTION_SHIFT_OFF_REQUESTS"], staff_ids, shift_ids, horizon)
        cover = self.cover(sections["SECTION_COVER"], shift_ids, horizon)
        return Instance(self.name, horizon, shifts, staff, days_off, on, off, cover)

    def split(self, text: str) -> dict[str, list[Line]]:
        sections: dict[str, list[Line]] = {}
        current: str | None = None
        for lineno, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if line.startswith("#"):
                continue
            if not line:
                current = None  # a blank line ends a section
                continue
            if line.startswith("SECTION_"):
                if line not in SECTIONS:
                    raise self.fail(lineno, f"unknown section {line!r}; expected one of {', '.join(SECTIONS)}")
                if line in sections:
                    raise self.fail(lineno, f"section {line} appears a second time")
                current = line
                sections[current] = []
                continue
            if current is None:
                raise self.fail(lineno, f"data line {line!r} outside a section (a SECTION_ header must come first)")
            sections[current].append((lineno, [f.strip() for f in line.split(",")]))
        missing = [s for s in SECTIONS if s not in sections]
        if missing:
            raise self.fail(None, f"missing section(s) {', '.join(missing)}")
        return sections

    def count(self, line: Line, expected: int, what: str) -> list[str]:
        lineno, fields = line
        if len(fields) != expected:
            raise self.fail(lineno, f"{what} needs {expected} comma-separated fields, found {len(fields)}")
        return fields

    def integer(self, lineno: int, text: str, what: str, minimum: int = 0) -> int:
        try:
            value = int(text)
        except ValueError:
            raise self.fail(lineno, f"{what} {text!r} is not a whole number") from None
        if value < minimum:
            raise self.fail(lineno, f"{what} {value} is below {minimum}")
        return value

    def day(self, lineno: int, text: str, horizon: int) -> int:
        day = self.integer(lineno, text, "day")
        if day >= horizon:
            raise self.fail(lineno, f"day {day} is outside the horizon of {horizon} days (days are 0 to {horizon - 1})")
        return day

    def known(self, lineno: int, value: str, known: set[str], what: str) -> str:
        if value not in known:
            raise self.fail(lineno, f"unknown {what} {value!r}; known: {', '.join(sorted(known))}")
        return value

    def horizon(self, lines: list[Line]) -> int:
        if len(lines) != 1:
            where = lines[1][0] if len(lines) > 1 else None
            raise self.fail(where, f"SECTION_HORIZON needs one line with the number of days, found {len(lines)}")
        (lineno, fields) = lines[0]
        self.count(lines[0], 1, "the horizon")
        return self.integer(lineno, fields[0], "horizon", minimum=1)

    def unique(self, lineno: int, value: str, seen: set[str], what: str) -> str:
        if not value:
            raise self.fail(lineno, f"{what} id is empty")
        if value in seen:
            raise self.fail(lineno, f"{what} {value!r} is defined twice")
        seen.add(value)
        return value

    def shifts(self, lines: list[Line]) -> tuple[ShiftType, ...]:
        seen: set[str] = set()
        parsed = []
        for line in lines:
            lineno, _ = line
            sid, minutes, forbidden = self.count(line, 3, "a shift")
            self.unique(lineno, sid, seen, "shift")
            parsed.append((lineno, sid, self.integer(lineno, minutes, "length in minutes", minimum=1), forbidden))
        if not parsed:
            raise self.fail(None, "SECTION_SHIFTS has no shift types")
        # Successors may name shifts defined further down, so they are checked once all ids are known.
        return tuple(
            ShiftType(sid, minutes, frozenset(self.known(n, f, seen, "shift") for f in forbidden.split("|") if f))
            for n, sid, minutes, forbidden in parsed
        )

    def staff(self, lines: list[Line], shift_ids: set[str]) -> tuple[Staff, ...]:
        seen: set[str] = set()
        out = []
        for line in lines:
            lineno, _ = line
            sid, limits, *numbers = self.count(line, 8, "a staff line")
            self.unique(lineno, sid, seen, "employee")
            max_shifts: dict[str, int] = {}
            for item in limits.split("|"):
                shift, eq, value = item.partition("=")
                if not eq:
                    raise self.fail(lineno, f"max shifts {item!r} is not of the form SHIFT=NUMBER")
                self.known(lineno, shift, shift_ids, "shift")
                if shift in max_shifts:
                    raise self.fail(lineno, f"max shifts for {shift!r} given twice")
                max_shifts[shift] = self.integer(lineno, value, f"max shifts of {shift}")
            unlisted = sorted(shift_ids - max_shifts.keys())
            if unlisted:
                # The format has no default for an unlisted type; guessing "never" or "unlimited" would change
                # the problem, so the file must say.
                raise self.fail(lineno, f"employee {sid!r} has no max shifts for {', '.join(unlisted)}")
            names = ("max total minutes", "min total minutes", "max consecutive shifts", "min consecutive shifts",
                     "min consecutive days off", "max weekends")
            values = [self.integer(lineno, text, what) for text, what in zip(numbers, names, strict=True)]
            out.append(Staff(sid, max_shifts, *values))
        if not out:
            raise self.fail(None, "SECTION_STAFF has no employees")
        return tuple(out)

    def days_off(self, lines: list[Line], staff_ids: set[str], horizon: int) -> dict[str, frozenset[int]]:
        days_off: dict[str, frozenset[int]] = {sid: frozenset() for sid in staff_ids}
        seen: set[str] = set()
        for lineno, fields in lines:
            employee = self.known(lineno, fields[0], staff_ids, "employee")
            if employee in seen:
                raise self.fail(lineno, f"days off of employee {employee!r} are given twice")
            seen.add(employee)
            days_off[employee] = frozenset(self.day(lineno, f, horizon) for f in fields[1:] if f)
        return days_off

    def requests(
        self, lines: list[Line], staff_ids: set[str], shift_ids: set[str], horizon: int
    ) -> tuple[Request, ...]:
        out = []
        for line in lines:
            lineno, _ = line
            employee, day, shift, weight = self.count(line, 4, "a request")
            out.append(Request(
                self.known(lineno, employee, staff_ids, "employee"),
                self.day(lineno, day, horizon),
                self.known(lineno, shift, shift_ids, "shift"),
                self.integer(lineno, weight, "weight"),
            ))
        return tuple(out)

    def cover(self, lines: list[Line], shift_ids: set[str], horizon: int) -> tuple[Cover, ...]:
        out = []
        seen: dict[tuple[int, str], int] = {}
        for line in lines:
            lineno, _ = line
            day, shift, required, under, over = self.count(line, 5, "a cover row")
            row = Cover(
                self.day(lineno, day, horizon),
                self.known(lineno, shift, shift_ids, "shift"),
                self.integer(lineno, required, "requirement"),
                self.integer(lineno, under, "weight for under"),
                self.integer(lineno, over, "weight for over"),
            )
            key = (row.day, row.shift)
            if key in seen:
                # Two rows for one slot would each charge the same surplus; refuse rather than double-count.
                raise self.fail(lineno, f"cover for day {row.day} shift {row.shift!r} is already on line {seen[key]}")
            seen[key] = lineno
            out.append(row)
        return tuple(out)
