"""A day-level CP-SAT model of the Curtois–Qu shift scheduling benchmark: one Boolean per employee, day and shift
type, each hard rule of the benchmark as one function adding its constraints, the objective as weighted terms."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.curtois import DAYS_PER_WEEK, WEEKEND_DAYS, Instance, Staff


@dataclass(frozen=True)
class CurtoisResult:
    solution: dict[tuple[str, int], str]   # (employee, day) -> shift id
    objective: int | None
    best_bound: float
    status: str
    seconds: float


class _Model:
    """The variables of one instance: x[e, d, s] (works shift s), work[e, d] (works any shift)."""

    def __init__(self, instance: Instance):
        self.instance, self.model = instance, cp_model.CpModel()
        self.days = range(instance.horizon)
        self.x = {(e.id, d, s.id): self.model.new_bool_var(f"x[{e.id},{d},{s.id}]")
                  for e in instance.staff for d in self.days for s in instance.shifts}
        self.work = {}
        for e in instance.staff:
            for d in self.days:
                w = self.model.new_bool_var(f"work[{e.id},{d}]")
                self.model.add(sum(self.x[e.id, d, s.id] for s in instance.shifts) == w)  # one shift a day at most
                self.work[e.id, d] = w


Rule = Callable[[_Model, Staff], None]


def fixed_days_off(m: _Model, e: Staff) -> None:
    for d in m.instance.days_off.get(e.id, ()):
        if 0 <= d < m.instance.horizon:
            m.model.add(m.work[e.id, d] == 0)


def forbidden_succession(m: _Model, e: Staff) -> None:
    for s in m.instance.shifts:
        for t in s.forbidden_next:
            for d in m.days[:-1]:
                m.model.add_bool_or([~m.x[e.id, d, s.id], ~m.x[e.id, d + 1, t]])


def max_shifts_per_type(m: _Model, e: Staff) -> None:
    for s in m.instance.shifts:
        most = e.max_shifts.get(s.id, m.instance.horizon)
        m.model.add(sum(m.x[e.id, d, s.id] for d in m.days) <= most)


def total_minutes(m: _Model, e: Staff) -> None:
    minutes = sum(s.minutes * m.x[e.id, d, s.id] for d in m.days for s in m.instance.shifts)
    m.model.add(minutes <= e.max_total_minutes)
    m.model.add(minutes >= e.min_total_minutes)


def max_consecutive_shifts(m: _Model, e: Staff) -> None:
    most = e.max_consecutive_shifts
    for start in range(m.instance.horizon - most):
        m.model.add(sum(m.work[e.id, d] for d in range(start, start + most + 1)) <= most)


def min_consecutive_shifts(m: _Model, e: Staff) -> None:
    _no_short_runs(m, e, e.min_consecutive_shifts, worked=True)


def min_consecutive_days_off(m: _Model, e: Staff) -> None:
    _no_short_runs(m, e, e.min_consecutive_days_off, worked=False)


def _no_short_runs(m: _Model, e: Staff, least: int, worked: bool) -> None:
    """No run of `worked` days shorter than `least` with the other state on both sides inside the horizon."""
    def state(d: int):
        return m.work[e.id, d] if worked else ~m.work[e.id, d]
    for length in range(1, least):
        for first in range(1, m.instance.horizon - length):
            last = first + length - 1
            # not (other before, run first..last, other after)
            m.model.add_bool_or([state(first - 1)] + [~state(d) for d in range(first, last + 1)] +
                                [state(last + 1)])


def max_weekends(m: _Model, e: Staff) -> None:
    weekends = []
    for w in range(m.instance.horizon // DAYS_PER_WEEK):
        days = [DAYS_PER_WEEK * w + k for k in WEEKEND_DAYS if DAYS_PER_WEEK * w + k < m.instance.horizon]
        worked = m.model.new_bool_var(f"weekend[{e.id},{w}]")
        m.model.add_max_equality(worked, [m.work[e.id, d] for d in days])
        weekends.append(worked)
    m.model.add(sum(weekends) <= e.max_weekends)


RULES: tuple[Rule, ...] = (fixed_days_off, forbidden_succession, max_shifts_per_type, total_minutes,
                           max_consecutive_shifts, min_consecutive_shifts, min_consecutive_days_off, max_weekends)


def _objective(m: _Model) -> cp_model.LinearExpr:
    inst = m.instance
    terms = [r.weight * (1 - m.x[r.employee, r.day, r.shift]) for r in inst.on_requests]
    terms += [r.weight * m.x[r.employee, r.day, r.shift] for r in inst.off_requests]
    for c in inst.cover:
        staffed = sum(m.x[e.id, c.day, c.shift] for e in inst.staff)
        under = m.model.new_int_var(0, c.required, f"under[{c.day},{c.shift}]")
        over = m.model.new_int_var(0, len(inst.staff), f"over[{c.day},{c.shift}]")
        m.model.add(staffed + under - over == c.required)
        terms += [c.under_weight * under, c.over_weight * over]
    return sum(terms)


# CP-SAT's portfolio: 8 workers run different strategies (LNS, core-based bounds, ...) interleaved on however many
# cores there are; on these instances that finds better rosters and bounds than one strategy per core. The tighter
# LP relaxation (linearization level 2) lifts the bound from a few hundred to near the optimum on instances 5-8.
DEFAULT_WORKERS = 8
DEFAULT_PARAMETERS: dict[str, object] = {"linearization_level": 2}


def solve_instance(instance: Instance, time_limit_s: float = 60.0, workers: int = DEFAULT_WORKERS, seed: int = 0,
                   hint: dict[tuple[str, int], str] | None = None, **parameters: object) -> CurtoisResult:
    """The best roster CP-SAT finds within the time limit, with its proven bound."""
    started = time.perf_counter()
    m = _Model(instance)
    for rule in RULES:
        for e in instance.staff:
            rule(m, e)
    m.model.minimize(_objective(m))
    if hint:
        for (e, d, s), var in m.x.items():
            m.model.add_hint(var, hint.get((e, d)) == s)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for name, value in {**DEFAULT_PARAMETERS, **parameters}.items():
        setattr(solver.parameters, name, value)
    status = solver.solve(m.model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CurtoisResult({}, None, solver.best_objective_bound, name, time.perf_counter() - started)
    solution = {(e, d): s for (e, d, s), var in m.x.items() if solver.boolean_value(var)}
    return CurtoisResult(solution, round(solver.objective_value), solver.best_objective_bound, name,
                         time.perf_counter() - started)
