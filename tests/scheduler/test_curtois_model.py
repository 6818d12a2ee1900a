"""The Curtois–Qu CP-SAT model against the independent scorer: every roster it returns keeps every hard rule,
its objective is the scorer's, and small instances reach the value worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.curtois import load_instance, parse_instance
from scheduler.curtois_model import solve_instance
from scheduler.curtois_score import check, objective
from tests.scheduler.test_curtois import BENCH, needs_bench, random_cover, staff_line, tiny


def _solved(text: str):
    instance = parse_instance(text)
    result = solve_instance(instance, time_limit_s=10, workers=1)
    assert result.status == "OPTIMAL"
    assert check(instance, result.solution) == []
    assert objective(instance, result.solution) == result.objective
    return result


def test_a_forbidden_succession_costs_the_cheaper_wish():
    # A wants N on day 0 (weight 1) but day 1 needs A on D (100 a missing person): N may not be followed by D.
    result = _solved(tiny(horizon=2, on="A,0,N,1", cover="1,D,1,100,1"))
    assert result.solution == {("A", 1): "D"} and result.objective == 1


def test_max_consecutive_shifts_leaves_one_day_uncovered():
    # 4 days each need one D (10 a missing person), but A may work 3 days in a row at most.
    result = _solved(tiny(horizon=4, staff=staff_line(max_cons=3),
                          cover="\n".join(f"{d},D,1,10,1" for d in range(4))))
    assert result.objective == 10 and len(result.solution) == 3


def test_min_total_minutes_forces_work_nobody_asked_for():
    # No cover at all, but A must work at least 16 h: two D shifts, each 1 surplus person (weight 3) on cover rows.
    result = _solved(tiny(horizon=3, staff=staff_line(min_minutes=960),
                          cover="\n".join(f"{d},D,0,10,3" for d in range(3)) + "\n" +
                          "\n".join(f"{d},N,0,10,5" for d in range(3))))
    assert result.objective == 6 and sorted(result.solution.values()) == ["D", "D"]


def test_max_weekends_keeps_one_weekend_off():
    cover = "\n".join(f"{d},D,1,10,1" for d in (5, 6, 12, 13))
    result = _solved(tiny(horizon=14, staff=staff_line(weekends=1), cover=cover))
    assert result.objective == 20



def test_kept_days_stay_as_the_hint_has_them():
    # Day 0 wants nobody (A's off request, weight 5) and day 1 wants A (10 if missing): the optimum is D on day 1
    # alone, but keeping the hint's days 0 (D) and 1 (off) costs 5 + 10.
    instance = parse_instance(tiny(horizon=2, off="A,0,D,5", cover="1,D,1,10,1"))
    assert solve_instance(instance, time_limit_s=10, workers=1).objective == 0
    kept = solve_instance(instance, time_limit_s=10, workers=1, hint={("A", 0): "D"}, keep=[("A", 0), ("A", 1)])
    assert kept.solution == {("A", 0): "D"} and kept.objective == 15 and kept.status == "OPTIMAL"
    # Keeping day 0 alone leaves day 1 free: D on day 0 (5), then D on day 1 (D may follow D).
    half = solve_instance(instance, time_limit_s=10, workers=1, hint={("A", 0): "D"}, keep=[("A", 0)])
    assert half.solution == {("A", 0): "D", ("A", 1): "D"} and half.objective == 5

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_small_instance_is_solved_within_the_rules(data):
    horizon = 7
    staff = "\n".join(staff_line(e, max_cons=data.draw(st.integers(2, 5)), min_cons=data.draw(st.integers(1, 3)),
                                 min_off=data.draw(st.integers(1, 2)), weekends=data.draw(st.integers(0, 1)),
                                 max_minutes=data.draw(st.sampled_from([2400, 3000, 4000])))
                      for e in ("A", "B"))
    cover = random_cover(data, horizon)
    on = "\n".join(f"{e},{d},D,{w}" for e, d, w in data.draw(st.lists(
        st.tuples(st.sampled_from("AB"), st.integers(0, horizon - 1), st.integers(1, 3)),
        unique_by=lambda t: (t[0], t[1]), max_size=4)))
    instance = parse_instance(tiny(horizon=horizon, staff=staff, cover=cover, on=on))
    result = solve_instance(instance, time_limit_s=10, workers=1)
    if result.objective is None:
        return  # the rules leave no roster (e.g. min total minutes above what max shifts allow)
    assert check(instance, result.solution) == []
    assert objective(instance, result.solution) == result.objective
    assert result.best_bound <= result.objective + 1e-6


@needs_bench
def test_instance_1_reaches_its_proven_optimum():
    instance = load_instance(BENCH / "Instance1.txt")
    result = solve_instance(instance, time_limit_s=60)
    assert (result.status, result.objective) == ("OPTIMAL", 607)


@pytest.mark.parametrize("text", ["1-3", "2,4-5"])
def test_instance_numbers(text):
    from web.cli_bench import instance_numbers
    assert instance_numbers(text) == {"1-3": [1, 2, 3], "2,4-5": [2, 4, 5]}[text]
