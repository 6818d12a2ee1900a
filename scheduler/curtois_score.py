"""The Curtois–Qu benchmark's exact objective, its hard-constraint checker, and the solution CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from scheduler.curtois import DAYS_PER_WEEK, WEEKEND_DAYS, Cover, Instance, Request, Staff

SOLUTION_HEADER = ("employee", "day", "shift")


class Assignment(NamedTuple):
    employee: str
    day: int  # 0-based
    shift: str


# (employee, day) -> shift id; a day missing from the mapping is off.
Solution = Mapping[tuple[str, int], str]


@dataclass(frozen=True)
class Violation:
    employee: str
    day: int | None  # the day the breach shows (a run's first day); None for a whole-horizon total
    rule: str
    message: str


@dataclass(frozen=True)
class ObjectiveParts:
    on_requests: int  # weights of unmet on-requests
    off_requests: int  # weights of violated off-requests
    cover_under: int  # under-weight x missing persons, over all cover rows
    cover_over: int  # over-weight x surplus persons, over all cover rows

    @property
    def total(self) -> int:
        return self.on_requests + self.off_requests + self.cover_under + self.cover_over


def as_solution(assignments: Solution | Iterable[Assignment]) -> dict[tuple[str, int], str]:
    """A mapping from assignments; two shifts for one employee and day is a ValueError (see check for a report)."""
    if isinstance(assignments, Mapping):
        return dict(assignments)
    solution: dict[tuple[str, int], str] = {}
    for employee, day, shift in assignments:
        if (employee, day) in solution:
            raise ValueError(f"employee {employee} has two shifts on day {day} ({solution[employee, day]} and {shift})")
        solution[employee, day] = shift
    return solution


def under_cost(cover: Cover, staffed: int) -> int:
    return cover.under_weight * max(0, cover.required - staffed)


def over_cost(cover: Cover, staffed: int) -> int:
    return cover.over_weight * max(0, staffed - cover.required)


def cover_cost(cover: Cover, staffed: int) -> int:
    """What one cover row costs with this many people on its shift."""
    return under_cost(cover, staffed) + over_cost(cover, staffed)


def unmet_on_requests(instance: Instance, worked: Solution) -> list[Request]:
    """The on-requests whose shift the employee does not work that day."""
    return [r for r in instance.on_requests if worked.get((r.employee, r.day)) != r.shift]


def broken_off_requests(instance: Instance, worked: Solution) -> list[Request]:
    """The off-requests whose shift the employee works that day."""
    return [r for r in instance.off_requests if worked.get((r.employee, r.day)) == r.shift]


def objective_parts(instance: Instance, solution: Solution | Iterable[Assignment]) -> ObjectiveParts:
    worked = as_solution(solution)
    on = sum(r.weight for r in unmet_on_requests(instance, worked))
    off = sum(r.weight for r in broken_off_requests(instance, worked))
    staffed = Counter((day, shift) for (_, day), shift in worked.items())
    under = sum(under_cost(c, staffed[c.day, c.shift]) for c in instance.cover)
    over = sum(over_cost(c, staffed[c.day, c.shift]) for c in instance.cover)
    return ObjectiveParts(on, off, under, over)


def objective(instance: Instance, solution: Solution | Iterable[Assignment]) -> int:
    return objective_parts(instance, solution).total


def check(instance: Instance, solution: Solution | Iterable[Assignment]) -> list[Violation]:
    """Every hard-constraint breach, ordered by employee as in the file, then by the order of the rules."""
    rows = [Assignment(e, d, s) for (e, d), s in solution.items()] if isinstance(solution, Mapping) else list(solution)
    violations = _known(instance, rows)
    violations += _one_shift_a_day(rows)
    shift_ids = instance.shift_by_id
    # The remaining rules see one shift per day; a duplicate (already reported) keeps its first shift.
    worked: dict[tuple[str, int], str] = {}
    for employee, day, shift in rows:
        if shift in shift_ids and 0 <= day < instance.horizon:
            worked.setdefault((employee, day), shift)
    for staff in instance.staff:
        days = [worked.get((staff.id, d)) for d in range(instance.horizon)]
        for rule in EMPLOYEE_RULES:
            violations += rule(instance, staff, days)
    return violations


def _known(instance: Instance, rows: list[Assignment]) -> list[Violation]:
    staff, shifts, out = instance.staff_by_id, instance.shift_by_id, []
    for employee, day, shift in rows:
        if employee not in staff:
            out.append(Violation(employee, day, "known", f"{employee} is not an employee of the instance."))
        if not 0 <= day < instance.horizon:
            out.append(Violation(employee, day, "known",
                                 f"Day {day} is outside the horizon of {instance.horizon} days."))
        if shift not in shifts:
            out.append(Violation(employee, day, "known", f"Shift {shift} is not a shift type of the instance."))
    return out


def _one_shift_a_day(rows: list[Assignment]) -> list[Violation]:
    shifts: dict[tuple[str, int], list[str]] = {}
    for employee, day, shift in rows:
        shifts.setdefault((employee, day), []).append(shift)
    return [
        Violation(e, d, "one_shift_a_day", f"{e} works {len(s)} shifts ({', '.join(s)}) on day {d}; at most one.")
        for (e, d), s in shifts.items() if len(s) > 1
    ]


Days = list[str | None]  # one employee's shift per day of the horizon, None when off


def _runs(days: Days, worked: bool) -> Iterator[tuple[int, int]]:
    """(first day, length) of each maximal run of worked (or off) days inside the horizon."""
    start = None
    for d, shift in enumerate([*days, None if worked else "end"]):
        if (shift is not None) == worked:
            start = d if start is None else start
        elif start is not None:
            yield start, d - start
            start = None


def fixed_days_off(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    return [
        Violation(staff.id, d, "fixed_days_off", f"{staff.id} works {days[d]} on day {d}, a fixed day off.")
        for d in sorted(instance.days_off[staff.id]) if days[d] is not None
    ]


def forbidden_succession(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    # Only pairs of days inside the horizon: nothing is known of the day before day 0 or after the last day.
    shifts = instance.shift_by_id
    return [
        Violation(staff.id, d, "forbidden_succession",
                  f"{staff.id} works {first} on day {d} and {second} on day {d + 1}; {second} may not follow {first}.")
        for d, (first, second) in enumerate(zip(days, days[1:], strict=False))
        if first is not None and second is not None and second in shifts[first].forbidden_next
    ]


def max_shifts_per_type(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    out, seen = [], Counter[str]()
    for d, shift in enumerate(days):
        if shift is None:
            continue
        seen[shift] += 1
        limit = staff.max_shifts[shift]
        if seen[shift] == limit + 1:  # reported once, on the day the limit is passed
            total = sum(1 for s in days if s == shift)
            out.append(Violation(staff.id, d, "max_shifts_per_type",
                                 f"{staff.id} works {total} {shift} shifts; at most {limit}."))
    return out


def max_total_minutes(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    minutes, total = instance.shift_by_id, 0
    for d, shift in enumerate(days):
        if shift is not None:
            total += minutes[shift].minutes
            if total > staff.max_total_minutes:
                full = sum(minutes[s].minutes for s in days if s is not None)
                return [Violation(staff.id, d, "max_total_minutes",
                                  f"{staff.id} works {full} minutes; at most {staff.max_total_minutes}.")]
    return []


def min_total_minutes(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    total = sum(instance.shift_by_id[s].minutes for s in days if s is not None)
    if total < staff.min_total_minutes:
        return [Violation(staff.id, None, "min_total_minutes",
                          f"{staff.id} works {total} minutes; at least {staff.min_total_minutes}.")]
    return []


def max_consecutive_shifts(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    # Days outside the horizon are off, so a run touching either end counts with just its days inside.
    return [
        Violation(staff.id, start, "max_consecutive_shifts",
                  f"{staff.id} works {length} days in a row from day {start}; at most {staff.max_consecutive_shifts}.")
        for start, length in _runs(days, worked=True) if length > staff.max_consecutive_shifts
    ]


def min_consecutive_shifts(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    # A run touching either end may continue outside the horizon, so only runs with an off day inside the
    # horizon on both sides can be too short.
    return [
        Violation(staff.id, start, "min_consecutive_shifts",
                  f"{staff.id} works {length} days in a row from day {start}; at least {staff.min_consecutive_shifts}.")
        for start, length in _runs(days, worked=True)
        if start > 0 and start + length < len(days) and length < staff.min_consecutive_shifts
    ]


def min_consecutive_days_off(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    # Likewise: only an off run with a worked day inside the horizon on both sides can be too short.
    need = staff.min_consecutive_days_off
    return [
        Violation(staff.id, start, "min_consecutive_days_off",
                  f"{staff.id} has {length} days off in a row from day {start}; at least {need}.")
        for start, length in _runs(days, worked=False)
        if start > 0 and start + length < len(days) and length < need
    ]


def max_weekends(instance: Instance, staff: Staff, days: Days) -> list[Violation]:
    worked = [
        w for w in range(instance.weekends)
        if any(d < len(days) and days[d] is not None for d in (DAYS_PER_WEEK * w + k for k in WEEKEND_DAYS))
    ]
    if len(worked) <= staff.max_weekends:
        return []
    saturday = DAYS_PER_WEEK * worked[staff.max_weekends] + WEEKEND_DAYS[0]
    return [Violation(staff.id, saturday, "max_weekends",
                      f"{staff.id} works {len(worked)} weekends; at most {staff.max_weekends}.")]


# Per-employee hard rules, in the order they are reported.
EMPLOYEE_RULES = (
    fixed_days_off,
    forbidden_succession,
    max_shifts_per_type,
    max_total_minutes,
    min_total_minutes,
    max_consecutive_shifts,
    min_consecutive_shifts,
    min_consecutive_days_off,
    max_weekends,
)


def write_solution(solution: Solution | Iterable[Assignment], path: str | Path | None = None) -> str:
    """The solution CSV (header employee,day,shift; one row per worked day, sorted); also written to path if given."""
    rows = sorted(as_solution(solution).items(), key=lambda item: (item[0][0], item[0][1]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SOLUTION_HEADER)
    writer.writerows((employee, day, shift) for (employee, day), shift in rows)
    text = buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def read_solution(path: str | Path) -> list[Assignment]:
    path = Path(path)
    return parse_solution(path.read_text(encoding="utf-8"), name=str(path))


def parse_solution(text: str, name: str = "<solution>") -> list[Assignment]:
    """Rows as written (duplicates kept, so check can report them); a ValueError names the file, line and fault."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(f.strip() for f in rows[0]) != SOLUTION_HEADER:
        raise ValueError(f"{name}, line 1: header must be {','.join(SOLUTION_HEADER)}")
    out = []
    for lineno, fields in enumerate(rows[1:], start=2):
        if not fields:
            continue
        if len(fields) != len(SOLUTION_HEADER):
            raise ValueError(f"{name}, line {lineno}: needs 3 fields employee,day,shift, found {len(fields)}")
        employee, day, shift = (f.strip() for f in fields)
        if not day.isdigit():
            raise ValueError(f"{name}, line {lineno}: day {day!r} is not a whole number from 0")
        if not employee or not shift:
            raise ValueError(f"{name}, line {lineno}: employee and shift must not be empty")
        out.append(Assignment(employee, int(day), shift))
    return out
