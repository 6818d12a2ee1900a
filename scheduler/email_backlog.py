"""E-mail and ticket backlog: the fewest agents per open interval that answer every e-mail within H business hours.

Time counts in open intervals only (the caller passes the site's open intervals in order), so closed nights
and weekends do not count toward a deadline, and e-mails that arrive while the site is closed are passed as
arrivals of the next open interval. With D = ``answer_within_intervals``, an e-mail that arrives in interval t
may be answered in t itself and must be answered by the end of interval t + D - 1 (D = 1 means "in the interval
it arrives"). Deadlines after the last interval are moved to the last interval: the plan leaves no backlog at
the end of the horizon (plan a few days more if that end matters). To turn H business hours into D, use
``answer_within_intervals(H, interval_s)``.

Work and capacity. The e-mails of interval t bring arrivals[t] * aht_s[t] seconds of work; one agent working
the backlog for an interval does interval_s * occupancy seconds (occupancy 0.9 by default). Work is answered
first in, first out; with equal deadlines for all e-mails this is also earliest deadline first, so a plan can
meet the deadlines at all exactly when first-in-first-out meets them.

Objective, in this order:
1. the fewest agent-intervals (whole agents per interval), exactly;
2. among those plans, the lowest peak of weights[t] + agents[t] over the intervals that get agents, exactly.
   Weights are agents already busy in that interval, e.g. what the phone and chat queues need, so the e-mail
   work fills their valleys; without weights the plan spreads the work as evenly as the deadlines allow. A
   very large weight marks an interval to use only when nothing else works. Weights are resolved to 0.001;
3. the same again inside each stretch that begins and ends with an empty backlog (each such stretch gets its
   own, lower peak, so quiet weeks use their own quiet intervals), and ties go to earlier intervals: within
   the allowed level, e-mails are answered as early as possible.

Method (no solver needed, linear time per pass). For caps u[t] on the agents per interval, the latest-possible
("lazy") plan is optimal: going backward, need[t] = max(due[t], need[t+1] - u[t+1]) is the least cumulative work
that must be done by the end of t (due[t] being the work whose deadline is t or earlier); the plan is feasible
exactly when need[t] <= the work arrived by t for every t; going forward, each interval adds just enough whole
agents to reach need[t]. Its cumulative agents are pointwise the fewest of any feasible plan (induction over
t within each stretch since the backlog was last empty), so its total is the minimum. The time-reversed problem
has the same form, and its lazy plan read backward is the earliest-possible ("eager") plan with the same total.
Step 2 bisects the level V: u[t] = the number of agents k with weights[t] + k <= V (and <= max_agents); the
lowest V whose lazy total is still the minimum is the lowest possible peak. Step 3 cuts the horizon where the
plan's backlog is empty: there every plan that stays at the minimum total splits into two independent
minimum plans, so each stretch can be levelled on its own and the total stays the minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_OCCUPANCY = 0.9
MS = 1000                    # work is counted in exact integer milliseconds of agent time
WEIGHT_STEPS = 1000          # non-integral weights are resolved to 1 / WEIGHT_STEPS agents
MAX_PASSES = 8               # rounds of step 3 (cutting at empty backlogs); two or three usually settle it


@dataclass(frozen=True)
class BacklogPlan:
    """The e-mail plan per open interval."""

    agents: np.ndarray              # whole agents working the backlog in each interval
    worked: np.ndarray              # e-mails answered in each interval (fractions where the forecast has them)
    backlog: np.ndarray             # e-mails waiting after each interval
    max_age_intervals: np.ndarray   # intervals the oldest waiting e-mail has waited after each (1 = arrived in it)
    met_deadline: bool              # every e-mail is answered by the end of its deadline interval (first in first out)


def answer_within_intervals(hours: float, interval_s: float) -> int:
    """Open intervals an e-mail may wait: floor(H h / interval), at least 1.

    Rounding down keeps the promise for an e-mail that arrives at the very start of its interval; for H a whole
    multiple of the interval (24 h of 15 minutes = 96) floor and ceiling agree.
    """
    if not (math.isfinite(hours) and hours > 0 and interval_s > 0):
        raise ValueError(f"answer within {hours:g} business hours: give a number of hours > 0 (and interval_s > 0)")
    return max(1, math.floor(hours * 3600 / interval_s + 1e-9))


def immediate_agents(arrivals, aht_s, interval_s: float, occupancy: float = DEFAULT_OCCUPANCY) -> np.ndarray:
    """Agents that answer each interval's e-mails in that same interval: ceil(arrivals * aht / (interval * occ))."""
    arrivals, aht, _ = _check_arrivals(arrivals, aht_s)
    unit = _capacity(interval_s, occupancy)
    return -(-_work_units(arrivals, aht) // unit)


def plan_email(arrivals, aht_s, interval_s: float, answer_within_intervals: int, weights=None, max_agents=None,
               occupancy: float = DEFAULT_OCCUPANCY, finish_by_end: bool = True) -> BacklogPlan:
    """The plan described in the module docstring for the open intervals of `arrivals` (in time order).

    arrivals: e-mails per open interval (array or pandas Series; a Series index names intervals in errors);
    aht_s: seconds per e-mail, one number or one per interval (of the e-mails arriving then); weights: agents
    already busy per interval (None: all equal); max_agents: the most agents per interval (None: no limit);
    finish_by_end: True answers every e-mail within the horizon (deadlines after it move to its last interval);
    False plans only for the e-mails whose deadline falls within the horizon, and the others wait at the end
    unless spare capacity answers them (the next plan, given them as arrivals of its first interval, takes over).
    Raises ValueError when even max_agents cannot meet a deadline, naming the first e-mails that miss it and the
    agents per interval that would be needed.
    """
    arrivals, aht, names = _check_arrivals(arrivals, aht_s, interval_s)
    size = arrivals.size
    unit = _capacity(interval_s, occupancy)                  # work of one agent in one interval
    deadline = _check_deadline(answer_within_intervals)
    weights_q, steps = _check_weights(weights, size)
    limit = _check_max_agents(max_agents, size)
    work = _work_units(arrivals, aht)
    if not finish_by_end:
        work[max(size - deadline + 1, 0):] = 0       # due after the horizon: not planned for
    avail = np.cumsum(work)                          # work arrived by the end of t
    due = _due(avail, deadline)                      # work whose deadline is t or earlier
    if size == 0 or avail[-1] == 0:
        return _outcome(np.zeros(size, dtype=np.int64), arrivals, aht, deadline, finish_by_end, unit)

    whole = np.zeros(1, dtype=np.int64)
    ceiling = np.full(size, -(-int(avail[-1]) // unit), dtype=np.int64)        # never more agents than all work
    caps = ceiling if limit is None else np.minimum(ceiling, limit)
    agents, feasible = _lazy(due, avail, whole, caps, unit)
    if not feasible[0]:
        _explain_infeasible(due, avail, caps, unit, deadline, names, limit)
    starts = whole
    for _ in range(MAX_PASSES):
        agents = _level(agents, due, avail, starts, weights_q, steps, caps, unit)
        cuts = _empty_backlog_starts(agents, avail, unit)
        if np.setdiff1d(cuts, starts).size == 0:
            break
        starts = np.union1d(starts, cuts)
    return _outcome(agents, arrivals, aht, deadline, finish_by_end, unit)


# --- the lazy plan and the level search -------------------------------------------------------------------------

def _lazy(due: np.ndarray, avail: np.ndarray, starts: np.ndarray, caps: np.ndarray, unit: int):
    """The latest-possible plan under caps, per stretch: agents per interval and whether each stretch is feasible.

    Each stretch [starts[i], starts[i+1]) begins with an empty backlog and must end with all its work done;
    due and avail are global cumulative work (ms), taken relative to the stretch's start here; unit is the work
    of one agent in one interval.
    """
    size = due.size
    segment = np.zeros(size, dtype=np.int64)
    segment[starts[1:]] = 1
    segment = np.cumsum(segment)
    base = np.concatenate(([0], avail))[starts][segment]          # work arrived before the stretch
    avail_l = avail - base
    due_l = np.maximum(due - base, 0)
    ends = np.append(starts[1:], size) - 1
    due_l[ends] = avail_l[ends]
    cap_units = caps.astype(np.int64) * unit
    cum = np.cumsum(cap_units)
    cum_l = cum - np.concatenate(([0], cum))[starts][segment]
    # need[t] = cum_l[t] + max over s >= t in the stretch of (due_l[s] - cum_l[s]): a suffix maximum per stretch,
    # done as one running maximum over the reversed array with stretches lifted apart by exact integer offsets.
    gap = due_l - cum_l
    low = np.minimum.reduceat(gap, starts)
    spread = np.maximum.reduceat(gap, starts) - low + 1
    lift = np.concatenate((np.cumsum(spread[::-1])[::-1][1:], [0]))    # sum of the spreads of later stretches
    lifted = gap - low[segment] + lift[segment]
    suffix = np.maximum.accumulate(lifted[::-1])[::-1] - lift[segment] + low[segment]
    need = cum_l + suffix
    ok = (need <= avail_l) & (suffix[starts][segment] <= 0)    # at the stretch start nothing may be due yet
    feasible = np.logical_and.reduceat(ok, starts)
    # Agents are added only where need rises; in between, nothing changes (the loop is the only Python-level part).
    previous = np.concatenate(([0], need[:-1]))
    previous[starts] = 0
    rises = np.flatnonzero(need > previous)
    agents = np.zeros(size, dtype=np.int64)
    need_list, avail_list, seg_list = need[rises].tolist(), avail_l[rises].tolist(), segment[rises].tolist()
    current, done = -1, 0
    for t, needed, arrived, seg in zip(rises.tolist(), need_list, avail_list, seg_list, strict=True):
        if seg != current:
            current, done = seg, 0
        short = needed - done
        if short > 0:
            n = -(-short // unit)
            agents[t] = n
            done = min(arrived, done + n * unit)
    return agents, feasible


def _eager(due: np.ndarray, avail: np.ndarray, starts: np.ndarray, caps: np.ndarray, unit: int) -> np.ndarray:
    """The earliest-possible plan with the lazy plan's total: the lazy plan of the time-reversed problem."""
    size = due.size
    segment = np.zeros(size, dtype=np.int64)
    segment[starts[1:]] = 1
    segment = np.cumsum(segment)
    base = np.concatenate(([0], avail))[starts][segment]
    ends = np.append(starts[1:], size) - 1
    total = (avail[ends] - base[ends])[segment]
    before_avail = np.concatenate(([0], avail[:-1])) - base      # work arrived by t - 1, within the stretch
    before_due = np.maximum(np.concatenate(([0], due[:-1])) - base, 0)
    before_avail[starts] = 0
    before_due[starts] = 0
    # In reversed time a stretch's work becomes available at its deadline and is due at its arrival. _lazy wants
    # cumulative work over the whole horizon, so each reversed stretch is lifted by the work of those before it.
    due_r = (total - before_avail)[::-1]
    avail_r = (total - before_due)[::-1]
    starts_r = np.sort(size - 1 - ends)
    totals = avail[ends] - np.concatenate(([0], avail))[starts]
    lifted = np.concatenate(([0], np.cumsum(totals[::-1])))[:-1]        # by reversed stretch number
    offsets_r = lifted[segment.max() - segment[::-1]]
    agents_r, _ = _lazy(due_r + offsets_r, avail_r + offsets_r, starts_r, caps[::-1], unit)
    return agents_r[::-1]


def _level(agents: np.ndarray, due: np.ndarray, avail: np.ndarray, starts: np.ndarray, weights_q: np.ndarray,
           steps: int, caps: np.ndarray, unit: int) -> np.ndarray:
    """Lowest peak of weight + agents per stretch at the same total, then the earliest plan within that level."""
    size = agents.size
    segment = np.zeros(size, dtype=np.int64)
    segment[starts[1:]] = 1
    segment = np.cumsum(segment)
    best = np.add.reduceat(agents, starts)
    # The level V allows k agents in t while weights_q[t] + steps * (k - 1) <= V.
    used = agents > 0
    top = np.where(used, weights_q + steps * (agents - 1), np.iinfo(np.int64).min)
    hi = np.maximum.reduceat(top, starts)
    lo = np.minimum.reduceat(weights_q, starts) - 1
    hi = np.where(best > 0, hi, lo)
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        trial, feasible = _lazy(due, avail, starts, _level_caps(mid[segment], weights_q, steps, caps), unit)
        good = feasible & (np.add.reduceat(trial, starts) == best)
        hi = np.where(good & (hi - lo > 1), mid, hi)
        lo = np.where(~good & (hi - lo > 1), mid, lo)
    return _eager(due, avail, starts, _level_caps(hi[segment], weights_q, steps, caps), unit)


def _level_caps(level: np.ndarray, weights_q: np.ndarray, steps: int, caps: np.ndarray) -> np.ndarray:
    allowed = np.where(level >= weights_q, (level - weights_q) // steps + 1, 0)
    return np.minimum(allowed, caps)


def _empty_backlog_starts(agents: np.ndarray, avail: np.ndarray, unit: int) -> np.ndarray:
    """Intervals that follow an interval after which nothing waits (where the plan can be cut in two)."""
    done = _done(agents, avail, unit)
    return np.flatnonzero(done[:-1] == avail[:-1]) + 1


def _done(agents: np.ndarray, avail: np.ndarray, unit: int) -> np.ndarray:
    """Cumulative work answered by the end of each interval, first in first out, by whole agents."""
    capacity = np.cumsum(agents.astype(np.int64) * unit)
    return capacity + np.minimum(0, np.minimum.accumulate(avail - capacity))


def _due(avail: np.ndarray, deadline: int, finish_by_end: bool = True) -> np.ndarray:
    """Work whose deadline is t or earlier: e-mails of t - D + 1 and before (all of it at the last interval)."""
    due = np.zeros_like(avail)
    if deadline <= avail.size:
        due[deadline - 1:] = avail[:avail.size - deadline + 1]
    if avail.size and finish_by_end:
        due[-1] = avail[-1]
    return due


def _outcome(agents: np.ndarray, arrivals: np.ndarray, aht: np.ndarray, deadline: int, finish_by_end: bool,
             unit: int) -> BacklogPlan:
    """Answer all the e-mails first in first out with the plan's agents and report what happens."""
    avail = np.cumsum(_work_units(arrivals, aht))
    due = _due(avail, deadline, finish_by_end)
    done = _done(agents, avail, unit)
    arrived = np.cumsum(arrivals)
    # Cumulative e-mails answered: within an interval's e-mails, work and count grow together.
    points = np.concatenate(([0], avail))
    counts = np.concatenate(([0.0], arrived))
    last = np.append(points[1:] != points[:-1], True)             # e-mails without work go with the work before
    answered = np.interp(done, points[last], counts[last])
    answered = np.minimum(answered, arrived)
    backlog = np.where(done >= avail, 0.0, arrived - answered)
    oldest = np.searchsorted(avail, done, side="right")          # first interval whose e-mails still wait
    index = np.arange(agents.size)
    age = np.where(done < avail, index - oldest + 1, 0)
    return BacklogPlan(agents=agents.astype(np.int64), worked=np.diff(answered, prepend=0.0),
                       backlog=np.maximum(backlog, 0.0), max_age_intervals=age.astype(np.int64),
                       met_deadline=bool(np.all(done >= due)))


def _explain_infeasible(due, avail, caps, unit, deadline, names, limit) -> None:
    """Raise the ValueError for the earliest deadline that max_agents cannot meet."""
    cum = np.cumsum(caps.astype(np.int64) * unit)
    slack = np.concatenate(([0], avail - cum))                 # avail(s) - capacity(s) for s = -1 .. T-1
    best_start = np.minimum.accumulate(slack)[1:]              # min over s <= t
    reachable = cum + np.minimum(best_start, 0)
    reachable = np.minimum(reachable, avail)
    missed = int(np.flatnonzero(due > reachable)[0])
    start = int(np.argmin(slack[:missed + 1])) - 1             # the window (start, missed] is too small
    first_late = int(np.searchsorted(avail, reachable[missed], side="right"))
    work = int(due[missed] - (avail[start] if start >= 0 else 0))
    width = missed - start
    per_interval = -(-work // (unit * width))
    allowed = "no limit" if limit is None else int(np.max(limit[start + 1:missed + 1]))
    raise ValueError(f"plan_email: the e-mails that arrive in {names.start(first_late)} cannot all be answered by "
                     f"their deadline, {names.end(missed)} ({deadline} open intervals): that takes {per_interval} "
                     f"agents in every interval from {names.begin(start + 1)} to {names.end(missed)}, but max_agents "
                     f"allows {allowed}; raise max_agents there or allow more time")


# --- input checks ----------------------------------------------------------------------------------------------

class _Names:
    """Words for intervals in error messages: timestamps when arrivals came as a Series with a time index."""

    def __init__(self, index, interval_s: float):
        self.index, self.interval_s = index, interval_s

    def _stamp(self, i: int):
        return self.index[i] if isinstance(self.index, pd.DatetimeIndex) else None

    def start(self, i: int) -> str:
        """The interval in which something happens."""
        stamp = self._stamp(i)
        if stamp is not None:
            return f"the interval starting {stamp.isoformat()}"
        return f"interval {i if self.index is None else self.index[i]}"

    def begin(self, i: int) -> str:
        """The moment an interval begins."""
        stamp = self._stamp(i)
        return stamp.isoformat() if stamp is not None else f"the start of {self.start(i)}"

    def end(self, i: int) -> str:
        """The moment an interval ends."""
        stamp = self._stamp(i)
        if stamp is not None:
            return (stamp + pd.Timedelta(seconds=self.interval_s)).isoformat()
        return f"the end of {self.start(i)}"


def _check_arrivals(arrivals, aht_s, interval_s: float = 0.0):
    index = arrivals.index if isinstance(arrivals, pd.Series) else None
    values = arrivals.to_numpy(dtype=float) if index is not None else np.asarray(arrivals, dtype=float)
    names = _Names(index, interval_s)
    if values.ndim != 1:
        raise ValueError(f"plan_email: arrivals must be one number per open interval (got shape {values.shape})")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ValueError(f"plan_email: arrivals must be numbers >= 0 (got {values[bad[0]]:g} in "
                         f"{names.start(bad[0])}); fix the forecast")
    aht = np.broadcast_to(np.asarray(aht_s.to_numpy() if isinstance(aht_s, pd.Series) else aht_s, dtype=float),
                          values.shape)
    bad = np.flatnonzero((values > 0) & ~(np.isfinite(aht) & (aht > 0)))
    if bad.size:
        raise ValueError(f"plan_email: aht_s must be a number of seconds > 0 where e-mails arrive (got "
                         f"{aht[bad[0]]:g} in {names.start(bad[0])})")
    return values, np.where(values > 0, aht, 0.0), names


def _capacity(interval_s: float, occupancy: float) -> int:
    if not (math.isfinite(interval_s) and interval_s > 0):
        raise ValueError(f"plan_email: interval_s must be a number of seconds > 0 (got {interval_s!r})")
    if not (0 < occupancy <= 1):
        raise ValueError(f"plan_email: occupancy must be in (0, 1] (got {occupancy!r}); give the share of an "
                         f"agent's interval spent on e-mails, e.g. 0.9")
    return int(round(interval_s * occupancy * MS))


def _work_units(arrivals: np.ndarray, aht: np.ndarray) -> np.ndarray:
    """Work per interval in whole milliseconds (exact for whole e-mails and handle times of whole ms)."""
    return np.rint(arrivals * aht * MS).astype(np.int64)


def _check_deadline(answer_within: int) -> int:
    if isinstance(answer_within, bool) or not isinstance(answer_within, int | np.integer) or answer_within < 1:
        raise ValueError(f"plan_email: answer_within_intervals must be a whole number >= 1 (got "
                         f"{answer_within!r}); 1 means answer in the interval of arrival")
    return int(answer_within)


def _check_weights(weights, size: int) -> tuple[np.ndarray, int]:
    if weights is None:
        return np.zeros(size, dtype=np.int64), 1
    values = np.asarray(weights, dtype=float)
    if values.shape != (size,) or not np.all(np.isfinite(values)):
        raise ValueError(f"plan_email: weights must be one finite number per interval ({size}); got shape "
                         f"{values.shape}")
    values = values - (values.min() if size else 0.0)
    if np.all(values == np.round(values)):
        return values.astype(np.int64), 1
    return np.rint(values * WEIGHT_STEPS).astype(np.int64), WEIGHT_STEPS


def _check_max_agents(max_agents, size: int) -> np.ndarray | None:
    if max_agents is None:
        return None
    values = np.broadcast_to(np.asarray(max_agents, dtype=float), (size,))
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if np.any(bad):
        raise ValueError(f"plan_email: max_agents must be whole numbers >= 0 (got {values[bad][0]:g})")
    return values.astype(np.int64)
