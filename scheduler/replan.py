"""Re-planning a published roster after an absence: the days before it stand, the rest of the period is solved
again, keeping everybody else's published shifts as unchanged as the coverage allows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from scheduler.domain import Absence
from scheduler.roster import Roster, Shift
from scheduler.roster_model import Problem, Progress, Solution
from scheduler.roster_search import solve_roster


@dataclass(frozen=True)
class ShiftChange:
    """One agent-day whose shift times or breaks differ from the published roster (None: no shift)."""

    agent_id: str
    date: dt.date
    before: Shift | None
    after: Shift | None


@dataclass(frozen=True)
class Replan:
    solution: Solution
    changes: tuple[ShiftChange, ...]


def replan_after_absence(problem: Problem, published: Roster, absence: Absence, time_limit_s: float = 30.0,
                         seed: int = 0, workers: int = 2, progress: Callable[[Progress], None] | None = None,
                         should_stop: Callable[[], bool] | None = None) -> Replan:
    """Solve the period again from the absence's first day; earlier days keep their published shifts."""
    if absence.agent_id not in {a.agent_id for a in problem.agents}:
        raise ValueError(f"absence of {absence.agent_id!r}: no such agent in this roster; check the agent id")
    first = pd.Timestamp(absence.start).tz_convert(problem.site.timezone).date()
    if first > problem.days[-1]:
        raise ValueError(f"the absence starts {first}, after the roster's last day {problem.days[-1]}; "
                         "nothing to re-plan")
    fixed = frozenset(d for d in problem.days if d < first)
    changed = dataclasses.replace(problem, absences=problem.absences + (absence,), published=published.shifts,
                                  fixed_days=fixed)
    solution = solve_roster(changed, time_limit_s=time_limit_s, seed=seed, workers=workers, progress=progress,
                            should_stop=should_stop)
    return Replan(solution, tuple(_changes(published, solution.roster)))


def _changes(before: Roster, after: Roster) -> list[ShiftChange]:
    old = {(s.agent_id, s.date): s for s in before.shifts}
    new = {(s.agent_id, s.date): s for s in after.shifts}
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if _same(old.get(key), new.get(key)):
            continue
        changes.append(ShiftChange(key[0], key[1], old.get(key), new.get(key)))
    return changes


def _same(a: Shift | None, b: Shift | None) -> bool:
    """Same times and breaks (which queue is worked may change without it counting as a change)."""
    if a is None or b is None:
        return a is b
    return _times(a) == _times(b)


def _times(shift: Shift) -> tuple:
    return (shift.start.astimezone(dt.UTC), shift.end.astimezone(dt.UTC),
            tuple((s.start.astimezone(dt.UTC), s.end.astimezone(dt.UTC)) for s in shift.breaks))
