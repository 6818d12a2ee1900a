"""Polishing a roster with the known schedules: each employee takes the one that costs least with the others held,
as the scorer counts it, until nobody's change would lower the objective."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois_columns import schedule_of
from scheduler.curtois_polish import Polisher
from scheduler.curtois_score import check, objective
from tests.scheduler.test_curtois_columns import _three, generated_three

OFF = (None,) * 7
DAY0 = ("D",) + (None,) * 6


def test_an_employee_takes_the_known_schedule_that_fills_a_short_day():
    instance = _three(cover="0,D,1,100,1")
    polished = Polisher(instance).polish({}, {"A": [OFF, DAY0]})
    assert polished == {("A", 0): "D"}
    assert objective(instance, polished) == 0  # from 100: nobody on the D of day 0


def test_a_surplus_person_goes_off_and_only_one():
    instance = _three(cover="0,D,1,100,4")
    roster = {("A", 0): "D", ("B", 0): "D", ("C", 0): "D"}
    polished = Polisher(instance).polish(roster, {e: [OFF, DAY0] for e in "ABC"})
    # Two over at 4 each: A leaves first, then B; C stays, as the requirement is one.
    assert polished == {("C", 0): "D"}


def test_requests_count_as_the_scorer_counts_them():
    instance = _three(cover="", on="A,1,N,3", off="A,0,D,5")
    roster = {("A", 0): "D"}
    night = (None, "N") + (None,) * 5
    polished = Polisher(instance).polish(roster, {"A": [DAY0, OFF, night]})
    assert objective(instance, roster) == 3 + 5
    assert polished == {("A", 1): "N"} and objective(instance, polished) == 0


def test_a_schedule_that_costs_the_same_leaves_the_roster_as_it_was():
    instance = _three(cover="0,D,1,100,1\n1,D,1,100,1")
    roster = {("A", 0): "D"}
    day1 = (None, "D") + (None,) * 5  # leaves day 0 short instead of day 1: 100 either way
    assert objective(instance, {("A", 1): "D"}) == objective(instance, roster) == 100
    assert Polisher(instance).polish(roster, {"A": [day1, OFF, DAY0]}) == roster


def test_only_the_employees_let_move_change():
    instance = _three(cover="0,D,2,100,4")
    polished = Polisher(instance).polish({}, {e: [OFF, DAY0] for e in "ABC"}, movable={"B", "C"})
    assert polished == {("B", 0): "D", ("C", 0): "D"}  # A would come first, but is held


def test_schedules_the_pool_gains_later_are_taken_too():
    instance = _three(cover="0,D,1,100,1")
    polisher = Polisher(instance)
    pool = {"A": [OFF]}
    assert polisher.polish({}, pool) == {}
    pool["A"].append(DAY0)
    assert polisher.polish({}, pool) == {("A", 0): "D"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_polished_roster_is_legal_no_worse_and_no_single_change_of_the_pool_improves_it(data):
    instance, columns = generated_three(data)
    rng = random.Random(data.draw(st.integers(0, 1 << 16)))
    pool = columns.pool.schedules
    roster = {(e, d): s for e, known in pool.items() for d, s in enumerate(rng.choice(known)) if s is not None}
    polished = Polisher(instance).polish(roster, pool)
    assert check(instance, polished) == []
    assert objective(instance, polished) <= objective(instance, roster)
    cost = objective(instance, polished)
    for e, known in pool.items():
        others = {k: s for k, s in polished.items() if k[0] != e}
        for schedule in known:
            changed = {**others, **{(e, d): s for d, s in enumerate(schedule) if s is not None}}
            assert objective(instance, changed) >= cost, (e, schedule, schedule_of(instance, polished, e))
