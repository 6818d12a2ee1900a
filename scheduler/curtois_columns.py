"""Column generation for the Curtois–Qu benchmark: each employee's schedule is one column, a linear programme picks a
blend of columns per employee that covers the days best, and its prices of cover tell every employee which schedule
to bring next (scheduler/curtois_pricing.py). A dive then fixes employees to their heaviest column a few at a time,
letting the others answer with new columns, until the blend is a roster.

This sees the whole instance at once, where a search over parts sees a few employees: on the large instances it
finds rosters that trade shifts between many employees in one step (instance 13: 1 % above the optimum where the
search over parts alone stayed 20 % above in the same time).
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduler.cp_stall import solve_until_stall
from scheduler.curtois import Instance
from scheduler.curtois_master import MASTERS, Totals
from scheduler.curtois_polish import Polisher
from scheduler.curtois_pricing import Priced, Schedule, SchedulePricer
from scheduler.curtois_score import objective

Roster = Mapping[tuple[str, int], str]
FORCED = 1e6  # what the pricing takes off for a day held at a shift: more than any schedule can cost otherwise


@dataclass(frozen=True)
class ColumnRound:
    """One round: the linear programme's value before pricing, the columns added and the time so far."""

    lp_value: float
    added: int
    seconds: float


@dataclass(frozen=True)
class ColumnPart:
    """What re-solving some employees by columns gave: a roster no worse than before, what it saved, whether the
    programme proved that nothing of theirs saves anything, and whether the generation ran to its end."""

    roster: dict[tuple[str, int], str]
    saved: int
    proved: bool
    converged: bool


@dataclass
class ColumnPool:
    """Every employee's schedules found so far, with the rounds that found them."""

    schedules: dict[str, list[Schedule]]
    rounds: list[ColumnRound] = field(default_factory=list)
    lp_value: float = float("inf")
    converged: bool = False
    blend: dict[str, list[float]] = field(default_factory=dict)  # the last programme's weight of each schedule


def request_cost(instance: Instance) -> dict[str, tuple[int, np.ndarray]]:
    """employee -> (the weight of every on-request, what working each (day, shift) adds to it): a schedule's
    request cost is the first plus the sum of the second over its shifts. Shifts are indexed as in the pricer."""
    out = {}
    for e in instance.staff:
        pricer_shifts = [s.id for s in instance.shifts if e.max_shifts.get(s.id, instance.horizon) > 0]
        index = {s: k for k, s in enumerate(pricer_shifts)}
        extra = np.zeros((instance.horizon, len(pricer_shifts)))
        base = 0
        for r in instance.on_requests:
            if r.employee == e.id:
                base += r.weight
                if r.shift in index:
                    extra[r.day, index[r.shift]] -= r.weight
        for r in instance.off_requests:
            if r.employee == e.id and r.shift in index:
                extra[r.day, index[r.shift]] += r.weight
        out[e.id] = (base, extra)
    return out


def schedule_of(instance: Instance, roster: Roster, employee: str) -> Schedule:
    return tuple(roster.get((employee, d)) for d in range(instance.horizon))


class ColumnGeneration:
    """The master programme with its columns and every employee's pricer; rounds of pricing add columns, and a dive
    fixes employees to their heaviest column round by round until each has one: a whole roster."""

    SMOOTHING = 0.5

    def __init__(self, instance: Instance, roster: Roster | None = None, workers: int = 1,
                 exact_seconds: float = 0.0, lp: str = "glop"):
        """exact_seconds: what CP-SAT may spend on an employee's schedule when a cap per shift type binds (0: the
        pricing programme's heuristics alone); lp: the master's solver, one of MASTERS
        (scheduler/curtois_master.py)."""
        if lp not in MASTERS:
            # Not a ValueError: that says an employee has no legal schedule, which callers take as no columns.
            raise KeyError(f"unknown linear programme solver {lp!r}: choose one of {', '.join(MASTERS)}")
        self.instance, self.workers = instance, workers
        self.exact_seconds = exact_seconds
        self.processes = None if workers < 2 else ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_share, initargs=(instance,))
        self.pricers = {e.id: SchedulePricer(instance, e) for e in instance.staff}
        self.requests = request_cost(instance)
        self.master = MASTERS[lp](instance, self.requests, self.pricers)
        self.pool = ColumnPool({e.id: [] for e in instance.staff})
        self.polisher = Polisher(instance)
        self.fixed: dict[str, int] = {}  # employee -> index of the one column left to them
        # employee -> day -> the shifts still allowed that day (None: off); one of them: the day is held
        self.forced: dict[str, dict[int, frozenset[str | None]]] = {}
        # The best Lagrangian bound of the whole instance: from rounds before the dive whose pricing was exact.
        self.bound = -float("inf")
        self.last_bound = -float("inf")  # of the programme as the last generation left it (fixed columns and all)
        self.started = time.perf_counter()
        if roster is None:
            # Everybody's favourite schedule, as if nobody else worked: legal, if far from covering the days.
            favourites = dict(_cheapest(instance, self.pricers, self.requests, list(self.pricers), {}, float("inf")))
            missing = [e.id for e in instance.staff if e.id not in favourites]
            if missing:
                self.close()
                raise ValueError(f"{instance.name}: no legal schedule found for {', '.join(missing)}")
            roster = {(e, d): s for e, priced in favourites.items() for d, s in enumerate(priced.schedule) if s}
        for e in instance.staff:
            self._add(e.id, schedule_of(instance, roster, e.id))

    @contextmanager
    def warm_starts(self) -> Iterator[None]:
        """Meanwhile each solve of the programme starts from the last one's basis: for many small changes, as the
        nodes of a tree make (instance 8: 11 nodes a second instead of 6)."""
        self.master.warm = True
        try:
            yield
        finally:
            self.master.warm = False

    def close(self) -> None:
        if self.processes is not None:
            self.processes.shutdown(cancel_futures=True)
            self.processes = None

    def add_columns(self, schedules: Mapping[str, Collection[Schedule]]) -> int:
        """Known schedules join the pool (legal ones only: from another pool of the same instance); how many
        were new."""
        return sum(self._add(e, schedule) for e, known in schedules.items() for schedule in known)

    def _add(self, employee: str, schedule: Schedule) -> bool:
        if not self.master.add(employee, schedule):
            return False
        self.pool.schedules[employee].append(schedule)
        return True

    def solve(self) -> tuple[dict[tuple[int, str], float], dict[str, float]]:
        value, prices, blends, weights = self.master.solve()
        self.pool.lp_value = value
        self.pool.blend = weights
        return prices, blends

    def price(self, prices: dict[tuple[int, str], float], blends: dict[str, float], deadline: float,
              at: dict[tuple[int, str], float] | None = None) -> tuple[int, float]:
        """One round: each free employee's cheapest schedule at the prices `at` (the programme's own by default)
        joins if it would lower the programme at its own prices. Returns the columns added and the Lagrangian
        bound at `at` (-inf if the round was cut short or someone had no legal schedule)."""
        at = prices if at is None else at
        # CP-SAT for binding caps while generating; the dive wants many quick rounds more than exact ones.
        exact = 0.0 if self.diving else self.exact_seconds
        bound = sum(at.get((c.day, c.shift), 0.0) * c.required for c in self.instance.cover)
        free = [e.id for e in self.instance.staff if e.id not in self.fixed]
        for e, index in self.fixed.items():
            schedule = self.pool.schedules[e][index]
            bound += self.master.cost(e, schedule) - sum(at.get((d, s), 0.0) for d, s in enumerate(schedule) if s)
        bound += self.master.slack_floor(at)
        forced = {e: self.forced[e] for e in free if e in self.forced}
        if self.processes is None:
            found = _cheapest(self.instance, self.pricers, self.requests, free, at, deadline, exact, forced)
        else:
            chunks = [free[i::self.workers] for i in range(self.workers)]
            found = [f for part in self.processes.map(_cheapest_shared, [
                (c, at, deadline, exact, {e: forced[e] for e in c if e in forced}) for c in chunks]) for f in part]
        added = 0
        for e, priced in found:
            bound += priced.floor
            worked = [(d, s) for d, s in enumerate(priced.schedule) if s is not None]
            reduced = self.master.cost(e, priced.schedule) - sum(prices.get(k, 0.0) for k in worked) - blends[e]
            if reduced < -1e-6 and self._add(e, priced.schedule):
                added += 1
        return added, bound if len(found) == len(free) else -float("inf")

    def generate(self, deadline: float, max_rounds: int = 1_000) -> bool:
        """Rounds until no free employee has a schedule that would lower the programme (True), or the deadline or
        the rounds run out (False).

        The prices asked are smoothed towards those of the best Lagrangian bound so far (Wentges): the
        programme's own prices jump from corner to corner while it has few columns, and smoothed ones find
        useful columns in far fewer rounds. A round that finds nothing at smoothed prices is asked again at the
        programme's own, so the end is still exact."""
        centre: dict[tuple[int, str], float] | None = None
        best = -float("inf")
        for _ in range(max_rounds):
            prices, blends = self.solve()
            at = prices if centre is None else {k: self.SMOOTHING * centre.get(k, 0.0) + (1 - self.SMOOTHING) * v
                                                for k, v in prices.items()}
            added, bound = self.price(prices, blends, deadline, at)
            if bound > best:
                best, centre = bound, at
            if added == 0 and at is not prices:
                added, bound = self.price(prices, blends, deadline)
                if bound > best:
                    best, centre = bound, prices
            self.last_bound = best
            if not self.diving:
                self.bound = max(self.bound, best)
            self.pool.rounds.append(ColumnRound(self.pool.lp_value, added, time.perf_counter() - self.started))
            if added == 0:
                return time.perf_counter() <= deadline
            if time.perf_counter() > deadline:
                return False
        return False

    def day_weights(self) -> dict[tuple[str, int], dict[str | None, float]]:
        """(employee, day) -> how the last programme's blend splits that day between shifts (None: off)."""
        out: dict[tuple[str, int], dict[str | None, float]] = {}
        for e, weights in self.pool.blend.items():
            for w, schedule in zip(weights, self.pool.schedules[e], strict=True):
                if w > 1e-9:
                    for d, s in enumerate(schedule):
                        split = out.setdefault((e, d), {})
                        split[s] = split.get(s, 0.0) + w
        return out

    @property
    def diving(self) -> bool:
        """Whether anything is fixed or forced: then the programme no longer relaxes the whole instance."""
        return bool(self.fixed or any(self.forced.values()))

    def force(self, employee: str, day: int, shift: str | None) -> None:
        """Hold one day of an employee (a shift, or off): their columns that differ there leave the programme,
        and their pricing from now on only brings schedules that keep it."""
        self.restrict(employee, day, frozenset({shift}))

    def restrict(self, employee: str, day: int, options: frozenset[str | None]) -> None:
        """Allow the employee only these options on the day; ValueError (and nothing changed) if no legal
        schedule of theirs keeps them with the days restricted before."""
        held = self.forced.setdefault(employee, {})
        before = held.get(day)
        held[day] = options
        flags = [is_open and schedule[day] in options
                 for schedule, is_open in zip(self.pool.schedules[employee], self.master.open[employee], strict=True)]
        self.master.set_open(employee, flags)
        kept = any(flags)
        if not kept:
            # The programme needs a column of theirs that keeps every held day: their favourite one will do.
            found = _cheapest(self.instance, self.pricers, self.requests, [employee], {}, float("inf"), 0.0,
                              {employee: held})
            if not found:
                if before is None:
                    del held[day]
                else:
                    held[day] = before
                self._reopen(employee)
                allowed = ", ".join(sorted(s or "off" for s in options)) or "nothing"
                raise ValueError(f"{self.instance.name}: no legal schedule of {employee} keeps day {day} to "
                                 f"{allowed} with the days held before")
            schedule = found[0][1].schedule
            if not self._add(employee, schedule):  # known, but left out by an earlier hold: back it comes
                self._reopen(employee)

    def dive_cells(self, deadline: float, share: float = 0.03, rounds_per_step: int = 20, rise: float = 0.5,
                   tries: int = 5) -> dict[tuple[str, int], str]:
        """Hold the days the blend agrees on most (an employee's columns of most weight working the same shift, or
        all off), a share of the undecided days at a time, and let everybody answer with new columns, until each
        employee's blend is one column; then the dive by columns (`dive`) makes the roster, at once if the
        deadline has come.

        A step that lifts the programme by more than `rise` is taken back and its days are tried one at a time
        (the first `tries` of them): the first that lifts it by at most `rise` is held, or else the one that
        lifts it least. Holding a day leaves an employee every schedule that keeps it, where fixing a column
        leaves one, so the programme stays near its optimum for longer."""
        step_seconds = 0.0
        while (left := deadline - time.perf_counter()) > 0:
            step_started = time.perf_counter()
            self.solve()
            before = self.pool.lp_value
            candidates = self.undecided_days()
            if not candidates:
                break
            count = max(1, int(share * len(candidates)), math.ceil(len(candidates) * step_seconds / left))
            step = self._compatible(candidates, count)
            self._hold(step)
            self.generate(deadline, rounds_per_step)
            if self.pool.lp_value > before + rise and len(step) > 1:
                self._release(step)
                lifts = []
                for cell in [(e, d, shift) for _, e, d, shift in candidates[:tries]]:
                    self._hold([cell])
                    self.generate(deadline, rounds_per_step)
                    lifts.append((self.pool.lp_value - before, cell))
                    if lifts[-1][0] <= rise:
                        break
                    self._release([cell])
                else:
                    self._hold([min(lifts, key=lambda lift: lift[0])[1]])
                    self.generate(deadline, rounds_per_step)
            step_seconds = time.perf_counter() - step_started
        return self.dive(deadline, share, rounds_per_step)

    def _compatible(self, candidates: list[tuple[float, str, int, str | None]],
                    count: int) -> list[tuple[str, int, str | None]]:
        """Up to `count` of the candidate days, in their order, that a column in each employee's blend keeps all
        together (so the programme stays feasible when they are held)."""
        held: dict[str, dict[int, str | None]] = {}
        out = []
        for _, e, d, shift in candidates:
            if len(out) == count:
                break
            if d in held.get(e, {}):  # the same day at another shift: one of them is enough
                continue
            mine = {**held.get(e, {}), d: shift}
            if any(w > 1e-6 and all(schedule[day] == s for day, s in mine.items())
                   for w, schedule in zip(self.pool.blend[e], self.pool.schedules[e], strict=True)):
                held[e] = mine
                out.append((e, d, shift))
        return out

    def _hold(self, cells: list[tuple[str, int, str | None]]) -> None:
        for employee, day, shift in cells:
            self.force(employee, day, shift)

    def _release(self, cells: list[tuple[str, int, str | None]]) -> None:
        """Let held days go again: each employee's columns that keep what is still held come back."""
        for employee, day, _ in cells:
            del self.forced[employee][day]
        for employee in {cell[0] for cell in cells}:
            self._reopen(employee)

    def _reopen(self, employee: str) -> None:
        """Every column of the employee that keeps their held days back in the programme, the others out."""
        held = self.forced.get(employee, {})
        self.master.set_open(employee, [all(schedule[d] in s for d, s in held.items())
                                        for schedule in self.pool.schedules[employee]])

    def undecided_days(self) -> list[tuple[float, str, int, str | None]]:
        """(weight, employee, day, shift or None for off) where the blend of an employee not yet fixed is split
        on that day, heaviest first."""
        out = []
        for e in self.instance.staff:
            if e.id in self.fixed:
                continue
            active = [(w, schedule) for w, schedule in zip(self.pool.blend[e.id], self.pool.schedules[e.id],
                                                              strict=True) if w > 1e-6]
            if len(active) < 2:
                continue
            held = self.forced.get(e.id, {})
            for d in range(self.instance.horizon):
                if len(held.get(d, ())) == 1:
                    continue
                weights: dict[str | None, float] = {}
                for w, schedule in active:
                    weights[schedule[d]] = weights.get(schedule[d], 0.0) + w
                out += [(w, e.id, d, shift) for shift, w in weights.items() if w < 1 - 1e-6]
        out.sort(key=lambda c: -c[0])
        return out

    def hold_part(self, roster: Roster, free: Collection[str]) -> None:
        """Every employee's schedule in the roster joins the pool; those not free are fixed to it."""
        self.reset()
        for e in self.instance.staff:
            schedule = schedule_of(self.instance, roster, e.id)
            self._add(e.id, schedule)
            if e.id not in free:
                self.fix(e.id, self.pool.schedules[e.id].index(schedule))

    def hold_days(self, held: Mapping[tuple[str, int], frozenset[str | None]]) -> None:
        """Hold exactly these days of the employees not fixed (what was held before goes); ValueError if no legal
        schedule of someone keeps their days."""
        self.forced.clear()
        for e in self.instance.staff:
            if e.id not in self.fixed:
                self._reopen(e.id)
        for (e, d), options in held.items():
            self.restrict(e, d, options)

    def hold_totals(self, totals: Totals) -> None:
        """Keep exactly these cover rows' totals (the people working that shift that day) within their bounds,
        or else pay more than any roster costs."""
        self.master.hold_totals(totals)

    def fractional_totals(self) -> list[tuple[float, tuple[int, str]]]:
        """(total, (day, shift)) of the cover rows the last programme's blend covers by a fraction of a person."""
        totals: Counter[tuple[int, str]] = Counter()
        for e, weights in self.pool.blend.items():
            for w, schedule in zip(weights, self.pool.schedules[e], strict=True):
                if w > 1e-9:
                    for d, s in enumerate(schedule):
                        if s is not None:
                            totals[d, s] += w
        return [(total, key) for key, total in totals.items()
                if key in self.master.rows and abs(total - round(total)) > 1e-6]

    def heaviest_roster(self) -> tuple[dict[tuple[str, int], str], bool]:
        """Every employee's heaviest column in the last programme as a roster (legal: each column is), and whether
        the blend was that roster, whole."""
        roster: dict[tuple[str, int], str] = {}
        whole = True
        for e, weights in self.pool.blend.items():
            index = max(range(len(weights)), key=weights.__getitem__)
            whole = whole and weights[index] > 1 - 1e-6
            roster.update({(e, d): s for d, s in enumerate(self.pool.schedules[e][index]) if s is not None})
        return roster, whole

    def agreeing_days(self, roster: Roster, at_least: float = 1 - 1e-6) -> dict[tuple[str, int], frozenset[str | None]]:
        """(employee, day) -> the roster's shift that day (None: off), for every day of an employee not fixed on
        which the last programme's blend puts at least `at_least` of its weight on what the roster does: the days a
        relaxation-induced neighbourhood holds (Danna, Rothberg and Le Pape, 2005), so a tree over the rest
        explores only what the roster and the programme dispute."""
        weights = self.day_weights()
        return {(e.id, d): frozenset({roster.get((e.id, d))}) for e in self.instance.staff if e.id not in self.fixed
                for d in range(self.instance.horizon)
                if weights.get((e.id, d), {}).get(roster.get((e.id, d)), 0.0) >= at_least}

    def polished(self, roster: Roster, movable: Collection[str] | None = None) -> dict[tuple[str, int], str]:
        """The roster with each employee in turn (of `movable`; all by default) on their known schedule that costs
        least with the others held (scheduler/curtois_polish.py)."""
        return self.polisher.polish(roster, self.pool.schedules, movable)

    def reset(self) -> None:
        """Nothing fixed or held any more: every column back in the programme, for the next dive."""
        self.fixed.clear()
        self.forced.clear()
        self.master.hold_totals({})
        for e in self.pool.schedules:
            self._reopen(e)

    def fix(self, employee: str, index: int) -> None:
        self.fixed[employee] = index
        self.master.set_open(employee, [i == index for i in range(len(self.pool.schedules[employee]))])

    def dive(self, deadline: float, share: float = 0.1, rounds_per_dive: int = 5) -> dict[tuple[str, int], str]:
        """Fix the employees whose heaviest column weighs most (all that are whole, and a share of the rest), let
        the others answer with new columns, and again, until everybody is fixed. Each step fixes more than the
        share if the steps so far say the deadline would come first; past it the rest are fixed at once."""
        step_seconds = 0.0
        while len(self.fixed) < len(self.instance.staff):
            step_started = time.perf_counter()
            self.solve()
            free = [e.id for e in self.instance.staff if e.id not in self.fixed]
            heaviest = {e: max(range(len(self.pool.blend[e])), key=self.pool.blend[e].__getitem__) for e in free}
            weight = {e: self.pool.blend[e][heaviest[e]] for e in free}
            ranked = sorted(free, key=lambda e: -weight[e])
            whole = [e for e in ranked if weight[e] > 1 - 1e-6]
            left = deadline - time.perf_counter()
            count = len(free)
            if left > 0:
                count = max(1, int(share * len(free)), math.ceil(len(free) * step_seconds / left))
            for e in dict.fromkeys(whole + ranked[:count]):
                self.fix(e, heaviest[e])
            if len(self.fixed) < len(self.instance.staff):
                self.generate(deadline, rounds_per_dive)
            step_seconds = time.perf_counter() - step_started
        roster = {}
        for e, index in self.fixed.items():
            schedule = self.pool.schedules[e][index]
            roster.update({(e, d): s for d, s in enumerate(schedule) if s is not None})
        return roster

    def integer(self, time_limit_s: float, hint: Roster | None = None, workers: int = 2,
                seed: int = 0, free: Collection[str] | None = None,
                stall_s: float = math.inf) -> dict[tuple[str, int], str] | None:
        """The best roster that gives every employee one of their columns, by CP-SAT within the time limit
        (price and branch: the columns the generation found are often enough for the optimum, where the dive
        commits to one of them at a time). The hint's schedules join the pool first; with `free` given, only
        those employees choose and the others keep the hint's schedule. It stops early once it has found nothing
        better for `stall_s`. None if nothing is found."""
        if hint is not None:
            for e in self.instance.staff:
                self._add(e.id, schedule_of(self.instance, hint, e.id))
        elif free is not None:
            raise ValueError("the employees held need a hint to be held at")
        model = cp_model.CpModel()
        chosen: dict[str, list[cp_model.IntVar]] = {}
        options: dict[str, list[Schedule]] = {}
        terms = []
        covering: dict[tuple[int, str], list[cp_model.IntVar]] = {key: [] for key in self.master.rows}
        for e in self.instance.staff:
            mine = schedule_of(self.instance, hint, e.id) if hint is not None else None
            options[e.id] = self.pool.schedules[e.id] if free is None or e.id in free else [mine]
            chosen[e.id] = [model.new_bool_var(f"{e.id}/{i}") for i in range(len(options[e.id]))]
            model.add_exactly_one(chosen[e.id])
            for var, schedule in zip(chosen[e.id], options[e.id], strict=True):
                terms.append(self.master.cost(e.id, schedule) * var)
                for d, s in enumerate(schedule):
                    if s is not None and (d, s) in covering:
                        covering[d, s].append(var)
                if mine is not None:
                    model.add_hint(var, schedule == mine)
        # The hint is complete, cover slacks and all: CP-SAT then starts from it at once. With the choices alone it
        # reached the hint's cost only after 0.4-3.7 s of worse rosters on sets of 8, or never within 4 s.
        worked = Counter((d, s) for (_, d), s in hint.items()) if hint is not None else None
        for c in self.instance.cover:
            under = model.new_int_var(0, c.required, "")
            over = model.new_int_var(0, len(self.instance.staff), "")
            model.add(sum(covering[c.day, c.shift]) + under - over == c.required)
            terms += [c.under_weight * under, c.over_weight * over]
            if worked is not None:
                model.add_hint(under, max(0, c.required - worked[c.day, c.shift]))
                model.add_hint(over, max(0, worked[c.day, c.shift] - c.required))
        model.minimize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        if solve_until_stall(solver, model, stall_s)[0] not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        roster = {}
        for e, variables in chosen.items():
            index = next(i for i, var in enumerate(variables) if solver.boolean_value(var))
            roster.update({(e, d): s for d, s in enumerate(options[e][index]) if s is not None})
        return roster

    def improve_part(self, roster: Roster, free: Collection[str], deadline: float, integer_seconds: float,
                     share: float = 0.2, rounds: int = 5, seed: int = 0,
                     integer_stall_s: float = math.inf) -> ColumnPart:
        """Re-solve some employees' whole schedules against the others held as the roster has them: the
        generation for them alone, a dive, then CP-SAT over every column of theirs in the pool (price and branch).

        Where a part of the CP-SAT model sees a few days of many employees or many days of a few, this moves
        most of the employees over the whole horizon in one step, and the programme's bound proves in a fraction
        of a second that a set of them cannot do better, where CP-SAT's own bound stays far below."""
        free = set(free)
        before = objective(self.instance, roster)
        self.hold_part(roster, free)
        converged = self.generate(deadline)
        # No bound at all when every round was cut short by the deadline (a large instance, a short part).
        if self.last_bound > -math.inf and math.ceil(self.last_bound - 1e-6) >= before:
            return ColumnPart(dict(roster), 0, True, converged)
        # A dive that costs as much moves the roster all the same: the cost has wide plateaus (requests weigh 1-3
        # against 100 for each person missing), and walking them reaches sets that do better.
        best = min(self.dive(deadline, share, rounds), dict(roster), key=lambda r: objective(self.instance, r))
        if integer_seconds > 0:
            found = self.integer(integer_seconds, best, max(1, self.workers), seed, free, integer_stall_s)
            if found is not None and objective(self.instance, found) <= objective(self.instance, best):
                best = found
        return ColumnPart(best, before - objective(self.instance, best), False, converged)

def _cheapest(instance: Instance, pricers: dict[str, SchedulePricer], requests: dict[str, tuple[int, np.ndarray]],
              employees: list[str], prices: Mapping[tuple[int, str], float], deadline: float,
              exact_seconds: float = 0.0,
              forced: Mapping[str, Mapping[int, frozenset[str | None]]] | None = None) -> list[tuple[str, Priced]]:
    """Each employee's cheapest schedule at these cover prices that keeps to what is still allowed them on each
    restricted day, with its cost (requests less prices, without the base of on-request weights); employees
    without such a schedule are left out, and so are those after the deadline."""
    out = []
    for e in employees:
        pricer = pricers[e]
        base, extra = requests[e]
        grid = np.array([[prices.get((d, s.id), 0.0) for s in pricer.shifts]
                         for d in range(instance.horizon)]).reshape(extra.shape)
        costs = extra - grid
        held = (forced or {}).get(e, {})
        for d, options in held.items():
            # Shifts not allowed are ruled out; where off is not allowed, working is worth more than anything
            # else could cost (the programme has no price for a day off).
            for k, s in enumerate(pricer.shifts):
                costs[d, k] = costs[d, k] - (None not in options) * FORCED if s.id in options else np.inf
        found = pricer.cheapest(costs, exact_seconds)
        if found is not None and all(found.schedule[d] in options for d, options in held.items()):
            back = FORCED * sum(None not in options for options in held.values())
            out.append((e, Priced(base + found.cost + back, found.schedule, base + found.floor + back)))
        if time.perf_counter() > deadline:
            break
    return out


_shared: tuple[Instance, dict[str, SchedulePricer], dict[str, tuple[int, np.ndarray]]] | None = None


def _share(instance: Instance) -> None:
    global _shared
    _shared = (instance, {e.id: SchedulePricer(instance, e) for e in instance.staff}, request_cost(instance))


def _cheapest_shared(args: tuple) -> list[tuple[str, Priced]]:
    employees, prices, deadline, exact_seconds, forced = args
    assert _shared is not None
    return _cheapest(*_shared, employees, prices, deadline, exact_seconds, forced)
