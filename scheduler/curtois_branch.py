"""Branch and price over a part of a Curtois–Qu roster: the part's employees choose whole schedules by column
generation (scheduler/curtois_columns.py) with everybody else held, and a search tree closes the gap between the
programme's bound and a roster: first over the cover rows' totals where the blend has a fraction of a person (at most
the number below, or at least the number above), then over single days (an employee works a given shift that day,
or does not).

The dive and the integer programme over the columns found are heuristics: on instance 8 the search by columns with
them stopped at 1,303 for 90 s, while the tree, given the same sets of 25 employees, found 1,302 and then 1,301 and
proved most of the other sets unable to do better. Each node holds some days and asks the pricing for columns that
keep them, so a node's programme is exact for its part of the tree and its Lagrangian bound prunes it.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from scheduler.curtois_columns import ColumnGeneration, Roster
from scheduler.curtois_master import Totals
from scheduler.curtois_score import objective

Held = dict[tuple[str, int], frozenset[str | None]]  # (employee, day) -> the shifts still allowed (None: off)


@dataclass(frozen=True)
class Branched:
    """The best roster the tree found (never worse than the one it started from), the nodes it solved, and whether
    it closed: then no roster that changes only the part's employees costs less than it or the ceiling it was
    given."""

    roster: dict[tuple[str, int], str]
    objective: int
    nodes: int
    proved: bool


def branch_and_price(columns: ColumnGeneration, roster: Roster, free: Collection[str],
                     deadline: float, held: Held | None = None,
                     stopped: Callable[[], bool] = lambda: False,
                     ceiling: Callable[[], float] = lambda: math.inf,
                     better: Callable[[int, dict[tuple[str, int], str]], None] = lambda cost, roster: None,
                     each_node: Callable[[ColumnGeneration], None] = lambda columns: None,
                     ) -> Branched:
    """The best roster that changes only the free employees' schedules (and keeps the days `held`), by a tree
    over their days until the deadline or `stopped()` (asked at every node); each better roster is told to `better`
    as it is found, with its cost. The tree dives (the child nearer the blend goes first) and then takes the open
    node of least bound; a node whose bound cannot beat the best roster so far, its own or the cost `ceiling()`
    says another search has reached, is dropped. `each_node` sees the programme of every node that is not dropped,
    solved, before the tree branches there (a heuristic's hook: it must not change the programme)."""
    columns.hold_part(roster, free)
    with columns.warm_starts():
        return _search(columns, roster, free, deadline, held or {}, stopped, ceiling, better, each_node)


def _search(columns: ColumnGeneration, roster: Roster, free: Collection[str], deadline: float,
            held: Held, stopped: Callable[[], bool], ceiling: Callable[[], float],
            better: Callable[[int, dict[tuple[str, int], str]], None],
            each_node: Callable[[ColumnGeneration], None]) -> Branched:
    instance = columns.instance
    best, cost = dict(roster), objective(instance, roster)
    everything = {e: frozenset([None, *(s.id for s in columns.pricers[e].shifts)]) for e in free}
    waiting: list[tuple[float, int, Node]] = []  # bound of the parent, order of arrival, what the node holds
    node: Node | None = Node(dict(held), {})
    nodes = 0
    complete = True  # False once a node was left without proof that nothing below it beats the best
    try:
        while True:
            if node is None:
                if not waiting or cannot_beat(waiting[0][0], min(cost, ceiling())):
                    return Branched(best, cost, nodes, complete)  # the least bound left cannot beat it: none can
                node = heapq.heappop(waiting)[2]
            if time.perf_counter() >= deadline or stopped():
                return Branched(best, cost, nodes, False)
            nodes += 1
            try:
                columns.hold_days(node.days)
            except ValueError:  # no legal schedule of someone keeps these days: nothing below this node
                node = None
                continue
            columns.hold_totals(node.totals)
            if not columns.generate(deadline):
                return Branched(best, cost, nodes, False)
            bound = columns.last_bound
            rounded, whole = columns.heaviest_roster()
            rounded = columns.polished(rounded, free)
            if (found := objective(instance, rounded)) < cost:
                best, cost = rounded, found
                better(cost, best)
            if cannot_beat(bound, min(cost, ceiling())):
                node = None
                continue
            each_node(columns)
            # Totals first: they decide the cover, which weighs most, and a few of them branch where many days would.
            fractional = columns.fractional_totals()
            if fractional:
                total, key = min(fractional, key=lambda t: abs(t[0] - math.floor(t[0]) - 0.5))
                low, high = node.totals.get(key, (0, math.inf))
                down = Node(node.days, {**node.totals, key: (low, math.floor(total))})
                up = Node(node.days, {**node.totals, key: (math.ceil(total), high)})
                near, far = (down, up) if total - math.floor(total) < 0.5 else (up, down)
                heapq.heappush(waiting, (bound, nodes, far))
                node = near
                continue
            undecided = [] if whole else columns.undecided_days()
            if not undecided:
                # A whole blend is a roster: where a cap made the pricing a heuristic, its bound may stay below it
                # and there is nothing left to branch on, so the node ends without that proof.
                complete = False
                node = None
                continue
            # The day split most evenly: either child moves the programme.
            _, e, d, shift = min(undecided, key=lambda c: abs(c[0] - 0.5))
            allowed = node.days.get((e, d), everything[e])
            heapq.heappush(waiting, (bound, nodes, Node({**node.days, (e, d): allowed - {shift}}, node.totals)))
            node = Node({**node.days, (e, d): frozenset({shift})}, node.totals)
    finally:
        columns.hold_totals({})


@dataclass(frozen=True)
class Node:
    """What a node of the tree holds: some days of some employees, and the totals of some cover rows."""

    days: Held
    totals: Totals


def cannot_beat(bound: float, cost: int) -> bool:
    """By this bound no roster costs less than `cost` (never so without a bound, -inf)."""
    return bound > -math.inf and math.ceil(bound - 1e-6) >= cost

