"""Column generation on the Curtois–Qu model: the master programme prices schedules as the scorer does, its value at
the end is a lower bound of the optimum, and the dive turns it into a legal roster."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois import Instance, parse_instance
from scheduler.curtois_columns import ColumnGeneration, schedule_of
from scheduler.curtois_model import solve_instance, solve_part
from scheduler.curtois_score import check, objective, objective_parts
from tests.scheduler.test_curtois import random_cover, staff_line, tiny

FAR = 1e9  # a deadline that never comes


def _three(cover: str, on: str = "", off: str = "", horizon: int = 7, **changes: object):
    staff = "\n".join(staff_line(e, max_cons=5, weekends=1, **changes) for e in "ABC")
    return parse_instance(tiny(horizon=horizon, staff=staff, cover=cover, on=on, off=off))


def _random_three(data: st.DataObject):
    """Three employees over 2-7 days with rules and cover drawn by hypothesis; caps per shift type may bind (the
    pricing counts them in its state)."""
    horizon = data.draw(st.integers(2, 7))
    staff = "\n".join(staff_line(e, max_cons=data.draw(st.integers(2, 5)), min_cons=data.draw(st.integers(1, 2)),
                                 min_off=data.draw(st.integers(1, 2)), weekends=1,
                                 max_shifts=f"D={data.draw(st.integers(0, 7))}|N={data.draw(st.integers(0, 7))}")
                       for e in "ABC")
    return parse_instance(tiny(horizon=horizon, staff=staff, cover=random_cover(data, horizon)))


def generated_three(data: st.DataObject) -> tuple[Instance, ColumnGeneration]:
    """A random instance of three (`_random_three`) and its column generation, run to its end."""
    instance = _random_three(data)
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    return instance, columns


def random_part(data: st.DataObject) -> tuple[Instance, ColumnGeneration, dict[tuple[str, int], str], set[str]]:
    """A random instance of three (`_random_three`), its columns, the dive's roster and a random set free."""
    instance = _random_three(data)
    columns = ColumnGeneration(instance)
    roster = columns.dive(time.perf_counter() + 60)
    return instance, columns, roster, data.draw(st.sets(st.sampled_from("ABC"), min_size=1))


def assert_legal_and_held(instance: Instance, before: dict[tuple[str, int], str], after: dict[tuple[str, int], str],
                          free: set[str]) -> None:
    """The roster after a part keeps every hard rule, and the employees not free work as before."""
    assert check(instance, after) == []
    assert all(after.get((e, d)) == before.get((e, d)) for e in "ABC" if e not in free
               for d in range(instance.horizon))


def test_a_schedules_cost_is_its_request_cost_as_the_scorer_counts_it():
    instance = _three(cover="", on="A,0,D,3\nA,1,N,2\nB,0,D,7", off="A,2,D,5\nA,3,N,1")
    columns = ColumnGeneration(instance, {})
    roster = {("A", 0): "D", ("A", 1): "D", ("A", 2): "D", ("A", 3): "N"}
    parts = objective_parts(instance, roster)
    # A misses the N request of day 1 (2) and breaks both off requests (5 + 1); B misses its request (7).
    assert columns.master.cost("A", schedule_of(instance, roster, "A")) == 2 + 5 + 1
    assert columns.master.cost("B", schedule_of(instance, roster, "B")) == 7
    assert parts.on_requests + parts.off_requests == 2 + 5 + 1 + 7


def test_the_starting_roster_is_every_employees_first_column():
    instance = _three(cover="0,D,1,100,1")
    roster = {("B", 0): "D", ("C", 3): "N"}
    columns = ColumnGeneration(instance, roster)
    assert [columns.pool.schedules[e][0] for e in "ABC"] == [schedule_of(instance, roster, e) for e in "ABC"]


def test_known_schedules_join_the_pool_once_each():
    instance = _three(cover="0,D,1,100,1")
    columns = ColumnGeneration(instance, {})
    off = (None,) * 7
    week = ("D",) * 5 + (None, None)
    assert columns.add_columns({"A": [off, week, week], "B": [week]}) == 2  # A's days off were its first column
    assert columns.pool.schedules["A"] == [off, week] and columns.pool.schedules["B"] == [off, week]


def test_without_a_roster_everybody_starts_from_a_legal_favourite():
    instance = _three(cover="", on="A,4,N,9", min_minutes=2 * 480)
    columns = ColumnGeneration(instance)
    first = {(e, d): s for e in "ABC" for d, s in enumerate(columns.pool.schedules[e][0]) if s}
    assert check(instance, first) == [] and first[("A", 4)] == "N"


def test_an_employee_without_a_legal_schedule_is_named():
    instance = _three(cover="", horizon=3, min_minutes=4 * 480)
    with pytest.raises(ValueError, match="no legal schedule found for A, B, C"):
        ColumnGeneration(instance)


def test_the_programme_covers_a_week_and_the_dive_keeps_it():
    # Two people a day: 14 shifts from three employees who may work 5 days in a row, so at most 6 of the 7 each.
    instance = _three(cover="\n".join(f"{d},D,2,100,1" for d in range(7)), max_shifts="D=7|N=0")
    columns = ColumnGeneration(instance)
    assert columns.pool.lp_value == float("inf") and columns.generate(FAR)
    assert columns.pool.rounds[0].lp_value > 0 and columns.pool.lp_value == pytest.approx(0)
    assert columns.bound == pytest.approx(0)  # at the end the Lagrangian bound meets the programme's value
    roster = columns.dive(FAR)
    # Once everybody is fixed the programme prices exactly the roster: its value is the roster's objective.
    assert check(instance, roster) == [] and columns.pool.lp_value == pytest.approx(objective(instance, roster))
    assert all(len(columns.pool.schedules[e]) > 1 for e in "ABC")
    # The programme prices the roster alone now: each day is wholly what the roster has there.
    assert columns.day_weights() == {(e, d): {roster.get((e, d)): pytest.approx(1)} for e in "ABC" for d in range(7)}


def test_a_blend_splits_each_day_as_its_columns_weigh():
    # One D a day for two days from A and B: the programme covers both days at no cost, whatever the blend.
    instance = _three(cover="0,D,1,100,1\n1,D,1,100,1", horizon=2, max_shifts="D=2|N=0")
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    weights = columns.day_weights()
    assert set(weights) == {(e, d) for e in "ABC" for d in range(2)}
    assert all(sum(split.values()) == pytest.approx(1) for split in weights.values())
    for d in range(2):
        assert sum(weights[e, d].get("D", 0.0) for e in "ABC") == pytest.approx(1)



def test_the_totals_of_a_blend_are_fractional_where_its_columns_split_a_person():
    # A half on day 0's D and half off, B on it: one and a half people. Day 1's D has B alone: whole.
    instance = _three(cover="0,D,2,100,1\n1,D,1,100,1", horizon=2, max_shifts="D=2|N=0")
    columns = ColumnGeneration(instance, {})
    columns.add_columns({"A": [("D", None)], "B": [("D", "D")]})
    columns.pool.blend = {"A": [0.5, 0.5], "B": [0.0, 1.0], "C": [1.0]}
    assert columns.fractional_totals() == [(1.5, (0, "D"))]


def test_the_days_the_blend_agrees_on_with_a_roster_are_held_to_the_roster():
    # A is half on day 0's D and half off, whole off on day 1; B whole on D both days; C fixed, so never held.
    instance = _three(cover="0,D,2,100,1\n1,D,1,100,1", horizon=2, max_shifts="D=2|N=0")
    columns = ColumnGeneration(instance, {})
    columns.add_columns({"A": [("D", None)], "B": [("D", "D")]})
    columns.fix("C", 0)
    columns.pool.blend = {"A": [0.5, 0.5], "B": [0.0, 1.0], "C": [1.0]}
    roster = {("A", 0): "D", ("B", 0): "D"}  # B is off on day 1, where the blend has B on D
    assert columns.agreeing_days(roster) == {("A", 1): frozenset({None}), ("B", 0): frozenset({"D"})}
    assert columns.agreeing_days(roster, at_least=0.5)[("A", 0)] == frozenset({"D"})


def test_a_held_day_keeps_the_blend_to_it_and_letting_go_restores_the_programme():
    # A wants N on day 2 (weight 50): held off that day, the programme loses the wish; let go, it has it back.
    instance = _three(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on="A,2,N,50", max_shifts="D=7|N=7")
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    free = columns.pool.lp_value
    columns.force("A", 2, None)
    columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(free + 50)
    assert columns.day_weights()["A", 2] == {None: pytest.approx(1)}
    columns._release([("A", 2, None)])
    columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(free) and columns.forced["A"] == {}


def test_holding_days_replaces_what_was_held_before():
    # A wants N on day 2 (50) and B on day 3 (40): held off those days, the programme loses both wishes; held off
    # only B's day next, it has A's back.
    instance = _three(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on="A,2,N,50\nB,3,N,40",
                      max_shifts="D=7|N=7")
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    free = columns.pool.lp_value
    columns.hold_days({("A", 2): frozenset({None}), ("B", 3): frozenset({None, "D"})})
    columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(free + 90)
    columns.hold_days({("B", 3): frozenset({None})})
    columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(free + 40) and columns.forced == {"B": {3: frozenset({None})}}


def test_the_heaviest_roster_is_the_blend_when_it_is_whole():
    # One D wanted on day 0 and only A may work it (B and C have no D): the programme is one roster, whole.
    staff = "\n".join([staff_line("A", max_shifts="D=1|N=0"), staff_line("B", max_shifts="D=0|N=0"),
                       staff_line("C", max_shifts="D=0|N=0")])
    instance = parse_instance(tiny(horizon=1, staff=staff, cover="0,D,1,100,1"))
    columns = ColumnGeneration(instance, {})
    columns.generate(FAR)
    assert columns.heaviest_roster() == ({("A", 0): "D"}, True)
    # Held off it, A leaves the day short, and the blend is whole again at that roster.
    columns.hold_days({("A", 0): frozenset({None})})
    columns.generate(FAR)
    assert columns.heaviest_roster() == ({}, True) and columns.pool.lp_value == pytest.approx(100)


def test_after_a_dive_a_reset_brings_back_the_whole_programme_and_lets_the_totals_go():
    instance = _three(cover="\n".join(f"{d},D,2,100,1\n{d},N,1,30,1" for d in range(7)), on="A,2,N,5",
                      max_shifts="D=7|N=7")
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    free = columns.pool.lp_value
    columns.force("B", 3, None)
    columns.hold_totals({(0, "D"): (0, 0)})
    columns.dive(FAR)
    assert columns.fixed and columns.diving
    columns.reset()
    columns.generate(FAR)
    assert not columns.diving and columns.pool.lp_value == pytest.approx(free)


@pytest.mark.parametrize("lp", ["glop", "highs"])
def test_the_programme_rebuilt_in_a_fresh_solver_keeps_its_columns_bounds_and_totals(lp):
    # What happens when the solver's warm start fails: the same programme, every column open or closed as it was,
    # every total held as it was.
    instance = _three(cover="\n".join(f"{d},D,1,100,1" for d in range(7)), on="A,2,N,50", max_shifts="D=7|N=7")
    columns = ColumnGeneration(instance, lp=lp)
    columns.generate(FAR)
    columns.force("A", 2, None)
    columns.hold_totals({(0, "D"): (0, 0)})  # and nobody on day 0's D: 100 more
    columns.generate(FAR)
    held = columns.pool.lp_value
    assert held == pytest.approx(50 + 100)
    bounds = {e: list(flags) for e, flags in columns.master.open.items()}
    assert not all(bounds["A"])
    columns.master._rebuild()
    assert columns.master.open == bounds
    columns.solve()
    assert columns.pool.lp_value == pytest.approx(held)
    # A closed column weighs nothing in the solution given back.
    assert all(w == 0.0 for w, is_open in zip(columns.pool.blend["A"], bounds["A"], strict=True) if not is_open)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_warm_start_ends_where_a_solve_from_scratch_does(data):
    # Days held one after another with the programme started from its last basis: each value is the optimum.
    instance, columns = generated_three(data)
    for _ in range(3):
        undecided = columns.undecided_days()
        if not undecided:
            break
        _, employee, day, shift = data.draw(st.sampled_from(undecided))
        with columns.warm_starts():
            columns.force(employee, day, shift)
            columns.generate(FAR)
            warm = columns.pool.lp_value
        assert not columns.master.warm
        columns.master._rebuild()
        columns.solve()
        assert columns.pool.lp_value == pytest.approx(warm)


def test_holding_a_day_no_legal_schedule_keeps_is_refused_and_undone():
    # Everybody must work 8 hours of the single day: A cannot be held off it.
    instance = _three(cover="0,D,1,100,1", horizon=1, min_minutes=480)
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    value = columns.pool.lp_value
    with pytest.raises(ValueError, match="no legal schedule of A keeps day 0 to off"):
        columns.force("A", 0, None)
    assert columns.forced["A"] == {}
    columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(value)

def test_the_dive_by_days_ends_in_a_legal_roster_the_programme_prices_exactly():
    instance = _three(cover="\n".join(f"{d},D,2,100,1\n{d},N,1,30,1" for d in range(7)), on="A,2,N,5\nB,4,D,3",
                      off="C,1,D,7", max_shifts="D=7|N=7")
    columns = ColumnGeneration(instance)
    columns.generate(FAR)
    roster = columns.dive_cells(FAR)
    assert check(instance, roster) == [] and columns.pool.lp_value == pytest.approx(objective(instance, roster))
    assert objective(instance, roster) >= solve_instance(instance, time_limit_s=10, workers=1).objective

def test_the_integer_programme_combines_columns_from_different_rosters():
    # Each roster puts A and B on the same day and leaves the other uncovered (100 under + 1 over); taking A's
    # column from one and B's from the other covers both days at no cost.
    instance = _three(cover="0,D,1,100,1\n1,D,1,100,1", horizon=2)
    first = {("A", 0): "D", ("B", 0): "D"}
    second = {("A", 1): "D", ("B", 1): "D"}
    assert objective(instance, first) == objective(instance, second) == 101
    columns = ColumnGeneration(instance, first)
    roster = columns.integer(10, hint=second)
    assert roster is not None and check(instance, roster) == [] and objective(instance, roster) == 0
    assert sorted(d for e, d in roster) == [0, 1] and {e for e, _ in roster} == {"A", "B"}


def test_the_integer_programme_keeps_to_the_columns_it_has():
    # One column each (nobody works): the programme cannot cover the day, whatever the cover asks.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, {})
    assert columns.integer(10) == {}

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_programme_bounds_the_optimum_and_the_dive_is_legal(data):
    instance = _random_three(data)
    optimum = solve_instance(instance, time_limit_s=20, workers=2)
    assert optimum.status == "OPTIMAL"
    # With CP-SAT keeping binding caps the pricing is exact, so the programme's value bounds the optimum too.
    columns = ColumnGeneration(instance, exact_seconds=10)
    assert columns.generate(time.perf_counter() + 60)
    assert columns.bound <= columns.pool.lp_value + 1e-6 <= optimum.objective + 2e-6
    # Without it the programme may miss schedules, but the Lagrangian bound stands on the uncapped floors.
    quick = ColumnGeneration(instance)
    quick.generate(time.perf_counter() + 60)
    assert quick.bound <= optimum.objective + 1e-6
    roster = columns.dive(time.perf_counter() + 60)
    assert check(instance, roster) == []
    assert columns.pool.lp_value == pytest.approx(objective(instance, roster))
    assert objective(instance, roster) >= optimum.objective
    # Price and branch over every column found, from the dive's roster: legal, no worse, never below the optimum.
    best = columns.integer(20, hint=roster)
    assert best is not None and check(instance, best) == []
    assert optimum.objective <= objective(instance, best) <= objective(instance, roster)
    # The dive by days holds, lets go and tries again: it still ends legal, priced exactly, never below the optimum.
    quick.generate(time.perf_counter() + 60)
    by_days = quick.dive_cells(time.perf_counter() + 60, share=0.5, rise=0.0, tries=3)
    assert check(instance, by_days) == [] and quick.pool.lp_value == pytest.approx(objective(instance, by_days))
    assert objective(instance, by_days) >= optimum.objective


def test_the_integer_programme_holds_the_employees_not_free_at_the_hint():
    # Both rosters leave a day uncovered; only A may choose, so A takes day 1 from the second roster's columns
    # while B stays on day 0 as the hint has it.
    instance = _three(cover="0,D,1,100,1\n1,D,1,100,1", horizon=2)
    columns = ColumnGeneration(instance, {("A", 1): "D", ("B", 1): "D"})
    roster = columns.integer(10, hint={("A", 0): "D", ("B", 0): "D"}, free={"A"})
    assert roster == {("A", 1): "D", ("B", 0): "D"}
    with pytest.raises(ValueError, match="need a hint"):
        columns.integer(10, free={"A"})


def test_a_part_by_columns_moves_its_employees_and_holds_the_others():
    # Two people wanted on day 0 and only A works (one missing: 100); B, once free, works day 0 too.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, {})
    part = columns.improve_part({("A", 0): "D"}, {"B"}, FAR, 10)
    assert part.roster == {("A", 0): "D", ("B", 0): "D"} and part.saved == 100 and not part.proved


def test_a_part_by_columns_that_cannot_do_better_is_proved_so_and_left_alone():
    # A already works the only shift A could work; whatever A does, one person is missing.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, {})
    part = columns.improve_part({("A", 0): "D"}, {"A"}, FAR, 10)
    assert part.roster == {("A", 0): "D"} and part.saved == 0 and part.proved and part.converged


def test_a_part_by_columns_whose_time_is_up_before_any_bound_still_ends_in_a_roster_no_worse():
    # The deadline has passed: the first round prices B and stops before C, so it gives no bound and nothing is
    # proved (the search still gets a legal roster that costs no more).
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, {})
    part = columns.improve_part({("A", 0): "D"}, {"B", "C"}, time.perf_counter() - 1, 10)
    assert not part.proved and not part.converged and part.saved >= 0 and check(instance, part.roster) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_part_by_columns_is_legal_counts_its_saving_and_proves_only_what_holds(data):
    instance, columns, roster, free = random_part(data)
    part = columns.improve_part(roster, free, time.perf_counter() + 60, 20)
    assert_legal_and_held(instance, roster, part.roster, free)
    assert objective(instance, part.roster) == objective(instance, roster) - part.saved <= objective(instance, roster)
    # The proof stands: CP-SAT, given the same employees over every day with the others held, saves nothing.
    exact = solve_part(instance, roster, sorted(free), None, 20, 2)
    assert exact.optimal
    if part.proved:
        assert exact.improvement == 0
    assert part.saved <= exact.improvement
