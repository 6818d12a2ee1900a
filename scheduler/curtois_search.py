"""Solving a Curtois–Qu instance: the whole CP-SAT model where it is small enough to prove things, then a
large-neighbourhood search that re-solves parts (some employees over some days) exactly against the rest.

Every hard rule of the benchmark concerns one employee; employees meet only in the soft cover. So a roster built
one employee at a time against what the others already cover is always legal, and any part can be re-optimised
with everybody else held: the same decomposition the contact-center search (scheduler/roster_search.py) uses.
A part is kept when it costs no more than before, so the roster never gets worse and never breaks a rule.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, MutableMapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from scheduler.curtois import Instance
from scheduler.curtois_branch import Branched, branch_and_price, cannot_beat
from scheduler.curtois_columns import ColumnGeneration
from scheduler.curtois_model import DEFAULT_WORKERS, CurtoisResult, PartResult, solve_instance, solve_part
from scheduler.curtois_pricing import Schedule, SchedulePricer
from scheduler.curtois_score import broken_off_requests, cover_cost, objective, unmet_on_requests


@dataclass(frozen=True)
class SearchSettings:
    """How the time is spent. Sizes count x variables (employee × day × shift type)."""

    whole_model_share: float = 0.35   # of the time limit, for the whole model first ...
    whole_model_share_columns: float = 0.03  # ... or this share where columns follow (they do better with the
                                             # time: instance 8's whole model stood at 1,900-2,300 after 45 s)
    whole_model_max_size: int = 20_000  # ... if it has at most this many variables
    part_seconds: float = 4.0   # time limit of one part
    part_size: int = 1_500      # first size of a part; grows when parts are solved to optimality, shrinks if not
    min_part_size: int = 200
    max_part_size: int = 40_000
    construct_seconds: float = 1.0  # per employee to start with (doubled until one is found)
    construct_workers: int = 2
    part_workers: int = 1
    part_integer: bool = False  # a set re-solved by columns ends with the integer programme over its columns
                                # (on 8 it never beat the set's dive, and from ~4,500 columns CP-SAT's presolve
                                # alone outlasts its time)
    processes: int = 2  # parts, employees priced, or searches by columns (search_apart) side by side
    columns_until: float = 0.45  # column generation runs until this share of the time limit ...
    dive_until: float = 0.8      # ... and its dive until this one; the search over parts has the rest
    dive_shares: tuple[float, ...] = (0.03, 0.1, 0.2)  # of the employees still free, fixed per step of a dive;
    redive_until: float = 0.0    # after the first, dives follow each other until this share, with the shares in turn
                                 # (0: one dive; the search by columns makes better use of the time)
    dive_rounds: int = 20        # of pricing after each step at most
    integer_share: float = 0.1   # of the time limit at most, for the best roster from the columns after the dive
    integer_stall: float = 0.5   # of its time without a better roster, and any integer programme over columns stops
    column_search_until: float = 0.9  # then whole schedules of most employees re-solved by columns until this share,
    apart_until: float = 0.97    # ... or this one where searches run side by side (search_apart): on 5-8 the
                                 # search over parts after them found nothing in 100 s of 300
    column_stall: float = 0.3    # ... or until this share of the time limit has passed without a better roster
    column_part_share: float = 0.75  # of the employees, the first size of such a part; grows while parts are proved
    column_switch: float = 0.05  # of the time limit without a better roster: then the sets are solved the other
                                 # way (dives and integer programme, or trees) ...
    column_restart: float = 0.12  # of the time limit without a better roster: the search by columns starts
                                  # again from a new dive ...
    restart_dive_share: float = 0.25  # ... if the first dive took at most this share of that time; and then
    parallel_descents: bool = True    # one search by columns per process, each pricing alone (see search_apart)
    integer_before_descents: bool = False  # the integer programme after the dive also where searches apart follow
                                           # (on 8 it gained 1 in 1 of 5 traced runs, in 16 s of each)
    descent_lp: str = "highs"  # the master's solver in each of them (scheduler/curtois_master.py)
    whole_tree: bool = True    # one of them is a tree over every employee instead (see search_apart) ...
    whole_tree_max_days: int = 1_000  # ... where the instance has at most this many employee-days (8: 840, where
                                      # it found the optimum; 12: 1,680, where a second descent proves it sooner)
    neighbourhood_seconds: float = 60.0  # ... which first spends at most this long on the days where the
                                         # programme disputes the best roster (ColumnGeneration.agreeing_days)
    node_neighbourhood_seconds: float = 5.0  # ... and then this long on those where a node's programme does, at
                                             # nodes of the tree over everything (each better roster they found
                                             # on 8 came within 4 s), which between them runs ...
    node_neighbourhood_rest: float = 0.5     # ... this share of the last one's time
    branch_seconds: float = 10.0  # a tree over a set of employees at most this long
    dive_by_days: bool = False   # hold single days of the blend (ColumnGeneration.dive_cells), not whole columns
    exact_pricing_seconds: float = 0.5  # CP-SAT's time for an employee's schedule when a cap binds
    columns_max_cells: int = 10_000_000  # of one employee's pricing programme (days × states), or no columns


@dataclass(frozen=True)
class SearchProgress:
    seconds: float
    objective: int
    best_bound: float
    parts_tried: int
    parts_improved: int


def solve(instance: Instance, time_limit_s: float = 60.0, workers: int = DEFAULT_WORKERS, seed: int = 0,
          settings: SearchSettings = SearchSettings(),
          progress: Callable[[SearchProgress], None] | None = None) -> CurtoisResult:
    """The best roster found within the time limit, with the best bound the whole model or the column generation
    proved (0 without either)."""
    started = time.perf_counter()
    deadline = started + time_limit_s
    rng = random.Random(seed)
    bound, roster = 0.0, None
    columns = _columns_fit(instance, settings)
    if _size(instance) <= settings.whole_model_max_size:
        # The whole model proves the small instances optimal in seconds; where columns follow, they make better
        # use of the time than its own search does after that.
        share = settings.whole_model_share_columns if columns else settings.whole_model_share
        first = solve_instance(instance, time_limit_s * share, workers=workers, seed=seed)
        if first.status == "OPTIMAL" or first.objective is None and first.status == "INFEASIBLE":
            return first
        bound, roster = first.best_bound, first.solution if first.objective is not None else None
    if columns:
        found, floor = dive(instance, roster, started + time_limit_s * settings.columns_until,
                            started + time_limit_s * settings.dive_until, time_limit_s * settings.integer_share,
                            settings, started + time_limit_s * settings.redive_until,
                            started + time_limit_s * settings.column_search_until,
                            time_limit_s * settings.column_stall, rng, time_limit_s * settings.column_switch,
                            time_limit_s * settings.column_restart,
                            started + time_limit_s * settings.apart_until)
        bound = max(bound, floor)
        if found is not None and (roster is None or objective(instance, found) < objective(instance, roster)):
            roster = found
    if roster is None:
        roster = construct(instance, rng, settings)
    roster = improve(instance, roster, deadline, rng, settings, bound, started, progress)
    score = objective(instance, roster)
    status = "OPTIMAL" if score <= math.ceil(bound - 1e-6) else "FEASIBLE"
    return CurtoisResult(roster, score, bound, status, time.perf_counter() - started)


def dive(instance: Instance, roster: dict[tuple[str, int], str] | None, columns_deadline: float,
         dive_deadline: float, integer_seconds: float, settings: SearchSettings,
         redive_deadline: float = 0.0, search_deadline: float = 0.0, stall_seconds: float = 0.0,
         rng: random.Random | None = None,
         switch_after_s: float = math.inf,
         restart_after_s: float = math.inf,
         apart_deadline: float = 0.0) -> tuple[dict[tuple[str, int], str] | None, float]:
    """A roster from column generation, its dive, the integer programme over all columns found after it and the
    search by columns until `search_deadline`, or searches apart until `apart_deadline`, one per process, where
    dives are cheap, which then go on from the dive itself (None if the pricing finds no legal schedule for
    someone), and the best Lagrangian bound the generation proved (less a hair for the rounding of the prices)."""
    try:
        columns = ColumnGeneration(instance, roster, settings.processes, settings.exact_pricing_seconds)
    except ValueError:
        return None, 0.0
    try:
        columns.generate(columns_deadline)
        floor = columns.bound - 1e-6 * max(1.0, abs(columns.bound))
        # Every dive ends in a roster and leaves its columns in the pool; the next one starts from a programme that
        # knows more, so the dives differ (instance 8: 1,305 to 1,518 from the same start). The first may take
        # until the dive's deadline (a large instance needs it); the others until the redive deadline, which
        # leaves the search over parts its time.
        found, dives, diving = None, 0, time.perf_counter()
        while found is None or time.perf_counter() < redive_deadline:
            dived = _fresh_dive(columns, redive_deadline, settings, dives) if dives else _plunge(
                columns, dive_deadline, settings, 0)
            if found is None or objective(instance, dived) < objective(instance, found):
                found = dived
            dives += 1
        dive_seconds = time.perf_counter() - diving
        if roster is not None and objective(instance, roster) < objective(instance, found):
            found = dict(roster)
        # Starting again pays where a dive is cheap next to the time between restarts (8: 4 s); where it takes
        # minutes (13), a new dive would only take the time of the descents and of the search over parts.
        affordable = dive_seconds <= settings.restart_dive_share * restart_after_s
        apart = affordable and settings.parallel_descents and settings.processes > 1
        if not apart or settings.integer_before_descents:
            # The dive commits to one column at a time; the columns it and the generation found often combine into
            # a better roster (instance 5: 1,148 after the dive, its optimum 1,143 from the columns).
            best = columns.integer(integer_seconds, found, settings.processes,
                                   stall_s=integer_seconds * settings.integer_stall)
            if best is not None and objective(instance, best) < objective(instance, found):
                found = best
        rng = rng or random.Random(0)
        if apart:
            columns.close()  # its pricing processes would only wait beside the descents
            found = search_apart(instance, columns.pool.schedules, found, max(search_deadline, apart_deadline),
                                 stall_seconds, floor, [rng.randrange(1 << 30) for _ in range(settings.processes)],
                                 settings, switch_after_s, restart_after_s)
        else:
            found = column_search(instance, columns, found, search_deadline, stall_seconds, floor, rng, settings,
                                  switch_after_s, restart_after_s if affordable else math.inf)
        return found, floor
    finally:
        columns.close()


def column_search(instance: Instance, columns: ColumnGeneration, roster: dict[tuple[str, int], str],
                  deadline: float, stall_seconds: float, bound: float, rng: random.Random,
                  settings: SearchSettings, switch_after_s: float = math.inf,
                  restart_after_s: float = math.inf,
                  stopped: Callable[[], bool] = lambda: False,
                  better: Callable[[int, dict[tuple[str, int], str]], None] = lambda cost, roster: None,
                  ) -> dict[tuple[str, int], str]:
    """Re-solve the whole schedules of random sets of employees by columns with the others held, keeping each
    roster that costs no more, until the deadline, the bound, `stopped()` (asked between sets), or `stall_seconds`
    without a better roster (each better one is told to `better`, with its cost): by a dive and the integer
    programme over the columns (ColumnGeneration.improve_part), or by branch and price
    (scheduler/curtois_branch.py). It starts with the dives and changes to the other way whenever one has found
    nothing better for `switch_after_s`. After `restart_after_s` without a better roster it starts again from a
    new dive over all the columns found so far, and returns the best roster of all its descents.

    At the end of the dive the search over parts of the CP-SAT model finds little (instances 5 and 8: nothing in
    the last 100 s of 300), while the columns still recombine: a set of most employees moves in one step, and
    sets that cannot do better are proved so, most by the programme at once. The dive is quick while there is
    much to gain; nearer the optimum the tree finds what it misses (instance 8: from 1,303, where the dives found
    nothing for 90 s, it found 1,302 and 1,301; in a run from a worse dive it found 1,324, 1,312, 1,308 and
    1,307 where the dives between found nothing). Where a node takes seconds (instance 13: 120 employees, a
    master solve of 0.6 s), the trees find little and the dives keep their turn. A set proved within its time is
    too small, so the next is larger; one left open is too large, so the next is smaller.

    A descent settles within a minute, each in another place (instance 8: 1,301 to 1,305 from different
    dives), and none moved again in the 100-250 s that followed: starting again from a new dive explores more."""
    staff = [e.id for e in instance.staff]
    first_size = max(1, round(settings.column_part_share * len(staff)))
    size = first_size
    cost = objective(instance, roster)
    best, best_cost = roster, cost
    target = math.ceil(bound - 1e-6) if bound > -math.inf else -math.inf  # no bound if the generation ran out of time
    last_found = calm_since = time.perf_counter()
    trees, dives = False, 0
    while (best_cost > target and (now := time.perf_counter()) < deadline and now - last_found < stall_seconds
           and not stopped()):
        if now - last_found >= restart_after_s:
            roster = _fresh_dive(columns, min(deadline, now + restart_after_s), settings, dives)
            cost, size, trees, dives = objective(instance, roster), first_size, False, dives + 1
            last_found = calm_since = time.perf_counter()
            if cost < best_cost:
                best, best_cost = roster, cost
                better(cost, roster)
            continue
        free = rng.sample(staff, rng.randint(max(1, size - 3), size))
        if now - calm_since >= switch_after_s:
            trees, calm_since = not trees, now
        if trees:
            tree = branch_and_price(columns, roster, free, min(deadline, now + settings.branch_seconds))
            roster, saved, proved, too_large = tree.roster, cost - tree.objective, tree.proved, not tree.proved
        else:
            part = columns.improve_part(roster, free, min(deadline, now + settings.part_seconds),
                                        settings.part_seconds if settings.part_integer else 0.0,
                                        seed=rng.randrange(1 << 30),
                                        integer_stall_s=settings.part_seconds * settings.integer_stall)
            roster, saved, proved, too_large = part.roster, part.saved, part.proved, not part.converged
        if saved > 0:
            cost -= saved
            last_found = calm_since = time.perf_counter()
            if cost < best_cost:
                best, best_cost = roster, cost
                better(cost, roster)
        size = min(len(staff), size + 1) if proved else max(1, size - 1) if too_large else size
    return best


def search_apart(instance: Instance, schedules: dict[str, list[Schedule]], roster: dict[tuple[str, int], str],
                 deadline: float, stall_seconds: float, bound: float, seeds: list[int], settings: SearchSettings,
                 switch_after_s: float = math.inf,
                 restart_after_s: float = math.inf) -> dict[tuple[str, int], str]:
    """The best roster of independent searches by columns from `roster`, one per seed, side by side in their own
    processes, each with every schedule found so far and its own pricing.

    Where dives are cheap the search by columns is a sampler: descents from different dives settle in different
    places (instance 8: 1,300 to 1,316), and the best of more descents is better. Pricing an employee takes
    milliseconds, so a second process pricing beside the first adds little (instance 8: 30 sets re-solved in 40 s
    against 26 alone, and the generation took 2.5 s against 0.9 s alone); a second search adds a whole one.
    With `settings.whole_tree`, one of them is a tree over every employee instead (`_whole_tree`), from the best
    roster the others share. A search that reaches the bound stops the others: nothing can beat its roster."""
    context = multiprocessing.get_context("spawn")
    alone = replace(settings, processes=1)
    with context.Manager() as manager, ProcessPoolExecutor(len(seeds), mp_context=context) as executor:
        reached, best = manager.Event(), manager.dict(cost=objective(instance, roster), roster=roster)
        descents = seeds[1:] if wants_whole_tree(instance, settings, len(seeds)) else seeds
        futures = [executor.submit(_search_alone, instance, schedules, roster, deadline, stall_seconds, bound,
                                   seed, alone, switch_after_s, restart_after_s, reached, best)
                   for seed in descents]
        if len(descents) < len(seeds):
            futures.append(executor.submit(_whole_tree, instance, schedules, deadline, bound, alone, reached, best))
        found = [future.result() for future in futures]
    return min([roster, *found], key=lambda r: objective(instance, r))


def wants_whole_tree(instance: Instance, settings: SearchSettings, processes: int) -> bool:
    """Whether one of the searches apart is a tree over every employee: where another process is left for a
    descent, and the tree is small enough to move (on 12, 60 employees over 28 days, the tree in place of a
    second descent left the roster at 4,041-4,043 where two descents proved 4,040 in 133 s)."""
    return (settings.whole_tree and processes > 1
            and len(instance.staff) * instance.horizon <= settings.whole_tree_max_days)


def _search_alone(instance: Instance, schedules: dict[str, list[Schedule]], roster: dict[tuple[str, int], str],
                  deadline: float, stall_seconds: float, bound: float, seed: int, settings: SearchSettings,
                  switch_after_s: float, restart_after_s: float,
                  reached: threading.Event | None = None,
                  best: MutableMapping[str, object] | None = None) -> dict[tuple[str, int], str]:
    """One search by columns in a process of its own; `reached` (shared with the others) is set when its roster
    is at the bound, and stops it when another's is; `best` (shared too) gets each roster that beats its cost."""
    reached = reached or threading.Event()
    best = best if best is not None else {"cost": objective(instance, roster), "roster": roster}
    columns = ColumnGeneration(instance, roster, 1, settings.exact_pricing_seconds, settings.descent_lp)
    try:
        columns.add_columns(schedules)
        found = column_search(instance, columns, roster, deadline, stall_seconds, bound, random.Random(seed),
                              settings, switch_after_s, restart_after_s, reached.is_set,
                              lambda cost, found: _publish(best, cost, found))
        if cannot_beat(bound, objective(instance, found)):
            reached.set()
        return found
    finally:
        columns.close()


def _whole_tree(instance: Instance, schedules: dict[str, list[Schedule]], deadline: float, bound: float,
                settings: SearchSettings, reached: threading.Event,
                best: MutableMapping[str, object]) -> dict[tuple[str, int], str]:
    """Branch and price over every employee in a process of its own, from the `best` roster the searches have
    reached and dropping what cannot beat its cost, until the deadline or another search reaches the bound; it
    starts again from the best roster whenever that gets better, and gives back the best of its own.

    A tree over everybody is the move that the searches by columns cannot make: a roster where they have settled
    is often the best of every set of 25 of 30 employees of 8 and of every window of 21 days with all employees
    (each proved so in a node or a few), and the optimum differs from it in 22 employees. From such a roster of
    1,301 with the columns of the generation, a tree over everybody found 1,300 within 60 s in two of four tries.
    The tree needs the low cost to drop most nodes: from the searches' first roster (1,305-1,409) it found nothing
    in 233 s.

    Each start first holds the days on which the programme over everybody agrees with the roster and settles the
    rest (a relaxation-induced neighbourhood): from a roster of 1,303 where a run had settled, with its 7,024
    columns, that found 1,300 within 36 s where the tree over everything found nothing in 60 s."""
    started = dict(best["roster"])
    own, own_cost = started, objective(instance, started)
    columns = ColumnGeneration(instance, started, 1, settings.exact_pricing_seconds, settings.descent_lp)
    second = ColumnGeneration(instance, started, 1, settings.exact_pricing_seconds, settings.descent_lp)
    staff = [e.id for e in instance.staff]
    try:
        columns.add_columns(schedules)
        second.add_columns(schedules)
        while time.perf_counter() < deadline and not reached.is_set():
            start, cost = dict(best["roster"]), int(best["cost"])
            moved = partial(_moved, reached, best, cost)
            # Each roster a tree finds is shared at once and stops it: the next start is from the new roster.
            shared = {"stopped": moved, "ceiling": lambda: int(best["cost"]), "better": partial(_publish, best)}
            held = _disputed(columns, start, staff, deadline) if settings.neighbourhood_seconds > 0 else {}
            if held:
                near = branch_and_price(columns, start, staff,
                                        min(deadline, time.perf_counter() + settings.neighbourhood_seconds),
                                        held=held, **shared)
                if near.objective < own_cost:
                    own, own_cost = near.roster, near.objective
                if moved():
                    continue
            nodes = NodeNeighbourhoods(second, start, staff, deadline, settings.node_neighbourhood_seconds,
                                       settings.node_neighbourhood_rest, shared, {_key(held)})
            tree = branch_and_price(columns, start, staff, deadline,
                                    each_node=nodes if settings.node_neighbourhood_seconds > 0 else _nothing,
                                    **shared)
            for found in (tree, nodes.found):
                if found is not None and found.objective < own_cost:
                    own, own_cost = found.roster, found.objective
            if tree.proved or cannot_beat(bound, min(own_cost, int(best["cost"]))):
                reached.set()  # closed: nothing beats the best roster any search has
            if not moved():
                break  # out of time, or nothing left to branch on
        return own
    finally:
        columns.close()
        second.close()


class NodeNeighbourhoods:
    """At nodes of a tree over everybody, a tree over the days where the node's programme disputes the start roster,
    on a second programme, each at most `seconds`; the tree's own nodes then run for `rest` times as long as it
    took before the next.

    The programme at the root agrees with a settled roster on days where a better roster differs: from a roster of
    1,302 of 8, the tree over the days disputed at the root found nothing in 60 s (nor did the tree over everything
    in 79 s), while freeing four of the days it held found 1,300 within 3.4 s. A node's branching moves its
    programme, and with it the days in dispute: from that roster, the neighbourhood of the fourth node found 1,300
    within 4 s (Danna, Rothberg and Le Pape call it RINS at the nodes of the tree)."""

    def __init__(self, columns: ColumnGeneration, start: dict[tuple[str, int], str], staff: list[str],
                 deadline: float, seconds: float, rest: float, shared: dict, tried: set[int]):
        self.columns, self.start, self.staff, self.deadline = columns, start, staff, deadline
        self.seconds, self.rest, self.shared, self.tried = seconds, rest, shared, tried
        self.found: Branched | None = None  # the best of the neighbourhoods' rosters
        self.resume_at = -math.inf  # no neighbourhood before this time

    def __call__(self, node: ColumnGeneration) -> None:
        now = time.perf_counter()
        if now < self.resume_at:
            return
        held = node.agreeing_days(self.start)
        key = _key(held)
        if not held or key in self.tried:
            return
        self.tried.add(key)
        self.columns.add_columns(node.pool.schedules)
        near = branch_and_price(self.columns, self.start, self.staff, min(self.deadline, now + self.seconds),
                                held=held, **self.shared)
        if self.found is None or near.objective < self.found.objective:
            self.found = near
        ended = time.perf_counter()
        self.resume_at = ended + self.rest * (ended - now)


def _key(held: dict[tuple[str, int], frozenset[str | None]]) -> int:
    """The same days held the same way have the same key (a neighbourhood is not tried twice)."""
    return hash(frozenset(held.items()))


def _nothing(columns: ColumnGeneration) -> None:
    return None


def _moved(reached: threading.Event, best: MutableMapping[str, object], cost: int) -> bool:
    """Whether a search reached the bound or the shared best roster costs less than `cost`."""
    return reached.is_set() or int(best["cost"]) < cost


def _disputed(columns: ColumnGeneration, roster: dict[tuple[str, int], str], staff: list[str],
              deadline: float) -> dict[tuple[str, int], frozenset[str | None]]:
    """The days where the programme over everybody agrees with the roster, to hold while a tree settles the rest
    (none if its generation ran out of time)."""
    columns.hold_part(roster, staff)
    return columns.agreeing_days(roster) if columns.generate(deadline) else {}


def _publish(best: MutableMapping[str, object], cost: int, roster: dict[tuple[str, int], str]) -> None:
    """The roster becomes the shared best if it costs less (two searches at once may both write; the other's
    better roster is then lost to the tree, never to the result, which each search returns itself)."""
    if cost < int(best["cost"]):
        best.update(cost=cost, roster=dict(roster))


def _fresh_dive(columns: ColumnGeneration, deadline: float, settings: SearchSettings,
                dives: int) -> dict[tuple[str, int], str]:
    """A new roster by a dive over the whole programme, everything let go, with every column found so far."""
    columns.reset()
    columns.generate(deadline)
    return _plunge(columns, deadline, settings, dives)


def _plunge(columns: ColumnGeneration, deadline: float, settings: SearchSettings,
            turn: int) -> dict[tuple[str, int], str]:
    """A dive from the programme as it stands, fixing the share of employees per step that is the turn's."""
    plunge = columns.dive_cells if settings.dive_by_days else columns.dive
    return columns.polished(plunge(deadline, settings.dive_shares[turn % len(settings.dive_shares)],
                                   settings.dive_rounds))


def _columns_fit(instance: Instance, settings: SearchSettings) -> bool:
    return all(SchedulePricer(instance, e).size * instance.horizon <= settings.columns_max_cells
               for e in instance.staff)


def construct(instance: Instance, rng: random.Random, settings: SearchSettings) -> dict[tuple[str, int], str]:
    """A legal roster built one employee at a time, each at their best against what the others cover so far."""
    roster: dict[tuple[str, int], str] = {}
    order = list(instance.staff)
    rng.shuffle(order)
    for e in order:
        limit = settings.construct_seconds
        while True:
            part = solve_part(instance, roster, [e.id], None, limit, settings.construct_workers,
                              rng.randrange(1 << 30))
            if part.improvement is not None:
                break
            if part.infeasible or limit > 120:
                raise ValueError(f"{instance.name}: employee {e.id} has no schedule that keeps every hard rule")
            limit *= 2
        roster = part.roster
    return roster


def improve(instance: Instance, roster: dict[tuple[str, int], str], deadline: float, rng: random.Random,
            settings: SearchSettings, bound: float = 0.0, started: float | None = None,
            progress: Callable[[SearchProgress], None] | None = None) -> dict[tuple[str, int], str]:
    """Re-solve parts of the roster until the deadline or the bound; keep each part that costs no more.

    One part is solved per process at a time (one CP-SAT worker proves a small part much sooner than two
    sharing it), `settings.processes` of them side by side from the same roster. The best is kept; a second
    one is added when it touches other employees and other days, because then the two savings simply add up."""
    started = started if started is not None else time.perf_counter()
    cost = objective(instance, roster)
    target = math.ceil(bound - 1e-6)
    sizes = dict.fromkeys(KINDS, settings.part_size)
    # What each kind saved per second lately: kinds that pay are chosen more often, none is ever dropped.
    yields = dict.fromkeys(KINDS, 1.0)
    tried = improved = 0
    pool = None
    if settings.processes > 1:
        pool = ProcessPoolExecutor(settings.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_share, initargs=(instance,))
    try:
        while cost > target:
            left = deadline - time.perf_counter()
            if left < 0.2:
                break
            limit = min(settings.part_seconds, left)
            floor = 0.1 * max(yields.values()) + 1e-6
            kinds = rng.choices(KINDS, weights=[yields[k] + floor for k in KINDS], k=max(1, settings.processes))
            parts = [neighbourhood(instance, roster, sizes[k], rng, k) for k in kinds]
            seeds = [rng.randrange(1 << 30) for _ in parts]
            if pool is None:
                results = [solve_part(instance, roster, staff, days, limit, settings.part_workers, seed)
                           for (staff, days), seed in zip(parts, seeds, strict=True)]
            else:
                results = list(pool.map(_solve_shared, [(roster, staff, days, limit, settings.part_workers, seed)
                                                        for (staff, days), seed in zip(parts, seeds, strict=True)]))
            tried += len(results)
            roster, saved = _merge(roster, parts, results)
            cost -= saved
            improved += saved > 0
            for kind, part in zip(kinds, results, strict=True):
                gain = max(0, part.improvement or 0) / max(0.05, part.seconds)
                yields[kind] = 0.9 * yields[kind] + 0.1 * gain
                # Parts proved optimal are too easy to find anything new: grow them; parts left open shrink.
                grown = int(sizes[kind] * 1.15) if part.optimal else int(sizes[kind] / 1.3)
                sizes[kind] = max(settings.min_part_size, min(settings.max_part_size, grown))
            if progress:
                progress(SearchProgress(time.perf_counter() - started, cost, bound, tried, improved))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return roster


def _merge(roster: dict[tuple[str, int], str], parts: list[tuple[list[str], range]],
           results: list[PartResult]) -> tuple[dict[tuple[str, int], str], int]:
    """The roster with the best part applied, and a second one if it is disjoint from the first in employees and
    days; with what they save together."""
    ranked = sorted((r.improvement, i) for i, r in enumerate(results) if r.improvement is not None
                    and r.improvement >= 0)
    if not ranked:
        return roster, 0
    saved, best = ranked[-1]
    staff, days = parts[best]
    merged = results[best].roster
    for other_saved, other in reversed(ranked[:-1]):
        other_staff, other_days = parts[other]
        if other_saved > 0 and not set(staff) & set(other_staff) and not set(days) & set(other_days):
            changed = {key: shift for key, shift in results[other].roster.items()
                       if key[0] in other_staff and key[1] in other_days}
            merged = {key: shift for key, shift in merged.items()
                      if not (key[0] in other_staff and key[1] in other_days)}
            merged.update(changed)
            saved += other_saved
            break
    return merged, saved


_shared: Instance | None = None


def _share(instance: Instance) -> None:
    global _shared
    _shared = instance


def _solve_shared(args: tuple) -> PartResult:
    roster, staff, days, limit, workers, seed = args
    assert _shared is not None
    return solve_part(_shared, roster, staff, days, limit, workers, seed)


# Kinds of parts: random employees over a long stretch (moves whole working patterns); many employees over one
# to three days (exchanges shift types within a day); the employees who may work a badly covered shift over one
# to two weeks around it; an employee whose request is not met, with those working that day, around it (where
# under-cover weighs a hundred times a request, the other kinds all go to the under-covered shifts).
KINDS = ("stretch", "days", "weeks", "requests")


def neighbourhood(instance: Instance, roster: dict[tuple[str, int], str], size: int, rng: random.Random,
                  kind: str = "stretch") -> tuple[list[str], range]:
    """Some employees over some days, about `size` variables, of one of the KINDS."""
    horizon, staff = instance.horizon, [e.id for e in instance.staff]
    per_day = max(1.0, _eligible_shifts(instance))
    if kind == "requests" and (unmet := _unmet_requests(instance, roster)):
        return _around_request(instance, roster, _pick(unmet, rng), size, per_day, rng)
    worst = _costly_cover(instance, roster) if kind in ("days", "weeks") else {}
    if not worst:
        days = horizon if horizon <= 28 or rng.random() < 0.3 else rng.choice((14, 21, 28))
        focus = None
    elif kind == "days":
        days, focus = rng.choice((1, 2, 3)), _pick(worst, rng)
    else:
        days, focus = rng.choice((7, 10, 14)), _pick(worst, rng)
    days = min(days, horizon)
    count = max(2, min(len(staff), int(size / (days * per_day))))
    if focus is None:
        start = rng.randrange(horizon - days + 1)
        return rng.sample(staff, count), range(start, start + days)
    day, shift = focus
    start = max(0, min(horizon - days, day - rng.randrange(days)))
    able = [e.id for e in instance.staff if e.max_shifts.get(shift, horizon) > 0]
    rng.shuffle(able)
    others = [e for e in staff if e not in set(able)]
    rng.shuffle(others)
    return (able + others)[:count], range(start, start + days)


Focus = TypeVar("Focus")  # what a part centres on: a cover row (day, shift) or a request's (employee, day)


def _around_request(instance: Instance, roster: dict[tuple[str, int], str], focus: tuple[str, int], size: int,
                    per_day: float, rng: random.Random) -> tuple[list[str], range]:
    """The employee of an unmet request and, first, those who work that day (one of them may take the shift
    over, or give theirs), over a few days to two weeks around it."""
    employee, day = focus
    days = min(instance.horizon, rng.choice((3, 7, 14)))
    count = max(2, min(len(instance.staff), int(size / (days * per_day))))
    start = max(0, min(instance.horizon - days, day - rng.randrange(days)))
    working = [e.id for e in instance.staff if (e.id, day) in roster and e.id != employee]
    rest = [e.id for e in instance.staff if (e.id, day) not in roster and e.id != employee]
    rng.shuffle(working)
    rng.shuffle(rest)
    return [employee, *working, *rest][:count], range(start, start + days)


def _unmet_requests(instance: Instance, roster: dict[tuple[str, int], str]) -> dict[tuple[str, int], int]:
    """(employee, day) -> the weight of the requests the roster does not meet there."""
    unmet: Counter[tuple[str, int]] = Counter()
    for r in unmet_on_requests(instance, roster) + broken_off_requests(instance, roster):
        unmet[r.employee, r.day] += r.weight
    return dict(unmet)


def _pick(costs: dict[Focus, int], rng: random.Random) -> Focus:
    return rng.choices(list(costs), weights=list(costs.values()))[0]


def _eligible_shifts(instance: Instance) -> float:
    """Shift types an employee may work, on average: the variables per employee and day."""
    allowed = sum(e.max_shifts.get(s.id, instance.horizon) > 0 for e in instance.staff for s in instance.shifts)
    return allowed / max(1, len(instance.staff))


def _costly_cover(instance: Instance, roster: dict[tuple[str, int], str]) -> dict[tuple[int, str], int]:
    """(day, shift) -> what its cover costs now, for rows that cost anything."""
    counts = Counter((d, s) for (_, d), s in roster.items())
    costs = {}
    for c in instance.cover:
        cost = cover_cost(c, counts[c.day, c.shift])
        if cost:
            costs[c.day, c.shift] = cost
    return costs


def _size(instance: Instance) -> int:
    return instance.horizon * len(instance.staff) * len(instance.shifts)
