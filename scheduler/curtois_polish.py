"""Polishing a Curtois–Qu roster with the schedules found so far: each employee in turn takes the known schedule
that lowers the objective most with everybody else held, until none does.

Exact and cheap: with the others held, a cover row's cost moves by its under weight (short of the requirement) or
its over weight (at or past it) for each person added, so every known schedule of an employee is priced at once
by one lookup per day. The tree's nodes round their blend to a roster (each employee's heaviest column), which
rarely fits the cover as well as the blend does; polished, it often does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from scheduler.curtois import Instance
from scheduler.curtois_pricing import Schedule

Roster = Mapping[tuple[str, int], str]


class Polisher:
    """Every known schedule of every employee as shift codes per day (the last code: off) with its request cost,
    kept up to date with the pool as it grows."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.shifts = [s.id for s in instance.shifts]
        self.code = {s: k for k, s in enumerate(self.shifts)}
        self.off = len(self.shifts)
        days = instance.horizon
        self.days = np.arange(days)
        self.required = np.zeros((days, self.off), dtype=np.int64)
        self.under = np.zeros((days, self.off), dtype=np.int64)
        self.over = np.zeros((days, self.off), dtype=np.int64)
        for c in instance.cover:
            k = self.code[c.shift]
            self.required[c.day, k] = c.required  # one row per day and shift: the loader refuses a second
            self.under[c.day, k] = c.under_weight
            self.over[c.day, k] = c.over_weight
        self.base: dict[str, int] = {e.id: 0 for e in instance.staff}
        # employee -> [day, code]: what working that code on that day adds to the request cost (off adds nothing)
        self.extra = {e.id: np.zeros((days, self.off + 1), dtype=np.int64) for e in instance.staff}
        for r in instance.on_requests:
            self.base[r.employee] += r.weight
            self.extra[r.employee][r.day, self.code[r.shift]] -= r.weight
        for r in instance.off_requests:
            self.extra[r.employee][r.day, self.code[r.shift]] += r.weight
        self.codes = {e.id: np.empty((0, days), dtype=np.int64) for e in instance.staff}
        self.costs = {e.id: np.empty(0, dtype=np.int64) for e in instance.staff}

    def encode(self, schedule: Schedule) -> np.ndarray:
        return np.array([self.off if s is None else self.code[s] for s in schedule], dtype=np.int64)

    def _catch_up(self, employee: str, schedules: Sequence[Schedule]) -> None:
        """The schedules the pool gained since the last call join the arrays (the pool only ever grows)."""
        known = len(self.codes[employee])
        if len(schedules) > known:
            new = np.array([self.encode(s) for s in schedules[known:]], dtype=np.int64)
            costs = self.base[employee] + self.extra[employee][self.days, new].sum(axis=1)
            self.codes[employee] = np.vstack([self.codes[employee], new])
            self.costs[employee] = np.concatenate([self.costs[employee], costs])

    def polish(self, roster: Roster, schedules: Mapping[str, Sequence[Schedule]],
               movable: Collection[str] | None = None) -> dict[tuple[str, int], str]:
        """The roster after rounds over the employees (the `movable` ones; all by default), each taking their known
        schedule (from `schedules`, legal ones only) that costs least with the others held, until a round changes
        nobody; never worse than it was."""
        staff = [e.id for e in self.instance.staff]
        moving = staff if movable is None else [e for e in staff if e in movable]
        current = {e: self.encode([roster.get((e, d)) for d in range(self.instance.horizon)]) for e in staff}
        totals = np.zeros((self.instance.horizon, self.off + 1), dtype=np.int64)
        for codes in current.values():
            totals[self.days, codes] += 1
        marginal = np.zeros((self.instance.horizon, self.off + 1), dtype=np.int64)
        moved = True
        while moved:
            moved = False
            for e in moving:
                self._catch_up(e, schedules.get(e, ()))
                if not len(self.codes[e]):
                    continue
                now = current[e]
                totals[self.days, now] -= 1
                # One more person on a row short of its requirement saves its under weight; past it, costs over.
                marginal[:, :self.off] = np.where(totals[:, :self.off] < self.required, -self.under, self.over)
                priced = self.costs[e] + marginal[self.days, self.codes[e]].sum(axis=1)
                kept = self.base[e] + self.extra[e][self.days, now].sum() + marginal[self.days, now].sum()
                best = int(np.argmin(priced))
                if priced[best] < kept:
                    now = current[e] = self.codes[e][best]
                    moved = True
                totals[self.days, now] += 1
        return {(e, d): self.shifts[k] for e, codes in current.items() for d, k in enumerate(codes) if k != self.off}
