"""The master programme on GLOP and on HiGHS: the same columns and the same held days give the same optimum, HiGHS
prints nothing, an unknown solver is refused by name (both rebuilt: tests/scheduler/test_curtois_columns.py), and a
cover row's total held within bounds moves the programme and its bound on both."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois_columns import ColumnGeneration
from scheduler.curtois_master import slack_bounds
from tests.scheduler.test_curtois_columns import FAR, _random_three, _three


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_highs_and_glop_agree_on_the_programme_and_its_held_days(data):
    instance = _random_three(data)
    glop, highs = ColumnGeneration(instance), ColumnGeneration(instance, lp="highs")
    glop.generate(FAR)
    highs.add_columns(glop.pool.schedules)
    highs.solve()
    glop.solve()
    assert highs.pool.lp_value == pytest.approx(glop.pool.lp_value)
    # Days held one after another, as a tree does: both close the same columns and find the same optimum.
    for _ in range(3):
        undecided = glop.undecided_days()
        if not undecided:
            break
        _, employee, day, shift = data.draw(st.sampled_from(undecided))
        glop.force(employee, day, shift)
        highs.force(employee, day, shift)
        glop.solve()
        highs.solve()
        assert highs.master.open == glop.master.open
        assert highs.pool.lp_value == pytest.approx(glop.pool.lp_value)


def test_highs_converges_to_the_bound_glop_does():
    instance = _three(cover="\n".join(f"{d},D,1,100,1\n{d},N,1,100,1" for d in range(7)), on="A,2,N,50",
                      max_shifts="D=7|N=7")
    glop, highs = ColumnGeneration(instance), ColumnGeneration(instance, lp="highs")
    assert glop.generate(FAR) and highs.generate(FAR)
    assert highs.bound == pytest.approx(glop.bound) and highs.pool.lp_value == pytest.approx(glop.pool.lp_value)


def test_an_unknown_solver_is_refused_by_name():
    instance = _three(cover="0,D,1,100,1")
    with pytest.raises(KeyError, match="'cplex'.*glop, highs"):
        ColumnGeneration(instance, lp="cplex")


def test_highs_prints_nothing(capfd):
    # The bench prints its table on stdout: no solver banner may land in it.
    instance = _three(cover="0,D,1,100,1")
    ColumnGeneration(instance, lp="highs").generate(FAR)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize(("required", "low", "high", "bounds"), [
    (3, 0, 2, (1, 3, 0, 0)),              # at most 2 of 3: one missing at least, nobody over
    (3, 4, math.inf, (0, 0, 1, math.inf)),  # at least 4 of 3: one over at least, nobody missing
    (3, 2, 4, (0, 1, 0, 1)),              # 2 to 4 of 3: one missing or one over at most
    (0, 0, 0, (0, 0, 0, 0)),              # none wanted and none allowed
])
def test_a_total_held_is_bounds_on_the_rows_slack(required, low, high, bounds):
    assert slack_bounds(required, low, high) == bounds


@pytest.mark.parametrize("lp", ["glop", "highs"])
@pytest.mark.parametrize(("low", "high", "value"), [
    (0, 1, 100),        # one of the two wanted is missing: 100
    (3, math.inf, 1),   # a third works: one over, 1
    (2, 2, 0),          # as the programme had it
])
def test_a_total_held_moves_the_programme_and_its_bound_with_it_on_both_solvers(lp, low, high, value):
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, lp=lp)
    assert columns.generate(FAR) and columns.pool.lp_value == pytest.approx(0)
    columns.hold_totals({(0, "D"): (low, high)})
    assert columns.generate(FAR)
    # The Lagrangian bound counts the slack the total forces (without it, 0 where the programme says 100).
    assert columns.pool.lp_value == pytest.approx(value) and columns.last_bound == pytest.approx(value)
    columns.hold_totals({})
    assert columns.generate(FAR) and columns.pool.lp_value == pytest.approx(0)


@pytest.mark.parametrize("lp", ["glop", "highs"])
def test_a_total_nobody_can_reach_costs_more_than_any_roster_instead_of_breaking_the_programme(lp):
    # Four of three employees: one short at the price of ten times the heaviest weight, 1,000, plus two over.
    instance = _three(cover="0,D,2,100,1", horizon=1)
    columns = ColumnGeneration(instance, lp=lp)
    columns.hold_totals({(0, "D"): (4, math.inf)})
    assert columns.generate(FAR)
    assert columns.pool.lp_value == pytest.approx(1_002) and columns.last_bound == pytest.approx(1_002)
