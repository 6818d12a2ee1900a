"""A day-level CP-SAT model of the Curtois–Qu shift scheduling benchmark: one Boolean per employee, day and shift
type, each hard rule of the benchmark as one function adding its constraints, the objective as weighted terms.
The model can also be built for a part of the roster (some employees over some days) with the rest held at a
given roster, which is what the large-neighbourhood search in scheduler/curtois_search.py solves again and again."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.curtois import DAYS_PER_WEEK, WEEKEND_DAYS, Cover, Instance, Staff
from scheduler.curtois_score import cover_cost

Roster = Mapping[tuple[str, int], str]  # (employee, day) -> shift id; a day without an entry is a day off
State = cp_model.IntVar | int  # a free variable, or 0/1 where the day is held at the given roster


@dataclass(frozen=True)
class CurtoisResult:
    solution: dict[tuple[str, int], str]   # (employee, day) -> shift id
    objective: int | None
    best_bound: float
    status: str
    seconds: float


class _Model:
    """x[e, d, s] (works shift s) and work[e, d] (works any shift) for the free employees on the free days;
    every other (employee, day) is a constant taken from `held`."""

    def __init__(self, instance: Instance, free_staff: Collection[str] | None = None,
                 days: range | None = None, held: Roster | None = None):
        self.instance, self.model = instance, cp_model.CpModel()
        self.days = days if days is not None else range(instance.horizon)
        self.free = set(free_staff) if free_staff is not None else {e.id for e in instance.staff}
        self.held = held or {}
        self.held_cover: Counter[tuple[int, str]] = Counter(
            (d, s) for (e, d), s in self.held.items() if not self.is_free(e, d))
        self.x: dict[tuple[str, int, str], cp_model.IntVar] = {}
        self.work: dict[tuple[str, int], cp_model.IntVar] = {}
        for e in instance.staff:
            if e.id not in self.free:
                continue
            # A shift type the employee may never work (a maximum of 0) gets no variable at all.
            allowed = [s for s in instance.shifts if e.max_shifts.get(s.id, instance.horizon) > 0]
            for d in self.days:
                for s in allowed:
                    self.x[e.id, d, s.id] = self.model.new_bool_var(f"x[{e.id},{d},{s.id}]")
                w = self.model.new_bool_var(f"work[{e.id},{d}]")
                self.model.add(sum(self.x[e.id, d, s.id] for s in allowed) == w)  # one shift a day at most
                self.work[e.id, d] = w

    def is_free(self, employee: str, day: int) -> bool:
        return employee in self.free and day in self.days

    def shift(self, employee: str, day: int, shift: str) -> State:
        if self.is_free(employee, day):
            return self.x.get((employee, day, shift), 0)
        return int(self.held.get((employee, day)) == shift)

    def worked(self, employee: str, day: int) -> State:
        if self.is_free(employee, day):
            return self.work[employee, day]
        return int((employee, day) in self.held)

    def near(self, margin: int) -> range:
        """The free days widened by `margin` on both sides, inside the horizon: where a rule can reach them."""
        return range(max(0, self.days.start - margin), min(self.instance.horizon, self.days.stop + margin))

    def add_at_most(self, terms: list[State], most: int) -> None:
        if any(not isinstance(t, int) for t in terms):
            self.model.add(sum(terms) <= most)
        elif sum(terms) > most:  # all held (or no variable at all) and already too many: nothing can be legal
            self.model.add_bool_or([])

    def add_at_least(self, terms: list[State], least: int) -> None:
        if any(not isinstance(t, int) for t in terms):
            self.model.add(sum(terms) >= least)
        elif sum(terms) < least:
            self.model.add_bool_or([])

    def add_clause(self, literals: list[tuple[State, bool]]) -> None:
        """At least one (state, wanted value) holds; constants decide or drop out."""
        clause = []
        for state, value in literals:
            if isinstance(state, int):
                if bool(state) == value:
                    return
            else:
                clause.append(state if value else ~state)
        if clause:
            self.model.add_bool_or(clause)


Rule = Callable[[_Model, Staff], None]


def fixed_days_off(m: _Model, e: Staff) -> None:
    for d in m.instance.days_off.get(e.id, ()):
        if d in m.days:
            m.model.add(m.work[e.id, d] == 0)


def forbidden_succession(m: _Model, e: Staff) -> None:
    pairs = m.near(1)
    allowed = {s.id for s in m.instance.shifts if e.max_shifts.get(s.id, m.instance.horizon) > 0}
    for s in m.instance.shifts:
        for t in s.forbidden_next & allowed if s.id in allowed else ():
            for d in pairs[:-1]:
                m.add_clause([(m.shift(e.id, d, s.id), False), (m.shift(e.id, d + 1, t), False)])


def max_shifts_per_type(m: _Model, e: Staff) -> None:
    for s in m.instance.shifts:
        most = e.max_shifts.get(s.id, m.instance.horizon)
        m.add_at_most([m.shift(e.id, d, s.id) for d in range(m.instance.horizon)], most)


def total_minutes(m: _Model, e: Staff) -> None:
    minutes = [s.minutes * m.shift(e.id, d, s.id) for d in range(m.instance.horizon) for s in m.instance.shifts]
    m.add_at_most(minutes, e.max_total_minutes)
    m.add_at_least(minutes, e.min_total_minutes)


def max_consecutive_shifts(m: _Model, e: Staff) -> None:
    most = e.max_consecutive_shifts
    reach = m.near(most)
    for start in range(reach.start, reach.stop - most):
        m.add_at_most([m.worked(e.id, d) for d in range(start, start + most + 1)], most)


def min_consecutive_shifts(m: _Model, e: Staff) -> None:
    _no_short_runs(m, e, e.min_consecutive_shifts, worked=True)


def min_consecutive_days_off(m: _Model, e: Staff) -> None:
    _no_short_runs(m, e, e.min_consecutive_days_off, worked=False)


def _no_short_runs(m: _Model, e: Staff, least: int, worked: bool) -> None:
    """No run of `worked` days shorter than `least` with the other state on both sides inside the horizon."""
    reach = m.near(least)
    for length in range(1, least):
        for first in range(max(1, reach.start), min(m.instance.horizon - length, reach.stop)):
            last = first + length - 1
            # not (other before, run first..last, other after)
            m.add_clause([(m.worked(e.id, first - 1), worked)] +
                         [(m.worked(e.id, d), not worked) for d in range(first, last + 1)] +
                         [(m.worked(e.id, last + 1), worked)])


def max_weekends(m: _Model, e: Staff) -> None:
    weekends: list[State] = []
    for w in range(m.instance.weekends):  # a horizon ending on a Saturday still has that weekend
        days = [DAYS_PER_WEEK * w + k for k in WEEKEND_DAYS if DAYS_PER_WEEK * w + k < m.instance.horizon]
        states = [m.worked(e.id, d) for d in days]
        if all(isinstance(s, int) for s in states):
            weekends.append(max(states))
            continue
        worked = m.model.new_bool_var(f"weekend[{e.id},{w}]")
        m.model.add_max_equality(worked, states)
        weekends.append(worked)
    m.add_at_most(weekends, e.max_weekends)


RULES: tuple[Rule, ...] = (fixed_days_off, forbidden_succession, max_shifts_per_type, total_minutes,
                           max_consecutive_shifts, min_consecutive_shifts, min_consecutive_days_off, max_weekends)


def _objective(m: _Model) -> cp_model.LinearExpr:
    """The benchmark's objective restricted to what the free part can change (the rest is a constant)."""
    inst = m.instance
    terms = [r.weight * (1 - m.x.get((r.employee, r.day, r.shift), 0)) for r in inst.on_requests
             if m.is_free(r.employee, r.day)]
    terms += [r.weight * m.x.get((r.employee, r.day, r.shift), 0) for r in inst.off_requests
              if m.is_free(r.employee, r.day)]
    for c, chosen in _cover_rows(m):
        staffed = sum(chosen) + m.held_cover[c.day, c.shift]
        under = m.model.new_int_var(0, c.required, f"under[{c.day},{c.shift}]")
        over = m.model.new_int_var(0, len(inst.staff), f"over[{c.day},{c.shift}]")
        m.model.add(staffed + under - over == c.required)
        terms += [c.under_weight * under, c.over_weight * over]
    return sum(terms)


def _cover_rows(m: _Model) -> Iterator[tuple[Cover, list[cp_model.IntVar]]]:
    """Cover rows on the free days, with the free variables that count towards each."""
    free = [e.id for e in m.instance.staff if e.id in m.free]
    for c in m.instance.cover:
        if c.day in m.days:
            # A row nobody free may work still costs what the held roster leaves it: a constant, but the
            # objective must count it to equal the benchmark's.
            yield c, [m.x[key] for key in ((e, c.day, c.shift) for e in free) if key in m.x]


# CP-SAT's portfolio: 8 workers run different strategies (LNS, core-based bounds, ...) interleaved on however many
# cores there are; on these instances that finds better rosters and bounds than one strategy per core. The tighter
# LP relaxation (linearization level 2) lifts the bound from a few hundred to near the optimum on instances 5-8.
DEFAULT_WORKERS = 8
DEFAULT_PARAMETERS: dict[str, object] = {"linearization_level": 2}
# A part is re-solved hundreds of times for a few seconds each: finding its symmetries costs more than it saves.
PART_PARAMETERS: dict[str, object] = {"symmetry_level": 0}


@dataclass(frozen=True)
class PartResult:
    roster: dict[tuple[str, int], str]  # the whole roster: the part as solved, everything else as held
    improvement: int | None  # how much the part's cost fell against the held roster (None: nothing found)
    optimal: bool
    best_bound: float
    seconds: float = 0.0  # the solver's wall time
    infeasible: bool = False  # proved: the free part has no roster that keeps every hard rule


def solve_part(instance: Instance, held: Roster, free_staff: Collection[str] | None = None,
               days: range | None = None, time_limit_s: float = 10.0, workers: int = DEFAULT_WORKERS,
               seed: int = 0, **parameters: object) -> PartResult:
    """Re-solve the free employees on the free days against the held roster, starting from the held roster."""
    m, solver, status = _solve(instance, free_staff, days, held, held, time_limit_s, workers, seed,
                               {**PART_PARAMETERS, **parameters})
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PartResult(dict(held), None, False, solver.best_objective_bound, solver.wall_time,
                          status == cp_model.INFEASIBLE)
    roster = {key: shift for key, shift in held.items() if not m.is_free(*key)}
    roster.update(_assigned(m, solver))
    before = _part_cost(m, held)
    return PartResult(roster, before - round(solver.objective_value), status == cp_model.OPTIMAL,
                      solver.best_objective_bound, solver.wall_time)


def solve_instance(instance: Instance, time_limit_s: float = 60.0, workers: int = DEFAULT_WORKERS, seed: int = 0,
                   hint: Roster | None = None, keep: Collection[tuple[str, int]] = (),
                   **parameters: object) -> CurtoisResult:
    """The best roster CP-SAT finds for the whole instance within the time limit, with its proven bound (of the
    instance with the kept days held, if any). keep: (employee, day)s held as the hint has them."""
    started = time.perf_counter()
    m, solver, status = _solve(instance, None, None, {}, hint, time_limit_s, workers, seed, parameters, keep)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CurtoisResult({}, None, solver.best_objective_bound, name, time.perf_counter() - started)
    return CurtoisResult(_assigned(m, solver), round(solver.objective_value), solver.best_objective_bound, name,
                         time.perf_counter() - started)


def _solve(instance: Instance, free_staff: Collection[str] | None, days: range | None, held: Roster,
           hint: Roster | None, time_limit_s: float, workers: int, seed: int,
           parameters: Mapping[str, object],
           keep: Collection[tuple[str, int]] = ()) -> tuple[_Model, cp_model.CpSolver, int]:
    m = _Model(instance, free_staff, days, held)
    for rule in RULES:
        for e in instance.staff:
            if e.id in m.free:
                rule(m, e)
    m.model.minimize(_objective(m))
    kept = set(keep)
    for (e, d, s), var in m.x.items():
        if (e, d) in kept:
            m.model.add(var == int(hint is not None and hint.get((e, d)) == s))
    if hint:
        for (e, d, s), var in m.x.items():
            m.model.add_hint(var, hint.get((e, d)) == s)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for name, value in {**DEFAULT_PARAMETERS, **parameters}.items():
        setattr(solver.parameters, name, value)
    return m, solver, solver.solve(m.model)


def _assigned(m: _Model, solver: cp_model.CpSolver) -> dict[tuple[str, int], str]:
    return {(e, d): s for (e, d, s), var in m.x.items() if solver.boolean_value(var)}


def _part_cost(m: _Model, roster: Roster) -> int:
    """The part's objective (as _objective builds it) for a roster, e.g. the held one before re-solving."""
    inst, cost = m.instance, 0
    cost += sum(r.weight for r in inst.on_requests if m.is_free(r.employee, r.day)
                and roster.get((r.employee, r.day)) != r.shift)
    cost += sum(r.weight for r in inst.off_requests if m.is_free(r.employee, r.day)
                and roster.get((r.employee, r.day)) == r.shift)
    counts = Counter((d, s) for (_, d), s in roster.items())
    for c, _ in _cover_rows(m):
        cost += cover_cost(c, counts[c.day, c.shift])
    return cost


@dataclass(frozen=True)
class CheapestSchedule:
    schedule: tuple[str | None, ...]  # the shift worked on each day, None on a day off
    floor: float  # no legal schedule of the employee costs less
    optimal: bool


def cheapest_schedule(instance: Instance, staff: Staff, costs: Mapping[tuple[int, str], float],
                      hint: tuple[str | None, ...] | None = None, time_limit_s: float = 1.0,
                      scale: int = 1_000) -> CheapestSchedule | None:
    """One employee's least-cost legal schedule under every hard rule, caps per shift type included, by CP-SAT:
    what the column generation asks when the pricing programme (scheduler/curtois_pricing.py) cannot keep a cap.
    Costs are per (day, shift) worked, rounded to 1/scale; None if nothing legal is found in time."""
    m = _Model(instance, [staff.id])
    for rule in RULES:
        rule(m, staff)
    terms = []
    for (_, d, s), var in m.x.items():
        cost = costs.get((d, s), 0.0)
        if cost == float("inf"):
            m.model.add(var == 0)
        else:
            terms.append(round(cost * scale) * var)
    m.model.minimize(sum(terms))
    if hint is not None:
        for (_, d, s), var in m.x.items():
            m.model.add_hint(var, hint[d] == s)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    schedule = [None] * instance.horizon
    for (_, d, s), var in m.x.items():
        if solver.boolean_value(var):
            schedule[d] = s
    # Each rounded cost is off by half a unit at most, and a schedule works each day once at most.
    slack = 0.5 * instance.horizon / scale
    return CheapestSchedule(tuple(schedule), solver.best_objective_bound / scale - slack, status == cp_model.OPTIMAL)
