"""A proven lower bound on under-staffing: a linear relaxation of the roster rules over whole legal shifts."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from scheduler.domain import Agent
from scheduler.roster_model import (
    Problem,
    RosterModel,
    _blocked,
    _on_grid,
    _open_slots,
    _required,
    _weeks,
    contract_bounds,
)
from scheduler.rules import RuleSet

# Why the bound holds. Every legal roster maps to a feasible point of this linear programme with the same
# under-staffing, so no roster is short by less than its optimum:
# - Agents with the same queues (their skills among the required ones), and while the programme stays small
#   the same weekly limits, form a group. Per day, a group's agents with the same blocked intervals (leave,
#   availability, rest after the previous roster) form a block of N agents who could all work the same shifts.
# - A column is one legal shift of a block: contiguous free open intervals, the start on the grid, work within
#   the daily limits, its breaks exactly as the model allows them (the §4 minimum for the work, the model's cap,
#   none near the start or end, never more than 6 h of work in a row). Per block the shifts sum to at most N,
#   as each agent works at most one shift a day.
# - Work at an interval goes to the agents' queues in any split; a queue's under-staffing at an interval is at
#   least its need less what it is given.
# - The weekly limits (days, the contract's upper hours) and §3's 8 h average over the period hold for each
#   agent, so they hold summed over a group.
# Dropped, which only makes the bound lower: integrality (whose shift is whose, whole agents per queue), the
# 11 h rest between days, two consecutive days off, runs of working days and free weekends, the lower contract
# hours and per-agent limits within a group. Requirements outside opening hours are not counted, as in the
# model's own under-staffing figure.
#
# The programme has about a thousand shifts per block and day, so it is solved by column generation: a master
# over the shifts found so far, and pricing by dynamic programming over break positions for all shifts at
# once. The bound returned does not trust the master's optimality: for any dual values λ <= 0 weak duality
# gives  LP >= λ·b + Σ_j min(0, r_j)·upper_j + Σ_blocks N · min(0, least reduced cost of a legal shift)
# (Farley's bound, with each block's shifts bounded by its agents), and pricing finds that least reduced cost
# exactly. So the bound is valid whenever the loop stops, and equal to the optimum once no shift prices out.

_NONE = -np.inf
_COLUMNS_PER_BLOCK = 6      # new shifts per block and round: more columns, fewer rounds
_MAX_ROUNDS = 100
_FINE_BLOCKS = 600          # above this many blocks, agents are grouped by their queues alone (a faster master)


class ProblemFacts:
    """What the bound reads of a RosterModel, computed from a Problem without building the CP-SAT model (a
    300-agent, 4-week model would not fit in memory)."""

    def __init__(self, problem: Problem):
        self.p = problem
        self.step = pd.Timedelta(minutes=problem.site.interval_minutes)
        self.slots = {day: _open_slots(problem.site, day) for day in problem.days}
        self.required = _required(problem.requirements)
        self.blocked = {(a.agent_id, day): _blocked(a, day, self.slots[day], self.step, problem.absences,
                                                    problem.previous, problem.rules, problem.site, problem.following)
                        for a in problem.agents for day in problem.days}

    def _contract_bounds(self, agent: Agent, week_days: list[dt.date]) -> tuple[int, int]:
        return contract_bounds(self.p, self.slots, agent, week_days)


def under_staffing_lower_bound(model: RosterModel | Problem,
                               weights: Mapping[tuple[str, pd.Timestamp], float] | None = None,
                               time_limit_s: float = 60.0) -> float:
    """The least total under-staffing (missing agent-intervals; with `weights`, the least sum of weight ×
    missing agents by (queue, interval start), keys not given cost nothing) that any legal roster of the
    model's problem can have. Stops improving after `time_limit_s`; what it returns is a lower bound either way."""
    if isinstance(model, Problem):
        model = ProblemFacts(model)
    integral = weights is None or all(float(w).is_integer() for w in weights.values())
    bound = _Relaxation(model, weights).solve(time_limit_s, integral)
    # An integral objective lets the bound round up; the slack only absorbs floating-point error.
    slack = 1e-6 * max(1.0, abs(bound))
    return float(max(0.0, math.ceil(bound - slack) if integral else bound - slack))


# --- shift shapes -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Breaks:
    """The rules' break arithmetic on the interval grid, as the model states it."""

    spans: np.ndarray       # every span (work + breaks, in intervals) a legal shift may have
    counts: np.ndarray      # bool (span index, break intervals): that many breaks make a legal shift
    before: int             # no break in the first `before` intervals of a shift ...
    after: int              # ... or in its last `after`
    run: int                # at most this many intervals of work in a row

    @property
    def most(self) -> int:
        return self.counts.shape[1] - 1


def _breaks(rules: RuleSet, unit: int, longest: int) -> _Breaks:
    min_work = math.ceil(rules.min_shift_minutes / unit)
    max_work = rules.max_daily_work_minutes // unit
    most = math.ceil(rules.break_over_9h_minutes / unit)

    def least(work: int) -> int:
        # As the model: the 6 h and the 9 h thresholds each add their break intervals.
        return (math.ceil(rules.break_over_6h_minutes / unit) * (work > 6 * 60 // unit)
                + math.ceil((rules.break_over_9h_minutes - rules.break_over_6h_minutes) / unit)
                * (work > 9 * 60 // unit))

    spans, counts = [], []
    for span in range(1, min(max_work + most, longest) + 1):
        legal = [min_work <= span - b <= max_work and b >= least(span - b) for b in range(most + 1)]
        if any(legal):
            spans.append(span)
            counts.append(legal)
    return _Breaks(np.array(spans, dtype=np.int64), np.array(counts, dtype=bool).reshape(len(spans), most + 1),
                   math.ceil(rules.min_work_before_break_minutes / unit),
                   math.ceil(rules.min_work_after_break_minutes / unit),
                   rules.max_work_without_break_minutes // unit)


# --- groups and blocks --------------------------------------------------------------------------------------

@dataclass
class _Group:
    queues: tuple[str, ...]
    days_a_week: list[int]      # per week: the sum over the group's agents of the days they may work
    work_a_week: list[int]      # per week: the sum of the contracts' upper bounds, in intervals
    blocks: dict[tuple[dt.date, frozenset[int]], int] = field(default_factory=dict)  # (day, blocked) -> agents


@dataclass(frozen=True)
class _Block:
    group: int
    day: dt.date
    agents: int
    starts: np.ndarray          # bool per open interval: a shift of this block may start here
    reach: np.ndarray           # per open interval: free adjacent open intervals from it on


class _Calendar:
    """Per day: the start grid, and per set of blocked intervals how far free time reaches (computed once)."""

    def __init__(self, model: RosterModel):
        self.model = model
        rules, site = model.p.rules, model.p.site
        self.grid = {day: np.array([_on_grid(t, rules.start_granularity_minutes, site) for t in slots], dtype=bool)
                     for day, slots in model.slots.items()}
        self._reach: dict[tuple[dt.date, frozenset[int]], np.ndarray] = {}

    def reach(self, day: dt.date, blocked: frozenset[int]) -> np.ndarray:
        """Per open interval: how many free, adjacent open intervals run from it (itself included)."""
        key = (day, blocked)
        if key not in self._reach:
            slots = self.model.slots[day]
            reach = np.zeros(len(slots) + 1, dtype=np.int64)
            for i in range(len(slots) - 1, -1, -1):
                if i in blocked:
                    continue
                adjacent = i + 1 < len(slots) and slots[i + 1] - slots[i] == self.model.step
                reach[i] = 1 + (reach[i + 1] if adjacent else 0)
            self._reach[key] = reach[:-1]
        return self._reach[key]


def _groups(model: RosterModel, calendar: _Calendar, shortest: int) -> list[_Group]:
    """Agents with the same queues and weekly limits, with their per-day blocks and summed weekly limits."""
    p, unit = model.p, model.p.site.interval_minutes
    weeks = _weeks(p.days)
    groups: dict[tuple, _Group] = {}
    for agent in p.agents:
        queues = tuple(sorted(q for q in agent.skills if q in model.required.queues))
        if not queues:
            continue  # an agent without a required skill covers nothing
        limits = [_day_limit(agent, week, p.rules) for week in weeks]
        highs = [model._contract_bounds(agent, week)[1] // unit for week in weeks]
        group = groups.setdefault((queues, tuple(limits), tuple(highs)),
                                  _Group(queues, [0] * len(weeks), [0] * len(weeks)))
        for w, week in enumerate(weeks):
            usable = 0
            for day in week:
                blocked = frozenset(model.blocked[(agent.agent_id, day)])
                if not model.slots[day] or calendar.reach(day, blocked).max() < shortest:
                    continue
                usable += 1
                group.blocks[(day, blocked)] = group.blocks.get((day, blocked), 0) + 1
            group.days_a_week[w] += min(limits[w], usable)
            group.work_a_week[w] += highs[w]
    return list(groups.values())


def _by_queues(groups: list[_Group]) -> list[_Group]:
    """The groups with the same queues merged: their limits and blocks summed (a coarser relaxation)."""
    merged: dict[tuple[str, ...], _Group] = {}
    for g in groups:
        into = merged.setdefault(g.queues, _Group(g.queues, [0] * len(g.days_a_week), [0] * len(g.work_a_week)))
        into.days_a_week = [a + b for a, b in zip(into.days_a_week, g.days_a_week, strict=True)]
        into.work_a_week = [a + b for a, b in zip(into.work_a_week, g.work_a_week, strict=True)]
        for key, agents in g.blocks.items():
            into.blocks[key] = into.blocks.get(key, 0) + agents
    return list(merged.values())


def _day_limit(agent: Agent, week: list[dt.date], rules: RuleSet) -> int:
    limit = agent.max_days_per_week
    return min(limit, 7 - rules.min_days_off_per_week) if len(week) == 7 else limit


def _needs(model: RosterModel, weights: Mapping[tuple[str, pd.Timestamp], float] | None
           ) -> dict[tuple[str, dt.date, int], tuple[float, float]]:
    """(queue, day, open interval) -> (agents needed, cost per missing agent), for positive needs and costs."""
    tz = model.p.site.timezone
    index = {day: {t.value: i for i, t in enumerate(slots)} for day, slots in model.slots.items()}
    needs = {}
    for (queue, start), need in model.required.need.items():
        weight = 1.0 if weights is None else float(weights.get((queue, start), 0.0))
        day = start.tz_convert(tz).date()
        i = index.get(day, {}).get(start.value)
        if need > 0 and weight > 0 and i is not None:
            needs[(queue, day, i)] = (float(need), weight)
    return needs


# --- pricing ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Priced:
    """Per group of a day, start and span: the least reduced cost of a shift (before the block's constant),
    and where its breaks go."""

    value: np.ndarray           # (group, start, span index); inf where no legal shift
    count: np.ndarray           # its number of breaks
    last: np.ndarray            # the offset of its last break
    parent: dict[int, np.ndarray]  # per break count k >= 2, by (group, start, offset): the previous break


def _price_day(u: np.ndarray, shapes: _Breaks) -> _Priced:
    """u[g, t]: what one interval of work at t adds to a shift's reduced cost. A shift's breaks take the
    intervals where work adds most, by dynamic programming over each break's offset, for all starts at once."""
    groups, n = u.shape
    width = int(shapes.spans[shapes.spans <= n].max(initial=1))
    offset = np.arange(width)
    index = np.arange(n)[:, None] + offset[None, :]
    works = np.where((index < n)[None], u[:, np.minimum(index, n - 1)], _NONE)    # (group, start, offset)
    # best[k][g, s, p]: the most k breaks can take out with the k-th at offset p, every run of work before it
    # legal: the first after `before` intervals and within `run`, each next within `run` + 1 of the last.
    first = works.copy()
    first[..., :shapes.before] = _NONE
    first[..., shapes.run + 1:] = _NONE
    best, parent = {1: first}, {}
    for k in range(2, shapes.most + 1):
        top = np.full_like(works, _NONE)
        arg = np.zeros(works.shape, dtype=np.int64)
        for gap in range(1, min(shapes.run + 1, width - 1) + 1):
            candidate = np.full_like(works, _NONE)
            candidate[..., gap:] = best[k - 1][..., :-gap]
            better = candidate > top
            top = np.where(better, candidate, top)
            arg = np.where(better, offset - gap, arg)
        best[k], parent[k] = works + top, arg
    shape = (groups, n, len(shapes.spans))
    value = np.full(shape, np.inf)
    count = np.zeros(shape, dtype=np.int64)
    last = np.zeros(shape, dtype=np.int64)
    cumulative = np.concatenate([np.zeros((groups, 1)), np.cumsum(u, axis=1)], axis=1)
    for j, span in enumerate(shapes.spans):
        if span > n:
            continue
        starts = np.arange(n - span + 1)
        total = cumulative[:, starts + span] - cumulative[:, starts]
        taken = np.full((groups, len(starts)), _NONE)
        chosen, at = np.zeros(taken.shape, dtype=np.int64), np.zeros(taken.shape, dtype=np.int64)
        if shapes.counts[j, 0] and span <= shapes.run:
            taken[:] = 0.0
        lo, hi = max(span - 1 - shapes.run, 0), span - 1 - shapes.after   # the last run of work legal too
        for k in range(1, shapes.most + 1):
            if not shapes.counts[j, k] or hi < lo:
                continue
            window = best[k][:, starts, lo:hi + 1]
            here = window.max(axis=2)
            better = here > taken
            taken = np.where(better, here, taken)
            chosen = np.where(better, k, chosen)
            at = np.where(better, lo + window.argmax(axis=2), at)
        value[:, starts, j] = np.where(taken > _NONE, total - taken, np.inf)
        count[:, starts, j], last[:, starts, j] = chosen, at
    return _Priced(value, count, last, parent)


def _break_offsets(priced: _Priced, g: int, s: int, j: int) -> list[int]:
    k, p = int(priced.count[g, s, j]), int(priced.last[g, s, j])
    offsets = []
    for level in range(k, 0, -1):
        offsets.append(p)
        if level >= 2:
            p = int(priced.parent[level][g, s, p])
    return offsets


# --- the relaxation -----------------------------------------------------------------------------------------

class _Relaxation:
    """The master programme (min cost·x, A x <= b, 0 <= x <= upper) over the shifts found so far."""

    def __init__(self, model: RosterModel, weights: Mapping[tuple[str, pd.Timestamp], float] | None):
        p, unit = model.p, model.p.site.interval_minutes
        self.model = model
        self.shapes = _breaks(p.rules, unit, max((len(s) for s in model.slots.values()), default=0))
        weeks = _weeks(p.days)
        self.week_of = {day: w for w, week in enumerate(weeks) for day in week}
        self.average = p.rules.average_daily_work_minutes // unit
        shortest = int(self.shapes.spans.min()) if len(self.shapes.spans) else 10 ** 9
        calendar = _Calendar(model)
        self.groups = _groups(model, calendar, shortest)
        if sum(len(g.blocks) for g in self.groups) > _FINE_BLOCKS:
            self.groups = _by_queues(self.groups)
        self.blocks = [_Block(g, day, agents, calendar.grid[day] & (calendar.reach(day, blocked) >= shortest),
                              calendar.reach(day, blocked))
                       for g, group in enumerate(self.groups) for (day, blocked), agents in group.blocks.items()]
        needs = _needs(model, weights)
        self._rows(needs, len(weeks))
        self.columns: list[tuple[np.ndarray, np.ndarray]] = []   # (rows, values) of each shift found
        self.column_block: list[int] = []
        self.seen: set[tuple[int, int, int, tuple[int, ...]]] = set()

    def _rows(self, needs: dict[tuple[str, dt.date, int], tuple[float, float]], weeks: int) -> None:
        """Rows: need per (queue, day, interval); for agents with several queues, their work per (queues, day,
        interval), as only the set of queues decides where work may go; per block; per group and week (days,
        work); per group (§3 average). Fixed columns: under-staffing, and work given to a queue."""
        need_row = {key: i for i, key in enumerate(needs)}
        rows = len(needs)
        r, c, v = list(range(len(needs))), list(range(len(needs))), [-1.0] * len(needs)
        cost = [weight for _need, weight in needs.values()]
        upper = [need for need, _weight in needs.values()]
        agents_on: dict[tuple[tuple[str, ...], dt.date], int] = {}
        for b in self.blocks:
            key = (self.groups[b.group].queues, b.day)
            agents_on[key] = agents_on.get(key, 0) + b.agents
        # cover[(queues, day)][t]: the row an interval of their work at t enters; -1 where none of them is needed.
        self.cover: dict[tuple[tuple[str, ...], dt.date], np.ndarray] = {}
        for (queues, day), agents in sorted(agents_on.items()):
            n = len(self.model.slots[day])
            if len(queues) == 1:
                self.cover[(queues, day)] = np.array([need_row.get((queues[0], day, i), -1) for i in range(n)])
                continue
            cover = np.full(n, -1)
            for i in range(n):
                wanted = [need_row[(q, day, i)] for q in queues if (q, day, i) in need_row]
                if wanted:
                    cover[i], rows = rows, rows + 1
                for row in wanted:
                    # Work given to a queue that needs it; surplus work may go anywhere, so is not given at all.
                    r += [cover[i], row]
                    c += [len(cost)] * 2
                    v += [1.0, -1.0]
                    cost.append(0.0)
                    upper.append(agents)
            self.cover[(queues, day)] = cover
        self.block_row = np.arange(rows, rows + len(self.blocks))
        rows += len(self.blocks)
        self.days_row = {(g, w): rows + 2 * (g * weeks + w) for g in range(len(self.groups)) for w in range(weeks)}
        self.work_row = {key: row + 1 for key, row in self.days_row.items()}
        rows += 2 * len(self.groups) * weeks
        self.average_row = {g: rows + g for g in range(len(self.groups))}
        rows += len(self.groups)
        self.rhs = np.zeros(rows)
        self.rhs[:len(needs)] = [-need for need, _weight in needs.values()]
        self.rhs[self.block_row] = [b.agents for b in self.blocks]
        for (g, w), row in self.days_row.items():
            self.rhs[row] = self.groups[g].days_a_week[w]
            self.rhs[self.work_row[(g, w)]] = self.groups[g].work_a_week[w]
        self.fixed = sparse.csc_array((v, (r, c)), shape=(rows, len(cost)))
        self.fixed_cost = np.array(cost, dtype=float)
        self.fixed_upper = np.array(upper, dtype=float)

    def solve(self, time_limit_s: float, integral: bool) -> float:
        """Column generation until no shift prices out, the bound meets the master, or the time is up."""
        if not len(self.fixed_cost):
            return 0.0
        started, bound = time.perf_counter(), 0.0
        for _round in range(_MAX_ROUNDS):
            value, duals = self._master()
            if duals is None:
                break
            found, least = self._price(duals)
            bound = max(bound, self._farley(duals, least))
            slack = 1e-6 * max(1.0, abs(value))
            met = value - bound <= slack or (integral and math.ceil(bound - slack) >= math.ceil(value - slack))
            if not found or met or time.perf_counter() - started > time_limit_s:
                break
        return bound

    def _master(self) -> tuple[float, np.ndarray | None]:
        """The master's optimum and its dual values (<= 0, one per row)."""
        if self.columns:
            r = np.concatenate([rows for rows, _ in self.columns])
            v = np.concatenate([values for _, values in self.columns])
            c = np.repeat(np.arange(len(self.columns)), [len(rows) for rows, _ in self.columns])
            shifts = sparse.csc_array((v, (r, c)), shape=(len(self.rhs), len(self.columns)))
            matrix = sparse.hstack([self.fixed, shifts], format="csr")
        else:
            matrix = self.fixed.tocsr()
        cost = np.concatenate([self.fixed_cost, np.zeros(len(self.columns))])
        upper = np.concatenate([self.fixed_upper, [float(self.blocks[b].agents) for b in self.column_block]])
        # The interior-point method: the dual simplex stalls on this degenerate programme.
        result = linprog(cost, A_ub=matrix, b_ub=self.rhs, bounds=np.column_stack([np.zeros_like(upper), upper]),
                         method="highs-ipm")
        if result.status != 0:
            return math.inf, None
        return float(result.fun), np.minimum(result.ineqlin.marginals, 0.0)

    def _price(self, duals: np.ndarray) -> tuple[bool, np.ndarray]:
        """Adds each block's best new shifts; returns whether any was added, and per block the least reduced
        cost of any of its legal shifts without the block's own row (its agents bound it in Farley's bound)."""
        least = np.zeros(len(self.blocks))
        found = False
        by_day: dict[dt.date, list[int]] = {}
        for i, b in enumerate(self.blocks):
            by_day.setdefault(b.day, []).append(i)
        for day, members in by_day.items():
            groups = sorted({self.blocks[i].group for i in members})
            position = {g: k for k, g in enumerate(groups)}
            w = self.week_of[day]
            # A shift's reduced cost is Σ over its work intervals of u[t], plus a constant per block: u[t] from
            # the rows an interval of work enters (coverage at t, the week's work, the §3 average).
            u = np.array([self._cover_duals(duals, g, day) - duals[self.work_row[(g, w)]]
                          - duals[self.average_row[g]] for g in groups])
            priced = _price_day(u, self.shapes)
            for i in members:
                b = self.blocks[i]
                constant = -duals[self.days_row[(b.group, w)]] + self.average * duals[self.average_row[b.group]]
                legal = b.starts[:, None] & (self.shapes.spans[None, :] <= b.reach[:, None])
                values = np.where(legal, priced.value[position[b.group]], np.inf) + constant
                lowest = float(values.min())
                least[i] = min(0.0, lowest) if math.isfinite(lowest) else 0.0
                # In the master, the block's row adds -its dual: only shifts still negative then improve it.
                found |= self._add_best(i, values - duals[self.block_row[i]], priced, position[b.group])
        return found, least

    def _cover_duals(self, duals: np.ndarray, g: int, day: dt.date) -> np.ndarray:
        cover = self.cover[(self.groups[g].queues, day)]
        return np.where(cover >= 0, duals[np.maximum(cover, 0)], 0.0)

    def _add_best(self, i: int, values: np.ndarray, priced: _Priced, g: int) -> bool:
        b = self.blocks[i]
        w = self.week_of[b.day]
        added = 0
        for flat in np.argsort(values, axis=None)[:4 * _COLUMNS_PER_BLOCK]:
            s, j = np.unravel_index(flat, values.shape)
            if added == _COLUMNS_PER_BLOCK or not values[s, j] < -1e-9:
                break
            span = int(self.shapes.spans[j])
            breaks = tuple(sorted(int(s) + o for o in _break_offsets(priced, g, int(s), int(j))))
            if (i, int(s), span, breaks) in self.seen:
                continue
            self.seen.add((i, int(s), span, breaks))
            work = np.array([t for t in range(s, s + span) if t not in breaks])
            cover = self.cover[(self.groups[b.group].queues, b.day)][work]
            rows = np.concatenate([cover[cover >= 0], [self.block_row[i], self.days_row[(b.group, w)],
                                                      self.work_row[(b.group, w)], self.average_row[b.group]]])
            values_ = np.concatenate([np.full(int((cover >= 0).sum()), -1.0),
                                      [1.0, 1.0, float(len(work)), float(len(work) - self.average)]])
            self.columns.append((rows.astype(np.int64), values_))
            self.column_block.append(i)
            added += 1
        return added > 0

    def _farley(self, duals: np.ndarray, least: np.ndarray) -> float:
        """Weak duality with each block's shifts kept as the set {y >= 0, Σ y <= N}: for any x of the full
        programme, cost·x >= λ·b + Σ_fixed min(0, r_j)·upper_j + Σ_blocks N · least."""
        duals = duals.copy()
        duals[self.block_row] = 0.0
        reduced = self.fixed_cost - self.fixed.T @ duals
        agents = np.array([b.agents for b in self.blocks], dtype=float)
        return float(math.fsum(duals * self.rhs) + math.fsum(np.minimum(0.0, reduced) * self.fixed_upper)
                     + math.fsum(agents * least))
