"""Rostering a big site by parts: one sub-problem per team (or skill group), coordinated on the shared queues.

Agents of different teams meet only in the coverage of the queues they share, so a site of thousands of agents
splits into one roster problem per group that can run in parallel (other processes, other machines). Round 1
gives each group a share of every interval's requirement, in proportion to the group's capacity for the queue.
Later rounds re-solve each group against what the other groups leave (the residual requirement), starting from
its current roster, and keep a group's new roster only if the whole site's objective (the coverage terms as the
engine counts them, plus the agents' own terms: pay, contract, wishes) does not get worse. The merged roster is
then checked as a whole by the roster checker.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.checker import CheckContext, Violation, check_roster
from scheduler.domain import Agent
from scheduler.evaluate import scheduled_agents
from scheduler.roster import Roster, Shift
from scheduler.roster_model import Problem, Solution, Weights
from scheduler.roster_search import solve_roster

GROUP_KEYS: dict[str, Callable[[Agent], str]] = {
    "team": lambda agent: agent.team,
    "skills": lambda agent: "+".join(sorted(agent.skills)) or "(no skills)",
}
FIRST_ROUND_WEIGHT = 2.0   # round 1 builds every roster from nothing: it gets twice a later round's time
MIN_PART_SECONDS = 0.5     # the engine's own floor for a search
ROUND_RESERVE = 0.1        # share of a round's time kept for starting the parts, merging and accepting
SOLVED = ("OPTIMAL", "FEASIBLE")

# (function, [argument tuple per part]) -> [result per part], in order; the caller decides where parts run.
MapParts = Callable[[Callable[..., Solution], Sequence[tuple]], list[Solution]]


@dataclass(frozen=True)
class GroupSummary:
    """One group's part of the roster: who, which queues, and what its solves did."""

    group: str
    agents: int
    queues: tuple[str, ...]
    status: str                     # of the group's last solve
    kept_rounds: tuple[int, ...]    # the rounds whose roster of this group was kept
    seconds: float                  # solve time of all its parts together
    cost: float                     # the agents' own soft terms in the kept roster (pay, contract, wishes)


@dataclass(frozen=True)
class RoundFigures:
    """The whole site after one round."""

    round: int
    objective: float
    under_agent_intervals: int
    over_agent_intervals: int
    groups_kept: int
    seconds: float                  # since the start of solve_decomposed


@dataclass(frozen=True)
class DecomposedSolution:
    """The merged roster of all groups, how the rounds went and what the checker says of the whole."""

    roster: Roster
    groups: tuple[GroupSummary, ...]
    rounds: int                     # rounds done (fewer than asked when time ran out or coverage is exact)
    seconds: float                  # wall time, the check included
    objective: float                # coverage terms as the engine counts them plus the agents' own terms
    required_agent_intervals: int
    under_before: int               # under-staffed agent-intervals after round 1 (before coordination) ...
    under_after: int                # ... and at the end
    history: tuple[RoundFigures, ...]
    violations: tuple[Violation, ...]  # check_roster over all agents together
    check_seconds: float

    @property
    def hard_violations(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.hard)


@dataclass
class _Group:
    name: str
    problem: Problem
    rows: np.ndarray                # positions of its queues' rows in the site's requirement frame
    shifts: tuple[Shift, ...] = ()
    cost: float = 0.0
    status: str = "NOT_SOLVED"
    kept: tuple[int, ...] = ()
    seconds: float = 0.0


# --- splitting ----------------------------------------------------------------------------------------------

def split_by(problem: Problem, key: str = "team") -> dict[str, Problem]:
    """One sub-problem per group of agents (by team, or by skill set with key "skills"), in group-name order:
    its agents with their absences and previous, following and published shifts, and the requirement rows of
    the queues they can serve (still the whole site's requirement; solve_decomposed replaces it by shares)."""
    if key not in GROUP_KEYS:
        raise ValueError(f"unknown group key {key!r}; group agents by one of: {', '.join(GROUP_KEYS)}")
    members: dict[str, list[Agent]] = {}
    for agent in problem.agents:
        members.setdefault(GROUP_KEYS[key](agent), []).append(agent)
    pays = [a.monthly_pay_eur for a in problem.agents if a.monthly_pay_eur]
    # Pay costs relative to the whole site's mean, so the groups' costs add up to the site's.
    mean_pay = problem.mean_pay_eur or (sum(pays) / len(pays) if pays else None)
    return {name: _part(problem, tuple(agents), mean_pay) for name, agents in sorted(members.items())}


def _part(problem: Problem, agents: tuple[Agent, ...], mean_pay: float | None) -> Problem:
    ids = {a.agent_id for a in agents}
    queues = {q for a in agents for q in a.skills}
    requirements = problem.requirements[problem.requirements["queue"].isin(queues)].reset_index(drop=True)
    fair_share = None if problem.fair_share is None else {
        k: v for k, v in problem.fair_share.items() if k in ids}
    return dataclasses.replace(
        problem, agents=agents, requirements=requirements,
        absences=tuple(a for a in problem.absences if a.agent_id in ids),
        previous=tuple(s for s in problem.previous if s.agent_id in ids),
        following=tuple(s for s in problem.following if s.agent_id in ids),
        published=tuple(s for s in problem.published if s.agent_id in ids),
        mean_pay_eur=mean_pay, fair_share=fair_share)


# --- sharing the requirement --------------------------------------------------------------------------------

def share_out(total: int, weights: Sequence[float] | np.ndarray, turn: int = 0,
              rng: np.random.Generator | None = None) -> np.ndarray:
    """`total` in whole agents, in proportion to `weights`, summing to `total` (nothing if all weights are 0).

    The floors first, then one more for the largest remainders; equal remainders go in turn from position
    `turn` on, so a caller passing the day spreads ties over the groups day by day instead of always giving
    them to the first. With `rng` the extra ones are drawn in proportion to the remainders instead."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=int)
    exact = total * w / w.sum()
    shares = np.floor(exact + 1e-9).astype(int)
    fraction = np.clip(exact - shares, 0.0, None)
    left = total - int(shares.sum())
    if left > 0:
        if rng is None:
            order = sorted(range(len(w)), key=lambda i: (-round(float(fraction[i]), 9), (i - turn) % len(w)))
            chosen = order[:left]
        else:
            chosen = rng.choice(len(w), size=left, replace=False, p=fraction / fraction.sum())
        shares[chosen] += 1
    return shares


def residual_requirement(need: np.ndarray, cover: np.ndarray, group: int) -> np.ndarray:
    """What the site needs of one group: the requirement less what all other groups cover now, at least 0.
    `cover` holds each group's coverage of every requirement row (groups × rows)."""
    others = cover.sum(axis=0) - cover[group]
    return np.maximum(need - others, 0)


def targets(need: np.ndarray, cover: np.ndarray, capacity: np.ndarray, turns: np.ndarray | None = None,
            rng: np.random.Generator | None = None) -> np.ndarray:
    """Each group's requirement for its next solve (groups × rows).

    All groups are solved at the same time, so each solving against its whole residual requirement would fill
    the same gap (ten teams, each adding the one agent missing, leave nine too many), and all would drop the
    same surplus. Instead the site's gap in each interval is shared out: a shortage in proportion to the
    groups' `capacity` for the row (see `spare_capacity`), a surplus in proportion to what each covers there.
    Each group's target moves from its own coverage towards its residual requirement by its share, never past
    the residual. In round 1 nobody covers anything and the shares are the requirement split by capacity."""
    groups, rows = cover.shape
    total = cover.sum(axis=0)
    gap = need - total
    result = cover.astype(int).copy()
    for r in np.flatnonzero(gap):
        weights = capacity[:, r] if gap[r] > 0 else cover[:, r]
        turn = 0 if turns is None else int(turns[r])
        result[:, r] += np.sign(gap[r]) * share_out(int(abs(gap[r])), weights, turn, rng)
    for g in range(groups):
        step = residual_requirement(need, cover, g) - cover[g]
        moved = result[g] - cover[g]
        result[g] = cover[g] + np.where(step >= 0, np.minimum(moved, step), np.maximum(moved, step))
    return result


def spare_capacity(parts: Sequence[Problem], capacity: np.ndarray, cover: np.ndarray,
                   wanted: np.ndarray) -> np.ndarray:
    """The capacity for a shortage after round 1 (groups × rows): each group's capacity for the row's queue,
    scaled by the share of its agents' time it could still give: the most their contracts allow, less what
    they cover within their last targets (work beyond a target or on intervals nobody needs can move).

    By capacity alone the one agent missing goes, round after round, to the big team whose agents are all
    booked, while a small team with an idle hour never gets it."""
    result = np.zeros_like(capacity, dtype=float)
    for g, part in enumerate(parts):
        hours = sum(a.weekly_hours for a in part.agents)
        if hours <= 0:
            continue
        per_hour = 60 / part.site.interval_minutes
        most = hours * per_hour * (1 + part.rules.weekly_hours_tolerance) * len(part.days) / 7
        useful = float(np.minimum(cover[g], wanted[g]).sum())
        # A little for everybody who can serve the queue, so that a gap is shared out even when all seem booked.
        result[g] = capacity[g] * (max(most - useful, 0.0) / (hours * per_hour) + 1e-3)
    return result


def capacity(parts: Sequence[Problem], requirements: pd.DataFrame) -> np.ndarray:
    """Each group's capacity for each requirement row's queue (groups × rows): its agents' contract hours, an
    agent's hours split evenly over the queues with requirements they can serve (contract hours, not leave or
    availability: the later rounds correct what this gets wrong)."""
    queues = set(requirements["queue"])
    row_queue = requirements["queue"].to_numpy()
    result = np.zeros((len(parts), len(requirements)))
    for g, part in enumerate(parts):
        hours: dict[str, float] = {}
        for agent in part.agents:
            served = [q for q in agent.skills if q in queues]
            for queue in served:
                hours[queue] = hours.get(queue, 0.0) + agent.weekly_hours / len(served)
        result[g] = [hours.get(q, 0.0) for q in row_queue]
    return result


# --- the site's objective ---------------------------------------------------------------------------------

def coverage(roster: Roster | Sequence[Shift], problem: Problem) -> np.ndarray:
    """Agents on each requirement row's queue and interval (whole agents: rosters are on the interval grid)."""
    shifts = roster if isinstance(roster, Roster) else Roster(tuple(roster))
    return np.rint(scheduled_agents(shifts, problem.site, problem.requirements)).astype(int)


def coverage_cost(need: np.ndarray, have: np.ndarray, weights: Weights) -> tuple[int, int, int]:
    """(cost, under, over) of the coverage terms as the engine counts them: each missing agent costs
    weights.under(need) of its interval, each surplus one weights.over."""
    short = np.maximum(need - have, 0)
    over = np.maximum(have - need, 0)
    per_missing = weights.under_base + weights.under_thin // np.maximum(need, 1)
    return int((per_missing * short).sum() + weights.over * over.sum()), int(short.sum()), int(over.sum())


# --- where parts run ----------------------------------------------------------------------------------------

def solve_part(problem: Problem, time_limit_s: float, seed: int) -> Solution:
    """One group's roster (module level and plain arguments, so it pickles into a worker process or a task).
    One search, no lower bound: the parts run side by side and the bound of a part says little."""
    return solve_roster(problem, time_limit_s=time_limit_s, seed=seed, workers=1, prove=False)


def sequential_map(function: Callable[..., Solution], arguments: Sequence[tuple]) -> list[Solution]:
    """Parts one after the other in this process (tests, or a caller that is itself a worker)."""
    return [function(*args) for args in arguments]


class ProcessMap:
    """Parts in a pool of spawned worker processes; spawned, because forking a threaded process such as the web
    server is unsafe. The pool lives until `close`, so the workers import the engine once for all rounds."""

    def __init__(self, workers: int):
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def __call__(self, function: Callable[..., Solution], arguments: Sequence[tuple]) -> list[Solution]:
        if not arguments:
            return []
        return list(self.pool.map(function, *zip(*arguments, strict=True)))

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


# --- solving ------------------------------------------------------------------------------------------------

def solve_decomposed(problem: Problem, time_limit_s: float = 60.0, rounds: int = 3,
                     map_parts: MapParts | None = None, group: str = "team", workers: int = 2,
                     seed: int = 0) -> DecomposedSolution:
    """The site's roster from one part per group (see the module docstring), in about `time_limit_s` seconds
    plus the check. `map_parts` runs the parts (default: a pool of `workers` spawned processes); `workers` is
    how many parts run at once, which sets each part's share of the time."""
    if rounds < 1:
        raise ValueError(f"rounds = {rounds}: give at least 1 (round 1 builds the groups' rosters)")
    if workers < 1:
        raise ValueError(f"workers = {workers}: give at least 1")
    started = time.perf_counter()
    parts = split_by(problem, group)
    requirements = problem.requirements.reset_index(drop=True)
    site_problem = dataclasses.replace(problem, requirements=requirements)
    need = requirements["agents_required"].to_numpy(dtype=int)
    groups = [_Group(name, part, np.flatnonzero(requirements["queue"].isin(set(part.requirements["queue"]))))
              for name, part in parts.items()]
    cap = capacity([g.problem for g in groups], requirements)
    days = pd.DatetimeIndex(requirements["interval_start"]).tz_convert(problem.site.timezone)
    turns = np.array([t.toordinal() for t in days.date], dtype=int)
    cover = np.zeros((len(groups), len(need)), dtype=int)
    waves = max(1, math.ceil(len(groups) / workers))  # parts one after the other in each worker
    pool = ProcessMap(min(workers, len(groups))) if map_parts is None and groups else None
    run = map_parts or pool or sequential_map
    history: list[RoundFigures] = []
    try:
        for round_ in range(1, rounds + 1):
            left = time_limit_s - (time.perf_counter() - started)
            if round_ > 1 and left < MIN_PART_SECONDS * waves:
                break  # no time for another round
            weight = FIRST_ROUND_WEIGHT if round_ == 1 else 1.0
            share = weight / (weight + rounds - round_)  # this round's part of the time left
            part_seconds = max(MIN_PART_SECONDS, left * share * (1 - ROUND_RESERVE) / waves)
            if round_ == 1:
                wanted = targets(need, cover, cap, turns)
            else:
                spare = spare_capacity([g.problem for g in groups], cap, cover, wanted)
                # Random rounding: a gap of one agent goes to a different group each time, not the largest.
                wanted = targets(need, cover, spare, rng=np.random.default_rng((seed, round_)))
            arguments = [(_with_target(g, wanted[i][g.rows], problem, warm=round_ > 1), part_seconds,
                          seed + 1000 * round_ + i) for i, g in enumerate(groups)]
            solutions = run(solve_part, arguments)
            kept = _merge(groups, solutions, cover, need, site_problem, round_)
            cost, under, over = coverage_cost(need, cover.sum(axis=0), problem.weights)
            history.append(RoundFigures(round_, float(cost + sum(g.cost for g in groups)), under, over, kept,
                                        time.perf_counter() - started))
            if under == 0 and over == 0:
                break  # coverage is exact: nothing left to coordinate
    finally:
        if pool is not None:
            pool.close()
    roster = Roster(tuple(s for g in groups for s in g.shifts))
    check_started = time.perf_counter()
    violations = check_roster(CheckContext.build(
        roster, problem.agents, problem.site, rules=problem.rules, absences=problem.absences,
        previous=problem.previous, week_start=problem.days[0], days=len(problem.days)))
    check_seconds = time.perf_counter() - check_started
    summaries = tuple(GroupSummary(g.name, len(g.problem.agents), tuple(sorted(set(g.problem.requirements["queue"]))),
                                   g.status, g.kept, g.seconds, g.cost) for g in groups)
    first, last = history[0], history[-1]  # round 1 always runs
    return DecomposedSolution(roster, summaries, len(history), time.perf_counter() - started, last.objective,
                              int(need.sum()), first.under_agent_intervals, last.under_agent_intervals,
                              tuple(history), tuple(violations), check_seconds)


def _with_target(group: _Group, wanted: np.ndarray, problem: Problem, warm: bool) -> Problem:
    """The group's sub-problem against its target; from round 2 on it starts from its current roster."""
    part = dataclasses.replace(group.problem, requirements=group.problem.requirements.assign(agents_required=wanted))
    if not warm or problem.published:
        # A re-plan keeps the published roster as its start and its change costs; there is no other warm start.
        return part
    # The engine starts from `published`; with no cost for changes it is a start, not a wish.
    return dataclasses.replace(part, published=group.shifts,
                               weights=dataclasses.replace(part.weights, change=0))


def _merge(groups: list[_Group], solutions: Sequence[Solution], cover: np.ndarray, need: np.ndarray,
           site: Problem, round_: int) -> int:
    """Take the groups' new rosters: all of them in round 1, later each one in turn only if the whole site's
    objective with it (and the new rosters taken before it) is not worse than with its current roster, so the
    site never gets worse. The turn starts one group later each round: the first in turn fills a shared gap
    first. Updates `cover` in place; returns how many groups' rosters were taken."""
    if len(solutions) != len(groups):
        raise ValueError(f"map_parts returned {len(solutions)} results for {len(groups)} parts; it must return "
                         "one result per argument tuple, in order")
    kept = 0
    for k in range(len(groups)):
        i = (k + round_) % len(groups)
        group, solution = groups[i], solutions[i]
        group.seconds += solution.solve_seconds
        group.status = solution.status
        if solution.status not in SOLVED:
            continue
        new_cover = coverage(solution.roster, site)
        new_cost = float(sum(solution.agent_costs.values()))
        if round_ > 1:
            others = cover.sum(axis=0) - cover[i]
            before = coverage_cost(need, others + cover[i], site.weights)[0] + group.cost
            after = coverage_cost(need, others + new_cover, site.weights)[0] + new_cost
            if after > before:
                continue
        cover[i] = new_cover
        group.shifts, group.cost, group.kept = solution.roster.shifts, new_cost, group.kept + (round_,)
        kept += 1
    return kept
