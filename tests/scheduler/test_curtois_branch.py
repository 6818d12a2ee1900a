"""Branch and price over a part of a Curtois–Qu roster: it moves only the part's employees, never makes the roster
worse, and when it says it closed its tree, CP-SAT given the same part finds nothing better."""

from __future__ import annotations

import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois import parse_instance
from scheduler.curtois_branch import branch_and_price
from scheduler.curtois_columns import ColumnGeneration
from scheduler.curtois_model import solve_instance, solve_part
from scheduler.curtois_score import check, objective
from tests.scheduler.test_curtois import staff_line, tiny
from tests.scheduler.test_curtois_columns import FAR, _three, assert_legal_and_held, random_part


def test_a_free_employee_takes_the_shift_that_is_short():
    # Two people wanted on day 0 and only A works (one missing: 100); B, once free, works day 0 too.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    part = branch_and_price(ColumnGeneration(instance, {}), {("A", 0): "D"}, {"B"}, FAR)
    assert part.roster == {("A", 0): "D", ("B", 0): "D"} and part.objective == 0 and part.proved


def test_a_part_that_cannot_do_better_is_proved_so_at_its_root_and_left_alone():
    # A already works the only shift A could work; whatever A does, one person is missing.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    part = branch_and_price(ColumnGeneration(instance, {}), {("A", 0): "D"}, {"A"}, FAR)
    assert part.roster == {("A", 0): "D"} and part.objective == 100 and part.proved and part.nodes == 1


def test_a_part_whose_time_is_up_keeps_its_roster_and_proves_nothing():
    instance = _three(cover="0,D,2,100,1", horizon=1)
    part = branch_and_price(ColumnGeneration(instance, {}), {("A", 0): "D"}, {"B", "C"}, time.perf_counter() - 1)
    assert part.roster == {("A", 0): "D"} and part.objective == 100 and not part.proved and part.nodes == 0


def test_where_the_programme_blends_schedules_the_tree_branches_to_the_optimum():
    # Three days; shifts D and N (no D the day after an N). B works only nights, never two in a row; A at most one
    # D, runs of two and rests of two inside the horizon, and wants D on day 1 (8). Wanted: N on days 0 and 1 (100
    # and 10 a missing one), two D on day 2 (10 each missing), no D on days 0 and 1 (100 too many). The wish is
    # lost (8); only A works D, and not on day 2 after night 1 or after a single day of rest, so night 1 and day
    # 2's D leave 20 short between them: 28 at best. The programme blends A's schedules at less.
    instance = _blended()
    part = branch_and_price(ColumnGeneration(instance, {}), {}, {"A", "B"}, FAR)
    assert part.proved and part.objective == 28 and part.nodes > 1
    assert check(instance, part.roster) == []


def test_each_node_that_is_not_dropped_is_shown_solved_before_the_tree_branches_there():
    instance = _blended()
    columns = ColumnGeneration(instance, {})
    costs, shown = [objective(instance, {})], []
    part = branch_and_price(columns, {}, {"A", "B"}, FAR, better=lambda cost, roster: costs.append(cost),
                            each_node=lambda node: shown.append((node is columns, node.last_bound, costs[-1])))
    assert shown and all(same for same, _, _ in shown) and len(shown) < part.nodes
    # Each node shown could still beat the best roster the tree had then; the root comes first.
    assert all(math.ceil(bound - 1e-6) < best for _, bound, best in shown)
    assert shown[0][1] == min(bound for _, bound, _ in shown)


def test_a_tree_proved_at_its_root_shows_no_node():
    instance = _three(cover="0,D,2,100,1", horizon=1)
    seen = []
    branch_and_price(ColumnGeneration(instance, {}), {("A", 0): "D"}, {"A"}, FAR, each_node=seen.append)
    assert seen == []


def _blended():
    staff = "A,D=1|N=3,100000,0,2,2,2,1\nB,D=0|N=3,100000,0,1,1,1,1"
    cover = "0,D,0,10,100\n0,N,1,100,1\n1,D,0,100,100\n1,N,1,10,1\n2,D,2,10,100\n2,N,0,10,10"
    return parse_instance(tiny(horizon=3, staff=staff, cover=cover, on="A,1,D,8"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_tree_is_legal_moves_only_its_part_and_proves_only_what_holds(data):
    instance, columns, roster, free = random_part(data)
    part = branch_and_price(columns, roster, free, time.perf_counter() + 60)
    assert_legal_and_held(instance, roster, part.roster, free)
    assert part.objective == objective(instance, part.roster) <= objective(instance, roster)
    # CP-SAT, given the same employees over every day with the others held, finds nothing the tree missed.
    exact = solve_part(instance, roster, sorted(free), None, 20, 2)
    assert exact.optimal
    if part.proved:
        assert part.objective == objective(instance, roster) - exact.improvement


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_tree_keeps_the_days_it_is_given_to_hold(data):
    instance, columns, roster, free = random_part(data)
    days = data.draw(st.sets(st.tuples(st.sampled_from(sorted(free)), st.integers(0, instance.horizon - 1))))
    held = {(e, d): frozenset({roster.get((e, d))}) for e, d in days}
    part = branch_and_price(columns, roster, free, time.perf_counter() + 60, held)
    assert_legal_and_held(instance, roster, part.roster, free)
    assert all(part.roster.get(cell) == roster.get(cell) for cell in held)
    assert part.objective == objective(instance, part.roster) <= objective(instance, roster)
    # Nothing that keeps those days is better: CP-SAT over the free employees with the same days fixed agrees.
    if part.proved:
        others = {(e.id, d) for e in instance.staff if e.id not in free for d in range(instance.horizon)}
        exact = solve_instance(instance, 20, workers=2, hint=roster, keep=others | set(held))
        assert exact.status == "OPTIMAL" and part.objective == exact.objective


def test_a_tree_told_to_stop_keeps_its_roster_and_proves_nothing():
    instance = _three(cover="0,D,2,100,1", horizon=1)
    part = branch_and_price(ColumnGeneration(instance, {}), {("A", 0): "D"}, {"B", "C"}, FAR, stopped=lambda: True)
    assert part.roster == {("A", 0): "D"} and part.objective == 100 and not part.proved and part.nodes == 0


def test_a_tree_drops_what_cannot_beat_the_ceiling_another_search_has_reached():
    # The tree that branches to prove 28 on its own: told that another search is at 0, it stops at its root,
    # proved (nothing beats 0), with the root's roster (polished: 28 here) as it is better than its start.
    instance = _blended()
    part = branch_and_price(ColumnGeneration(instance, {}), {}, {"A", "B"}, FAR, ceiling=lambda: 0)
    assert part.proved and part.nodes == 1 and part.objective == 28
    assert check(instance, part.roster) == []


def test_a_tree_over_a_set_leaves_the_others_as_they_are_even_where_their_known_schedules_would_do_better():
    # Day 0's D is short. A (free) has day 0 off; B (held, off) has a known schedule on it, which would fill it.
    staff = "\n".join(staff_line(e, max_cons=5, weekends=1) for e in "AB")
    instance = parse_instance(tiny(horizon=7, staff=staff, days_off="A,0", cover="0,D,1,100,1"))
    columns = ColumnGeneration(instance, {})
    columns.add_columns({"B": [("D",) + (None,) * 6]})
    part = branch_and_price(columns, {}, {"A"}, FAR)
    assert part.proved and part.objective == 100 and part.roster == {}


def test_a_tree_tells_each_better_roster_as_it_finds_it():
    instance = _blended()
    told = []
    part = branch_and_price(ColumnGeneration(instance, {}), {}, {"A", "B"}, FAR,
                            better=lambda cost, roster: told.append((cost, objective(instance, roster))))
    assert told and all(cost == scored for cost, scored in told) and told == sorted(told, reverse=True)
    assert told[-1][0] == part.objective == 28 and told[0][0] < objective(instance, {})
