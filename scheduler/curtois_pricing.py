"""One employee's cheapest legal schedule for given costs per day and shift: a dynamic programme over the days.

The state after a day is the run in progress (the shift worked and how many days in a row, or how many days off in a
row), the weekends worked so far and the minutes worked so far; the rules about runs, successions, fixed days off,
weekends and total minutes are exact in it. The caps per shift type are not in the state (it would multiply by each
cap): a schedule over a cap loses its dearest shifts of that type and every unused one, and is solved again, until it
keeps every cap or nothing is left. Column generation (scheduler/curtois_columns.py) calls this for every employee in
every round, so the passes over the days, forward and back from the cheapest end, are compiled
(scheduler/curtois_forward.py).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from scheduler.curtois import WEEKEND_DAYS, Instance, Staff
from scheduler.curtois_forward import backward, forward
from scheduler.curtois_model import cheapest_schedule

Schedule = tuple[str | None, ...]  # the shift worked on each day of the horizon, None on a day off
INF = math.inf
SATURDAY, SUNDAY = WEEKEND_DAYS


@dataclass(frozen=True)
class Priced:
    cost: float  # the sum of the given costs over the schedule's shifts
    schedule: Schedule
    floor: float = -math.inf  # no legal schedule costs less (the cost itself unless a cap per shift type binds)


class SchedulePricer:
    """Prices schedules of one employee: `cheapest(costs)` with costs[day, k] for the k-th of `self.shifts`."""

    PENALTY_ROUNDS = 12

    def __init__(self, instance: Instance, staff: Staff, max_state: int = 400_000):
        """max_state: cells a day the programme may grow to with the caps per shift type counted."""
        self.instance, self.staff, horizon = instance, staff, instance.horizon
        self.shifts = [s for s in instance.shifts if staff.max_shifts.get(s.id, horizon) > 0]
        unit = math.gcd(*(s.minutes for s in self.shifts)) if self.shifts else 1
        self.length = [s.minutes // unit for s in self.shifts]
        self.fewest, self.most = -(-staff.min_total_minutes // unit), staff.max_total_minutes // unit
        # may_follow[t] = indexes of the shifts after which shift t may be worked the next day
        self.may_follow = [np.array([i for i, s in enumerate(self.shifts) if t.id not in s.forbidden_next], dtype=int)
                           for t in self.shifts]
        self.caps = [staff.max_shifts.get(s.id, horizon) for s in self.shifts]
        self.off_days = instance.days_off.get(staff.id, frozenset())
        self.runs = max(1, staff.max_consecutive_shifts)
        self.rest = max(1, staff.min_consecutive_days_off)
        self.weekends = max(0, staff.max_weekends)
        self.max_state = max_state
        self.off_day = np.array([d in self.off_days for d in range(horizon)], dtype=bool)
        self.follow = np.zeros((len(self.shifts), len(self.shifts)), dtype=bool)  # [t, s]: t may come after s
        for t, before in enumerate(self.may_follow):
            self.follow[t, before] = True
        self._states: dict[tuple[int, ...], _State] = {}

    @property
    def size(self) -> int:
        """Cells of the programme's state per day: what one call costs, roughly."""
        return (len(self.shifts) * self.runs * 2 + self.rest + 1) * (self.weekends + 1) * (self.most + 1)

    def cheapest(self, costs: np.ndarray, exact_seconds: float = 0.0) -> Priced | None:
        """The legal schedule of least total cost, or None if no schedule keeps every hard rule.

        The caps per shift type join the programme's state one by one, as the cheapest schedule without them goes
        over them: exact while the state stays within `max_state` cells a day. Past that the heuristics below
        give a legal schedule and the relaxation a floor; exact_seconds > 0 then gives CP-SAT that long to find
        the cheapest schedule with every cap."""
        costs = np.array(costs, dtype=float)
        found, counted = self._counting(costs)
        if found is None or not self._over_caps(found.schedule):
            return found if found is None else Priced(found.cost, found.schedule, found.cost)
        # Without some caps the programme is a relaxation: its optimum is a floor for what the caps allow.
        floor = found.cost
        candidates = [c for c in (self._penalised(costs, counted), self._dropped(costs, counted)) if c is not None]
        best = min(candidates, key=lambda c: c.cost) if candidates else None
        if exact_seconds > 0:
            # CP-SAT knows the caps: from the heuristics' best, it proves the optimum or finds better.
            exact = cheapest_schedule(self.instance, self.staff, {
                (d, s.id): costs[d, k] for d in range(len(costs)) for k, s in enumerate(self.shifts)},
                best.schedule if best else None, exact_seconds)
            if exact is not None:
                floor = max(floor, exact.floor)
                cost = self._cost(costs, exact.schedule)
                if best is None or cost < best.cost:
                    best = Priced(cost, exact.schedule)
        return best if best is None else Priced(best.cost, best.schedule, min(floor, best.cost))

    def _counting(self, costs: np.ndarray) -> tuple[Priced | None, tuple[int, ...]]:
        """The cheapest schedule with the caps it went over counted in the state, one after another, while the
        state fits; and the caps counted."""
        counted: tuple[int, ...] = ()
        found = self._solve(costs, counted)
        while found is not None and (over := self._over_caps(found.schedule)):
            wider = tuple(sorted({*counted, *over}))
            if self._state_size(wider) > self.max_state:
                break
            counted = wider
            found = self._solve(costs, counted)
        return found, counted

    def _state_size(self, counted: tuple[int, ...]) -> int:
        return self.size * math.prod(self.caps[k] + 1 for k in counted)

    def _penalised(self, costs: np.ndarray, counted: tuple[int, ...]) -> Priced | None:
        """A binding cap as a price: each shift of a type over its cap costs more, doubling, until none is over."""
        finite = np.abs(costs[np.isfinite(costs)])
        # The median, not the mean: a day held by the column generation costs a million less than the others.
        step = np.full(len(self.shifts), max(1.0, float(np.median(finite)) if finite.size else 1.0))
        penalty = np.zeros(len(self.shifts))
        for _ in range(self.PENALTY_ROUNDS):
            over = self._over_caps(found.schedule) if (found := self._solve(costs + penalty, counted)) else None
            if found is None:
                return None
            if not over:
                return Priced(self._cost(costs, found.schedule), found.schedule)
            penalty[over] += step[over]
            step[over] *= 2
        return None

    def _dropped(self, costs: np.ndarray, counted: tuple[int, ...]) -> Priced | None:
        """A schedule over a cap keeps the cap's worth of its cheapest days of that type; the other days of that
        type go, and it is solved again until it keeps every cap (each round removes days, so this ends)."""
        costs = costs.copy()
        while (found := self._solve(costs, counted)) is not None:
            over = self._over_caps(found.schedule)
            if not over:
                return found
            for k in over:
                worked = sorted((costs[d, k], d) for d, s in enumerate(found.schedule) if s == self.shifts[k].id)
                keep = {d for _, d in worked[:self.caps[k]]}
                costs[[d for d in range(len(costs)) if d not in keep], k] = INF
        return None

    def _cost(self, costs: np.ndarray, schedule: Schedule) -> float:
        index = {s.id: k for k, s in enumerate(self.shifts)}
        return float(sum(costs[d, index[s]] for d, s in enumerate(schedule) if s is not None))

    def _over_caps(self, schedule: Schedule) -> list[int]:
        counts = Counter(schedule)
        return [k for k, s in enumerate(self.shifts) if counts[s.id] > self.caps[k]]

    def _solve(self, costs: np.ndarray, counted: tuple[int, ...] = ()) -> Priced | None:
        days = self.instance.horizon
        if max(0, self.fewest) > self.most:
            return None
        if not self.shifts:
            return Priced(0.0, (None,) * days) if self.fewest <= 0 else None
        if counted not in self._states:
            self._states[counted] = _State(self, counted)
        state = self._states[counted]
        work, off = forward(np.ascontiguousarray(costs, dtype=float), self.off_day, self.follow, state.use,
                            state.weekend, state.first, self.staff.min_consecutive_shifts, self.runs, self.rest,
                            SATURDAY, SUNDAY)
        total, worked = backward(work, off, max(0, self.fewest), state.resources[-1], state.before_use,
                                 state.before_weekend, self.follow, max(1, self.staff.min_consecutive_shifts),
                                 self.rest, SATURDAY, SUNDAY)
        if total == INF:
            return None
        return Priced(float(total), tuple(None if k < 0 else self.shifts[k].id for k in worked))


class _State:
    """The programme's arrays for one set of counted caps.

    work[t, r, f, w, c..., m] = least cost of the days so far, ending with shift t worked r + 1 days in a row (f = 1:
    the run began on day 0, so it may be shorter than the minimum), w weekends worked, c shifts worked of each
    counted type and m minute units worked; off[q, w, c..., m] likewise ending with q days off in a row (q = 0: off
    since day 0; q = rest: rest or more). The axes after the run are the resources: what a shift uses up."""

    def __init__(self, pricer: SchedulePricer, counted: tuple[int, ...]):
        self.p = pricer
        self.counted = counted
        self.resources = (pricer.weekends + 1, *(pricer.caps[k] + 1 for k in counted), pricer.most + 1)
        # The compiled forward pass (scheduler/curtois_forward.py) moves between flattened resource cells.
        cells = np.indices(self.resources).reshape(len(self.resources), -1)
        self.weekend = self._cell(cells, (1, *(0,) * (len(self.resources) - 1)))
        self.use = np.array([self._cell(cells, (0, *self._used(t))) for t in range(len(pricer.shifts))],
                            dtype=np.int64).reshape(len(pricer.shifts), -1)
        self.first = self.use[:, 0].copy()
        # The way back (scheduler/curtois_forward.py) asks where a cell came from: the moves inverted.
        self.before_use = np.full_like(self.use, -1)
        for t, moves in enumerate(self.use):
            self.before_use[t, moves[moves >= 0]] = np.flatnonzero(moves >= 0)
        self.before_weekend = np.full_like(self.weekend, -1)
        self.before_weekend[self.weekend[self.weekend >= 0]] = np.flatnonzero(self.weekend >= 0)

    def _cell(self, cells: np.ndarray, step: tuple[int, ...]) -> np.ndarray:
        """The flattened cell each cell moves to by `step` along the resource axes, -1 where it falls off."""
        moved = cells + np.array(step)[:, np.newaxis]
        inside = np.all(moved < np.array(self.resources)[:, np.newaxis], axis=0)
        out = np.full(cells.shape[1], -1, dtype=np.int64)
        out[inside] = np.ravel_multi_index(tuple(moved[:, inside]), self.resources)
        return out

    def _used(self, t: int) -> tuple[int, ...]:
        """What working shift t adds to the resources after the weekends: one of its type if counted, its minutes."""
        return (*(int(t == k) for k in self.counted), self.p.length[t])
