"""Simulation of an FCFS contact queue with N agents and optional exponential patience, stationary or per interval.

Contacts arrive as a Poisson process (piecewise-constant rate per interval), handle times are exponential or
lognormal with mean aht_s, patience is exponential with mean patience_s (None: nobody hangs up). The queue is
first come, first served; a contact hangs up when its wait reaches its patience before an agent takes it (an
agent free exactly then still answers). Staffing is piecewise constant: when it rises at an interval boundary
the new agents are free at once; when it falls, surplus agents leave as soon as they finish their current
contact (no new contact is given to an agent while more agents are busy than are on duty). The queue and the
contacts in service carry over from interval to interval; after the last interval its staffing stays on until
every contact has been answered or has hung up. Metrics are per arrival interval (a contact counts in the
interval it arrived in); occupancy is busy agent time within the interval over on-duty agent time, capped at 1.

All randomness comes from one numpy Generator seeded with `seed`: the same inputs and seed give the same result.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from scheduler.erlang import check_agents, check_answer_within, check_number

HANDLE_TIMES = ("exponential", "lognormal")


@dataclass(frozen=True)
class SimulationResult:
    """Stationary estimates over the measured horizon, with batch-means standard errors."""

    service_level: float        # share of measured arrivals answered within answer_within_s
    abandon_rate: float         # share of measured arrivals that hung up
    asa_s: float                # mean wait of answered contacts (nan when none were answered)
    occupancy: float            # busy agent time / (agents * horizon) within the measured horizon
    p_wait: float               # share of measured arrivals that had to wait (answered later or hung up)
    offered: int                # measured arrivals
    service_level_se: float     # standard error of service_level (batch means)
    abandon_rate_se: float      # standard error of abandon_rate (batch means)


@dataclass(frozen=True)
class IntervalMetrics:
    """Simulated outcome per interval (by arrival interval); counts are ints, shares floats."""

    offered: np.ndarray
    answered: np.ndarray
    answered_within: np.ndarray     # answered within answer_within_s
    abandoned: np.ndarray
    service_level: np.ndarray       # answered_within / offered (1 where nothing was offered)
    abandon_rate: np.ndarray        # abandoned / offered (0 where nothing was offered)
    asa_s: np.ndarray               # mean wait of the answered (0 where none were answered)
    occupancy: np.ndarray           # busy agent time / (agents * interval_s), capped at 1 (0 without agents)


def simulate_queue(arrival_rate_per_s: float, aht_s: float, agents: int, answer_within_s: float,
                   patience_s: float | None = None, horizon_s: float = 2_000_000.0, warmup_s: float | None = None,
                   seed: int = 0, handle_time: str = "exponential", handle_cv: float = 1.0,
                   batches: int = 20) -> SimulationResult:
    """Steady-state metrics of M/M/N (+M with patience_s) from one long run.

    The run starts empty; arrivals during the first warmup_s seconds (default: 20 handle times, at least 5 %
    of the horizon) are not measured, the next horizon_s seconds are, in `batches` equal batches whose spread
    gives the standard errors. Contacts that arrive within the horizon are followed until answered or gone.
    handle_time: "exponential" (M/M/N) or "lognormal" with coefficient of variation handle_cv (M/G/N).
    """
    rate = float(check_number("arrival_rate_per_s", arrival_rate_per_s, minimum=0.0))
    aht = float(check_number("aht_s", aht_s, fix="give the mean handle time in seconds"))
    agents = int(check_agents(agents))
    horizon = float(check_number("horizon_s", horizon_s))
    warmup = max(20.0 * aht, 0.05 * horizon) if warmup_s is None else warmup_s
    warmup = float(check_number("warmup_s", warmup, minimum=0.0))
    if batches < 2:
        raise ValueError(f"batches must be at least 2 (got {batches}); the standard error needs several batches")
    edges = np.array([0.0, warmup + horizon])
    rng = np.random.default_rng(seed)
    arrive, handle, deadline = _draw(rng, np.array([rate * (warmup + horizon)]), edges, np.array([aht]),
                                     patience_s, handle_time, handle_cv)
    start = fcfs_start_times(arrive, handle, deadline, edges[:-1], np.array([agents], dtype=float))
    bounds = warmup + horizon * np.arange(batches + 1) / batches
    per_batch = _tally(arrive, handle, start, bounds, np.full(batches, float(agents)), answer_within_s)
    offered = per_batch.offered.sum()
    batch_sl = per_batch.answered_within / np.maximum(per_batch.offered, 1)
    batch_ab = per_batch.abandoned / np.maximum(per_batch.offered, 1)
    answered = per_batch.answered.sum()
    waits = float(np.sum(per_batch.asa_s * per_batch.answered))
    served = np.isfinite(start)
    busy = float(np.diff(_busy_until(bounds[[0, -1]], start[served], start[served] + handle[served]))[0])
    waited = np.isnan(start) | (start > arrive)
    measured = (arrive >= bounds[0]) & (arrive < bounds[-1])
    return SimulationResult(
        service_level=float(per_batch.answered_within.sum() / max(offered, 1)),
        abandon_rate=float(per_batch.abandoned.sum() / max(offered, 1)),
        asa_s=float(waits / answered) if answered else math.nan,
        occupancy=busy / (agents * horizon) if agents else 0.0,
        p_wait=float(np.sum(waited & measured) / max(offered, 1)),
        offered=int(offered),
        service_level_se=float(np.std(batch_sl, ddof=1) / math.sqrt(batches)),
        abandon_rate_se=float(np.std(batch_ab, ddof=1) / math.sqrt(batches)),
    )


def simulate_intervals(arrivals: np.ndarray, agents: np.ndarray, interval_s: float, aht_s: np.ndarray | float,
                       answer_within_s: float, patience_s: float | None = None, seed: int = 0,
                       handle_time: str = "exponential", handle_cv: float = 1.0) -> IntervalMetrics:
    """One run over consecutive intervals with expected arrivals and agents per interval (queue carries over).

    arrivals: expected contacts per interval (Poisson counts are drawn); agents: whole agents on duty per
    interval; aht_s: mean handle time, one for all or one per interval (for contacts arriving in it);
    handle_time and handle_cv as in simulate_queue. The run starts empty; no warm-up is discarded.
    """
    counts = check_number("arrivals", np.atleast_1d(arrivals), minimum=0.0)
    staff = check_agents(np.atleast_1d(agents))
    if counts.ndim != 1 or staff.shape != counts.shape:
        raise ValueError(f"arrivals and agents must be 1-d arrays of the same length (got shapes {counts.shape} "
                         f"and {staff.shape}); give one value per interval")
    interval = float(check_number("interval_s", interval_s))
    aht = np.broadcast_to(check_number("aht_s", aht_s), counts.shape).astype(float)
    edges = interval * np.arange(counts.size + 1)
    rng = np.random.default_rng(seed)
    arrive, handle, deadline = _draw(rng, counts, edges, aht, patience_s, handle_time, handle_cv)
    start = fcfs_start_times(arrive, handle, deadline, edges[:-1], staff)
    return _tally(arrive, handle, start, edges, staff, answer_within_s)


def fcfs_start_times(arrive: np.ndarray, handle: np.ndarray, deadline: np.ndarray, edges: np.ndarray,
                     staff: np.ndarray) -> np.ndarray:
    """When each contact is taken by an agent: nan if it hung up first, inf if no agent ever comes.

    arrive must be sorted; deadline = arrive + patience (inf: never hangs up); staff[k] agents are on duty from
    edges[k] (increasing, edges[0] <= arrive[0]) until edges[k + 1], the last staffing forever. Contacts are
    taken in arrival order: each starts at the first time s >= its arrival, and >= the start (or give-up time)
    of the contact before it, at which fewer contacts are in service than agents are on duty. One pass with a
    heap of the end times of the contacts in service.
    """
    times, needs, limits = arrive.tolist(), handle.tolist(), deadline.tolist()
    bounds, on_duty = edges.tolist(), staff.tolist()
    starts = [math.nan] * len(times)
    in_service: list[float] = []
    push, pop = heapq.heappush, heapq.heappop
    inf = math.inf
    clock = -inf
    k = 0
    next_edge = bounds[1] if len(bounds) > 1 else inf
    for i, t in enumerate(times):
        s = t if t > clock else clock
        limit = limits[i]
        if s > limit:
            continue
        while True:
            while s >= next_edge:
                k += 1
                next_edge = bounds[k + 1] if k + 1 < len(bounds) else inf
            while in_service and in_service[0] <= s:
                pop(in_service)
            if len(in_service) < on_duty[k]:
                push(in_service, s + needs[i])
                starts[i] = clock = s
                break
            then = in_service[0] if in_service else inf
            if next_edge < then:
                then = next_edge
            if then > limit or then == inf:
                if limit == inf:
                    starts[i] = inf
                else:
                    clock = limit
                break
            s = then
    return np.array(starts, dtype=float)


def _draw(rng: np.random.Generator, counts: np.ndarray, edges: np.ndarray, aht: np.ndarray,
          patience_s: float | None, handle_time: str, handle_cv: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival times (Poisson, sorted), handle times and give-up deadlines for expected counts per interval."""
    if handle_time not in HANDLE_TIMES:
        raise ValueError(f"unknown handle_time {handle_time!r}; use one of {', '.join(HANDLE_TIMES)}")
    check_number("handle_cv", handle_cv, fix="give the coefficient of variation of handle times, e.g. 1.0")
    if patience_s is not None:
        check_number("patience_s", patience_s, fix="give the mean patience in seconds, or None for none")
    number = rng.poisson(counts)
    interval = np.repeat(np.arange(counts.size), number)
    arrive = np.sort(edges[interval] + rng.random(interval.size) * np.diff(edges)[interval])
    mean = aht[interval]
    if handle_time == "exponential":
        handle = rng.exponential(mean)
    else:
        sigma2 = math.log1p(handle_cv**2)
        handle = rng.lognormal(np.log(mean) - sigma2 / 2.0, math.sqrt(sigma2))
    if patience_s is None or math.isinf(patience_s):
        deadline = np.full(arrive.shape, np.inf)
    else:
        deadline = arrive + rng.exponential(patience_s, arrive.size)
    return arrive, handle, deadline


def _tally(arrive: np.ndarray, handle: np.ndarray, start: np.ndarray, bounds: np.ndarray, staff: np.ndarray,
           answer_within_s: float) -> IntervalMetrics:
    """Metrics per [bounds[k], bounds[k+1]) from the start times (arrivals outside the bounds are ignored)."""
    within_s = float(check_answer_within(answer_within_s))
    bins = staff.size
    index = np.searchsorted(bounds, arrive, side="right") - 1
    inside = (index >= 0) & (index < bins)
    index = np.where(inside, index, 0)
    answered = np.isfinite(start)
    wait = np.where(answered, start - arrive, 0.0)

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = mask & inside if weights is None else np.where(mask & inside, weights, 0.0)
        return np.bincount(index, weights=w.astype(float), minlength=bins)

    offered = count(np.ones(arrive.shape, dtype=bool))
    n_answered = count(answered)
    within = count(answered & (wait <= within_s))
    abandoned = count(np.isnan(start))
    waits = count(answered, wait)
    busy = np.diff(_busy_until(bounds, start[answered], start[answered] + handle[answered]))
    capacity = staff * np.diff(bounds)
    with np.errstate(invalid="ignore", divide="ignore"):
        service_level = np.where(offered > 0, within / offered, 1.0)
        abandon_rate = np.where(offered > 0, abandoned / offered, 0.0)
        asa = np.where(n_answered > 0, waits / n_answered, 0.0)
        occupancy = np.where(capacity > 0, np.minimum(busy / capacity, 1.0), 0.0)
    as_int = (offered, n_answered, within, abandoned)
    return IntervalMetrics(*(np.rint(v).astype(np.int64) for v in as_int), service_level, abandon_rate, asa, occupancy)


def _busy_until(times: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Total busy time of the services [begin, end) up to each of `times`: sum_j clip(t - begin_j, 0, end_j - begin_j).

    Equals sum_{end_j < t} end_j + t * (#{begin_j < t} - #{end_j < t}) - sum_{begin_j < t} begin_j.
    """
    begin, end = np.sort(begin), np.sort(end)
    begin_sum = np.concatenate([[0.0], np.cumsum(begin)])
    end_sum = np.concatenate([[0.0], np.cumsum(end)])
    started = np.searchsorted(begin, times, side="left")
    ended = np.searchsorted(end, times, side="left")
    return end_sum[ended] + times * (started - ended) - begin_sum[started]
