"""The restricted master linear programme of the Curtois–Qu column generation (scheduler/curtois_columns.py): a
convex blend of columns per employee, cover rows with their under and over slack at the rows' weights, on GLOP or
on HiGHS.

GLOP suits the large instances, HiGHS the many small changes of the searches by columns on the small ones:

- HiGHS in GLOP's place everywhere (24d62d1, out again in c599149): late in the dive of instance 13 its rounds
  took twice GLOP's time and the dive ended far worse (3,024 against the 1,351 GLOP's run reached).
- HiGHS in a search by columns of instance 8 (each search in its own process, scheduler/curtois_search.py): its
  dual simplex goes on from the last basis after columns close, and the weights come back as one array, where
  pywraplp asks GLOP for each open column. From the same roster and pool (7,550 columns), 15 sets of 22 were
  re-solved in 22-24 s against 29-31 s by GLOP, and trees over sets of 24 solved 231 nodes in 30 s against 153.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import highspy
import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.curtois import Instance
from scheduler.curtois_pricing import Schedule, SchedulePricer

Solved = tuple[float, dict[tuple[int, str], float], dict[str, float], dict[str, list[float]]]
Totals = dict[tuple[int, str], tuple[int, float]]  # (day, shift) -> the least and most people it may have
Slack = tuple[float, float, float, float]  # a cover row's under and over slack: their lower and upper bounds
FREE_SLACK: Slack = (0.0, float("inf"), 0.0, float("inf"))


def slack_bounds(required: int, low: int, high: float) -> Slack:
    """The slack bounds that keep a cover row's total (required - under + over) within [low, high]."""
    return (max(0.0, required - high), max(0.0, required - low), max(0.0, low - required), max(0.0, high - required))


DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4  # HiGHS's simplex_strategy


class Master(ABC):
    """The programme's columns and their bookkeeping, whatever solves it: each employee's schedules in the order
    they joined, and which are open (a closed one is held at 0)."""

    def __init__(self, instance: Instance, requests: dict[str, tuple[int, np.ndarray]],
                 pricers: dict[str, SchedulePricer]):
        self.instance, self.requests, self.pricers = instance, requests, pricers
        # Costed for every priced schedule: the shift positions are looked up once per employee, not per call.
        self.shift_index = {e: {s.id: k for k, s in enumerate(p.shifts)} for e, p in pricers.items()}
        self.seen: dict[str, set[Schedule]] = {e.id: set() for e in instance.staff}
        self.warm = False  # re-solve from the last basis where the solver would start afresh otherwise
        self.grown = True  # columns joined since the last solve
        self.rows: dict[tuple[int, str], object] = {}  # (day, shift) -> the solver's cover row
        self.required = {(c.day, c.shift): c.required for c in instance.cover}
        self.weights = {(c.day, c.shift): (c.under_weight, c.over_weight) for c in instance.cover}
        # A held total may be missed at a price: the columns so far may not reach a total that the pricing would
        # (an infeasible programme would prove nothing). Any price keeps the programme a relaxation of its node;
        # ten times the heaviest weight keeps it from paying where people can be moved, and its prices far below
        # what the pricing takes off for a held day (curtois_columns.FORCED).
        heaviest = max([1, *(max(c.under_weight, c.over_weight) for c in instance.cover),
                        *(r.weight for r in (*instance.on_requests, *instance.off_requests))])
        self.beyond = 10.0 * heaviest
        self.slack: dict[tuple[int, str], Slack] = {}  # rows whose total is held, with their slack's bounds
        self._build()

    @abstractmethod
    def _build(self) -> None:
        """A fresh programme with the blend and cover rows, the cover's slack and no columns."""

    @abstractmethod
    def _column(self, employee: str, schedule: Schedule) -> None:
        """The schedule as a new open column of the employee's blend."""

    @abstractmethod
    def set_open(self, employee: str, flags: list[bool]) -> None:
        """Open or close each of the employee's columns (a closed one is held at 0)."""

    @abstractmethod
    def _bound_slack(self, key: tuple[int, str], bounds: Slack) -> None:
        """Set the bounds of the row's under and over slack."""

    @abstractmethod
    def solve(self) -> Solved:
        """The programme's value, its prices of cover and of each employee's blend, and each column's weight."""

    def hold_totals(self, totals: Totals) -> None:
        """Keep exactly these rows' totals within their bounds (the others are free again)."""
        wanted = {key: slack_bounds(self.required[key], low, high) for key, (low, high) in totals.items()}
        for key in self.slack.keys() - wanted.keys():
            self._bound_slack(key, FREE_SLACK)
        for key, bounds in wanted.items():
            if self.slack.get(key) != bounds:
                self._bound_slack(key, bounds)
        self.slack = wanted

    def slack_floor(self, prices: dict[tuple[int, str], float]) -> float:
        """What the held rows' slack adds to the Lagrangian bound at these prices: each slack at the bound its
        reduced cost prefers (nothing where no total is held and the prices are the programme's)."""
        floor = 0.0
        for key, (under_low, under_high, over_low, over_high) in self.slack.items():
            under_weight, over_weight = self.weights[key]
            price = prices.get(key, 0.0)
            for reduced, low, high in ((under_weight - price, under_low, under_high),
                                       (over_weight + price, over_low, over_high)):
                floor += reduced * (low if reduced >= 0 else high)
        return floor

    def _forget(self) -> None:
        self.columns: dict[str, list] = {e.id: [] for e in self.instance.staff}
        self.open: dict[str, list[bool]] = {e.id: [] for e in self.instance.staff}
        self.schedules: dict[str, list[Schedule]] = {e.id: [] for e in self.instance.staff}

    def _joined(self, employee: str, schedule: Schedule, column: object) -> None:
        self.columns[employee].append(column)
        self.open[employee].append(True)
        self.schedules[employee].append(schedule)
        self.grown = True

    def _covered(self, schedule: Schedule) -> list:
        return [self.rows[d, s] for d, s in enumerate(schedule) if s is not None and (d, s) in self.rows]

    def _rebuild(self) -> None:
        """The same programme in a fresh solver: every column again, open or closed as it was."""
        kept = {e: list(zip(self.schedules[e], self.open[e], strict=True)) for e in self.columns}
        self._build()
        for e, columns in kept.items():
            for schedule, _ in columns:
                self._column(e, schedule)
            self.set_open(e, [is_open for _, is_open in columns])
        for key, bounds in self.slack.items():
            self._bound_slack(key, bounds)

    def cost(self, employee: str, schedule: Schedule) -> int:
        base, extra = self.requests[employee]
        index = self.shift_index[employee]
        return base + int(sum(extra[d, index[s]] for d, s in enumerate(schedule) if s is not None))

    def add(self, employee: str, schedule: Schedule) -> bool:
        if schedule in self.seen[employee]:
            return False
        self.seen[employee].add(schedule)
        self._column(employee, schedule)
        return True


class GlopMaster(Master):
    """The programme on GLOP through pywraplp. GLOP with its presolve starts again after any closed column (30-80 ms
    on instance 8); without it, it starts from the last basis. It does so while `warm` is set (in a tree), by the
    dual simplex after bounds alone changed and by the primal after columns joined. Not everywhere: on 13 the
    generation's solves then took longer (dual simplex throughout: 1.2 s against 0.55 s) and so did the dive's
    (warm: 153 ms against 135 ms)."""

    def _build(self) -> None:
        instance = self.instance
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        self.blend = {e.id: self.lp.Constraint(1, 1) for e in instance.staff}
        self.rows = {}
        self.slack_vars: dict[tuple[int, str], tuple[pywraplp.Variable, pywraplp.Variable]] = {}
        for c in instance.cover:
            row = self.lp.Constraint(c.required, c.required)
            under, over = self.lp.NumVar(0, self.lp.infinity(), ""), self.lp.NumVar(0, self.lp.infinity(), "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            for sign in (1, -1):
                beyond = self.lp.NumVar(0, self.lp.infinity(), "")
                row.SetCoefficient(beyond, sign)
                self.objective.SetCoefficient(beyond, self.beyond)
            self.objective.SetCoefficient(under, c.under_weight)
            self.objective.SetCoefficient(over, c.over_weight)
            self.rows[c.day, c.shift] = row
            self.slack_vars[c.day, c.shift] = (under, over)
        self._forget()

    def _column(self, employee: str, schedule: Schedule) -> None:
        column = self.lp.NumVar(0, self.lp.infinity(), "")
        self.blend[employee].SetCoefficient(column, 1)
        for row in self._covered(schedule):
            row.SetCoefficient(column, 1)
        self.objective.SetCoefficient(column, self.cost(employee, schedule))
        self._joined(employee, schedule, column)

    def set_open(self, employee: str, flags: list[bool]) -> None:
        for column, was, now in zip(self.columns[employee], self.open[employee], flags, strict=True):
            if was != now:
                column.SetUb(self.lp.infinity() if now else 0)
        self.open[employee] = list(flags)

    def _bound_slack(self, key: tuple[int, str], bounds: Slack) -> None:
        under, over = self.slack_vars[key]
        infinity = self.lp.infinity()
        under.SetBounds(bounds[0], min(bounds[1], infinity))
        over.SetBounds(bounds[2], min(bounds[3], infinity))

    def solve(self) -> Solved:
        # Changing the parameters keeps GLOP's basis; its presolve would change the programme and lose it.
        if self.warm:
            self.lp.SetSolverSpecificParametersAsString(
                f"use_preprocessing:false use_dual_simplex:{str(not self.grown).lower()}")
        else:
            self.lp.SetSolverSpecificParametersAsString("")
        self.grown = False
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            # GLOP's warm start can end ABNORMAL after many bounds changed back and forth (seen on instance 8 when
            # days were held and let go again, node after node); the same programme in a fresh solver solves.
            self._rebuild()
            status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"{self.instance.name}: the master linear programme ended {status}")
        prices = {key: row.dual_value() for key, row in self.rows.items()}
        blends = {e: row.dual_value() for e, row in self.blend.items()}
        # A closed column weighs nothing: asking the solver for each would cost more than the solve in a tree,
        # where most employees have one column open among thousands.
        weights = {e: [v.solution_value() if is_open else 0.0
                       for v, is_open in zip(columns, self.open[e], strict=True)]
                   for e, columns in self.columns.items()}
        return self.objective.Value(), prices, blends, weights


class HighsMaster(Master):
    """The programme on HiGHS without its presolve, so every solve goes on from the last basis: by the dual simplex
    after columns closed (the basis is no longer feasible), by the primal after columns joined alone."""

    def _build(self) -> None:
        instance = self.instance
        # highspy.Highs() turns on its callbacks before any option can be set, and that prints HiGHS's banner to
        # stdout (into the bench's table); the core solver it wraps has the same methods and stays quiet.
        self.lp = highspy._core._Highs()
        self.lp.setOptionValue("output_flag", False)
        self.lp.setOptionValue("threads", 1)
        self.lp.setOptionValue("presolve", "off")
        nothing, none = np.array([], dtype=np.int32), np.array([])
        self.blend = {e.id: i for i, e in enumerate(instance.staff)}
        self.slack_columns: dict[tuple[int, str], int] = {}  # (day, shift) -> its under slack; over is next
        for _ in instance.staff:
            self.lp.addRow(1.0, 1.0, 0, nothing, none)
        self.rows = {}
        for i, c in enumerate(instance.cover):
            row = len(instance.staff) + i
            self.lp.addRow(c.required, c.required, 0, nothing, none)
            for weight, sign in ((c.under_weight, 1.0), (c.over_weight, -1.0), (self.beyond, 1.0), (self.beyond, -1.0)):
                self.lp.addCol(weight, 0.0, highspy.kHighsInf, 1, np.array([row], dtype=np.int32), np.array([sign]))
            self.rows[c.day, c.shift] = row
            self.slack_columns[c.day, c.shift] = 4 * i
        self.count = 4 * len(instance.cover)  # columns in the programme, slack included
        self.bounds_moved = False  # since the last solve: then the last basis is no longer feasible
        self._forget()

    def _column(self, employee: str, schedule: Schedule) -> None:
        rows = [self.blend[employee], *self._covered(schedule)]
        self.lp.addCol(self.cost(employee, schedule), 0.0, highspy.kHighsInf, len(rows),
                       np.array(rows, dtype=np.int32), np.ones(len(rows)))
        self._joined(employee, schedule, self.count)
        self.count += 1

    def set_open(self, employee: str, flags: list[bool]) -> None:
        changed = [i for i, (was, now) in enumerate(zip(self.open[employee], flags, strict=True)) if was != now]
        if changed:
            indexes = np.array([self.columns[employee][i] for i in changed], dtype=np.int32)
            upper = np.array([highspy.kHighsInf if flags[i] else 0.0 for i in changed])
            self.lp.changeColsBounds(len(changed), indexes, np.zeros(len(changed)), upper)
            self.bounds_moved = True
        self.open[employee] = list(flags)

    def _bound_slack(self, key: tuple[int, str], bounds: Slack) -> None:
        under = self.slack_columns[key]
        self.lp.changeColsBounds(2, np.array([under, under + 1], dtype=np.int32), np.array([bounds[0], bounds[2]]),
                                 np.minimum(np.array([bounds[1], bounds[3]]), highspy.kHighsInf))
        self.bounds_moved = True

    def solve(self) -> Solved:
        self.lp.setOptionValue("simplex_strategy", DUAL_SIMPLEX if self.bounds_moved else PRIMAL_SIMPLEX)
        self.bounds_moved = self.grown = False
        self.lp.run()
        if self.lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # A warm start gone wrong after many bounds changed back and forth: a fresh solver solves.
            self._rebuild()
            self.lp.run()
        status = self.lp.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"{self.instance.name}: the master linear programme ended "
                               f"{self.lp.modelStatusToString(status)}")
        solution = self.lp.getSolution()
        duals, values = np.asarray(solution.row_dual), np.asarray(solution.col_value)
        prices = {key: float(duals[row]) for key, row in self.rows.items()}
        blends = {e: float(duals[row]) for e, row in self.blend.items()}
        weights = {e: values[columns].tolist() for e, columns in self.columns.items()}
        return self.lp.getInfo().objective_function_value, prices, blends, weights


MASTERS: dict[str, type[Master]] = {"glop": GlopMaster, "highs": HighsMaster}
