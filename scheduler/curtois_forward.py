"""The passes of the pricing programme (scheduler/curtois_pricing.py), compiled by numba: forward, one loop over
days, shifts, runs and resource cells, where numpy made some forty small calls a day whose overhead was most of
the column generation's time (83 % of a part's on instance 8); and back from the cheapest end, one state a day,
where Python then took half of a call. The arithmetic and the order of ties are the same, so the results are
equal to the last bit.

Resource cells are the programme's resource axes (weekends, counted caps, minute units) flattened in C order;
`use[t, c]` is the cell after working shift t from cell c, `weekend[c]` the cell one weekend up, -1 where that
passes the end of an axis (the state falls off)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

INF = math.inf


@njit(cache=True)
def forward(costs: np.ndarray, off_day: np.ndarray, follow: np.ndarray, use: np.ndarray, weekend: np.ndarray,
            first: np.ndarray, least: int, runs: int, rest: int, saturday: int,
            sunday: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled; tested through pricing
    """work[d, t, r, f, c] and off[d, q, c] of every day d, as _State in curtois_pricing.py defines them.

    costs[d, t]: the cost of shift t on day d; off_day[d]: a fixed day off; follow[t, s]: t may be worked the day
    after s; first[t]: the cell of working t on day 0 (-1: none); least: min consecutive shifts."""
    days, shifts, cells = costs.shape[0], use.shape[0], weekend.shape[0]  # costs may have more columns
    work = np.full((days, shifts, runs, 2, cells), INF)
    off = np.full((days, rest + 1, cells), INF)
    off[0, 0, 0] = 0.0
    if not off_day[0]:
        for t in range(shifts):
            if first[t] >= 0:
                work[0, t, 0, 1, first[t]] = costs[0, t]
    lowest_end = max(1, least) - 1
    ended = np.empty(cells)
    start = np.empty(cells)
    moved = np.empty(cells)
    carry = np.empty((shifts, max(runs - 1, 1), 2, cells))
    for d in range(1, days):
        w, o, nw, no = work[d - 1], off[d - 1], work[d], off[d]
        # The cell is the innermost loop everywhere: the arrays are contiguous along it.
        for c in range(cells):
            no[0, c] = o[0, c]
            ended[c] = INF
        for t in range(shifts):
            for r in range(runs):
                for c in range(cells):
                    ended[c] = min(ended[c], w[t, r, 1, c])
                if r >= lowest_end:
                    for c in range(cells):
                        ended[c] = min(ended[c], w[t, r, 0, c])
        if rest == 1:
            for c in range(cells):
                no[1, c] = min(ended[c], o[1, c])
        else:
            for c in range(cells):
                no[1, c] = ended[c]
                for q in range(2, rest):
                    no[q, c] = o[q - 1, c]
                no[rest, c] = min(o[rest - 1, c], o[rest, c])
        if off_day[d]:
            continue
        weekday = d % 7
        for c in range(cells):
            start[c] = min(o[0, c], o[rest, c])
        if weekday in (saturday, sunday):
            _one_weekend_up(start, weekend, moved)
        if runs > 1:
            for t in range(shifts):
                for r in range(runs - 1):
                    for f in range(2):
                        for c in range(cells):
                            carry[t, r, f, c] = INF
                        for s in range(shifts):
                            if follow[t, s]:
                                for c in range(cells):
                                    carry[t, r, f, c] = min(carry[t, r, f, c], w[s, r, f, c])
                        if weekday == saturday:  # on Sunday a run from Saturday has its weekend counted already
                            _one_weekend_up(carry[t, r, f], weekend, moved)
        for t in range(shifts):
            cost = costs[d, t]
            for c in range(cells):
                to = use[t, c]
                if to < 0:
                    continue
                nw[t, 0, 0, to] = start[c] + cost
                if runs > 1:
                    for r in range(runs - 1):
                        for f in range(2):
                            nw[t, r + 1, f, to] = carry[t, r, f, c] + cost
    return work, off


@njit(cache=True)
def _one_weekend_up(values: np.ndarray, weekend: np.ndarray,
                    scratch: np.ndarray) -> None:  # pragma: no cover - compiled; tested through pricing
    """The values moved one weekend up in place; what would pass the most weekends falls off."""
    for c in range(values.shape[0]):
        scratch[c] = INF
    for c in range(values.shape[0]):
        if weekend[c] >= 0:
            scratch[weekend[c]] = values[c]
    for c in range(values.shape[0]):
        values[c] = scratch[c]


@njit(cache=True)
def backward(work: np.ndarray, off: np.ndarray, low: int, minutes: int, before_use: np.ndarray,
             before_weekend: np.ndarray, follow: np.ndarray, least: int, rest: int, saturday: int,
             sunday: int) -> tuple[float, np.ndarray]:  # pragma: no cover - compiled; tested through pricing
    """The least cost of a whole schedule that works at least `low` minute units, and the shift index worked on
    each day (-1: off); INF and no days if there is none.

    The way back from the cheapest end, one state a day: each day's state came from the cheapest of the states the
    forward pass took the least of, in the forward pass's order (ties go to the first, as numpy's argmin and
    Python's min do). before_use[t, c] is the cell that working shift t moved to c (-1: none), before_weekend[c]
    the cell one weekend down; `minutes` is the length of the minute axis, the innermost of a cell."""
    days, shifts, runs = work.shape[0], work.shape[1], work.shape[2]
    cells = off.shape[2]
    best_work, t, r, f, c = INF, 0, 0, 0, 0
    for tt in range(shifts):
        for rr in range(runs):
            for ff in range(2):
                for cc in range(cells):
                    if cc % minutes >= low and work[days - 1, tt, rr, ff, cc] < best_work:
                        best_work, t, r, f, c = work[days - 1, tt, rr, ff, cc], tt, rr, ff, cc
    best_off, q, c_off = INF, 0, 0
    for qq in range(rest + 1):
        for cc in range(cells):
            if cc % minutes >= low and off[days - 1, qq, cc] < best_off:
                best_off, q, c_off = off[days - 1, qq, cc], qq, cc
    schedule = np.full(days, -1, dtype=np.int64)
    if min(best_work, best_off) == INF:
        return INF, schedule[:0]
    working = best_work <= best_off
    total = best_work if working else best_off
    if not working:
        c = c_off
    for d in range(days - 1, 0, -1):
        if working:
            schedule[d] = t
            weekday = d % 7
            came = before_use[t, c]
            if came >= 0 and (weekday == saturday or (r == 0 and weekday == sunday)):
                came = before_weekend[came]
            if r == 0:
                # from a day off: off since day 0, or rested
                first = off[d - 1, 0, came] if came >= 0 else INF
                last = off[d - 1, rest, came] if came >= 0 else INF
                working, q, c = False, (rest if last < first else 0), came
            else:
                best, pick = INF, -1
                for s in range(shifts):
                    if follow[t, s]:
                        value = work[d - 1, s, r - 1, f, came] if came >= 0 else INF
                        if pick < 0 or value < best:
                            best, pick = value, s
                t, r, c = pick, r - 1, came
        elif q == 1:
            best, kind, pt, pr, pf = INF, -1, 0, 0, 0
            for tt in range(shifts):
                for rr in range(runs):
                    for ff in range(2):
                        if ff == 1 or rr + 1 >= least:
                            value = work[d - 1, tt, rr, ff, c]
                            if kind < 0 or value < best:
                                best, kind, pt, pr, pf = value, 0, tt, rr, ff
            if rest == 1 and (kind < 0 or off[d - 1, 1, c] < best):
                kind = 1
            if kind == 0:
                working, t, r, f = True, pt, pr, pf
        elif q > 1 and not (q == rest and off[d - 1, q, c] < off[d - 1, q - 1, c]):
            q -= 1
    if working:
        schedule[0] = t
    return total, schedule
