"""The master programme on GLOP and on HiGHS: the same columns and the same held days give the same optimum, HiGHS
prints nothing, and an unknown solver is refused by name (both rebuilt: tests/scheduler/test_curtois_columns.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois_columns import ColumnGeneration
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
