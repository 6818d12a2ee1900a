"""The pricing programme: one employee's cheapest legal schedule for given costs per day and shift, checked by hand
on small cases and against CP-SAT's optimum of the same rules on random ones."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.curtois import Instance, parse_instance
from scheduler.curtois_model import RULES, _Model
from scheduler.curtois_pricing import SchedulePricer
from scheduler.curtois_score import check
from tests.scheduler.test_curtois import staff_line, tiny


def _pricer(horizon: int = 7, days_off: str = "", **changes: object) -> SchedulePricer:
    instance = parse_instance(tiny(horizon=horizon, staff=staff_line(**changes), days_off=days_off))
    return SchedulePricer(instance, instance.staff[0])


def _costs(d: list[float], n: list[float] | None = None) -> np.ndarray:
    """Costs per day of D and N (N too dear to take unless given)."""
    return np.array([d, n if n is not None else [100.0] * len(d)], dtype=float).T


def _pattern(schedule: tuple[str | None, ...]) -> str:
    return "".join(s or "-" for s in schedule)


def test_loose_rules_take_every_negative_cost_and_nothing_else():
    found = _pricer().cheapest(_costs([-1, 2, -3, 0.5, -1, 4, -2]))
    assert _pattern(found.schedule) == "D-D-D-D" and found.cost == -7


def test_the_cheaper_shift_of_the_day_is_taken_where_it_may_follow():
    # N may not be followed by D: N on day 0 (-5) then D on day 1 (-4) is not allowed; D, D is -6 against -5, -1.
    found = _pricer(horizon=2).cheapest(_costs([-2, -4], [-5, -1]))
    assert _pattern(found.schedule) == "DD" and found.cost == -6


def test_max_consecutive_shifts_forces_a_day_off():
    found = _pricer(max_cons=3).cheapest(_costs([-1] * 7))
    assert _pattern(found.schedule) in {"DDD-DDD"} and found.cost == -6


def test_min_consecutive_shifts_inside_the_horizon_but_not_at_its_ends():
    # One paying day in the middle must be worked with a neighbour (at least 2 in a row); a paying first or last
    # day may be worked alone, since the run may go on outside the horizon.
    middle = _pricer(horizon=5, min_cons=2).cheapest(_costs([0.5, 0.5, -3, 0.5, 0.5]))
    assert middle.cost == -2.5 and _pattern(middle.schedule) in {"-DD--", "--DD-"}
    ends = _pricer(horizon=5, min_cons=2).cheapest(_costs([-3, 1, 1, 1, -3]))
    assert _pattern(ends.schedule) == "D---D" and ends.cost == -6


def test_min_consecutive_days_off_inside_the_horizon():
    # Days 0-2 and 4-6 pay; one day off between them is too short, so the best is to skip a paying day too.
    found = _pricer(min_off=2, max_cons=3).cheapest(_costs([-2, -2, -2, 1, -2, -2, -1]))
    assert found.cost == -9 and _pattern(found.schedule) in {"DDD--DD", "DD--DDD"}


def test_fixed_days_off_and_weekends():
    # Days 5 and 6 are the weekend; one weekend at most is no limit here, but day 2 is a fixed day off.
    found = _pricer(days_off="A,2", weekends=0).cheapest(_costs([-1] * 7))
    assert _pattern(found.schedule) == "DD-DD--" and found.cost == -4


def test_max_weekends_counts_saturday_or_sunday_once():
    found = _pricer(horizon=14, weekends=1).cheapest(_costs([0.0] * 5 + [-1, -1] + [0.0] * 5 + [-3, -1]))
    assert _pattern(found.schedule) == "-" * 12 + "DD" and found.cost == -4


def test_total_minutes_bounds():
    # At least 3 shifts of 8 h although they cost; at most 4 although all pay.
    least = _pricer(min_minutes=3 * 480).cheapest(_costs([1, 2, 3, 1, 5, 6, 1]))
    assert least.cost == 3 and _pattern(least.schedule).count("D") == 3
    most = _pricer(max_minutes=4 * 480, max_shifts="D=14|N=0").cheapest(_costs([-1, -5, -1, -5, -1, -5, -5]))
    assert most.cost == -20 and _pattern(most.schedule) == "-D-D-DD"


def test_no_legal_schedule_is_none():
    assert _pricer(horizon=3, min_minutes=4 * 480).cheapest(_costs([0.0] * 3)) is None


def test_a_cap_per_shift_type_is_kept():
    found = _pricer(max_shifts="D=2|N=14").cheapest(_costs([-3, -1, -4, -1, -2, 5, 5], [0.0] * 7))
    assert _pattern(found.schedule).count("D") <= 2 and found.cost == -7


def _cp_sat_optimum(instance: Instance, costs: np.ndarray, pricer: SchedulePricer) -> float | None:
    m = _Model(instance, [pricer.staff.id])
    for rule in RULES:
        rule(m, pricer.staff)
    index = {s.id: k for k, s in enumerate(pricer.shifts)}
    m.model.minimize(sum(int(costs[d, index[s]]) * var for (_, d, s), var in m.x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(m.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    # The costs are whole numbers, but CP-SAT reports its objective as a float (-14.999999999999998 for -15).
    return round(solver.objective_value) if status == cp_model.OPTIMAL else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_programme_is_legal_and_as_cheap_as_cp_sat(data):
    horizon = data.draw(st.integers(1, 15))
    capped = data.draw(st.booleans())
    line = staff_line(
        max_shifts=f"D={data.draw(st.integers(0, 5)) if capped else 15}|N={data.draw(st.sampled_from([0, 15]))}",
        max_minutes=data.draw(st.integers(0, 15)) * 480, min_minutes=data.draw(st.integers(0, 8)) * 480,
        max_cons=data.draw(st.integers(1, 6)), min_cons=data.draw(st.integers(1, 3)),
        min_off=data.draw(st.integers(1, 3)), weekends=data.draw(st.integers(0, 2)))
    off = ",".join(str(d) for d in data.draw(st.sets(st.integers(0, horizon - 1), max_size=2)))
    instance = parse_instance(tiny(horizon=horizon, staff=line, days_off=f"A,{off}" if off else ""))
    # With room to count the caps the programme is exact; with none it falls back on its heuristics.
    counts_caps = data.draw(st.booleans())
    pricer = SchedulePricer(instance, instance.staff[0], max_state=400_000 if counts_caps else 1)
    exact_anyway = counts_caps or not capped
    costs = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=horizon * len(pricer.shifts),
                                        max_size=horizon * len(pricer.shifts))),
                     dtype=float).reshape(horizon, len(pricer.shifts))
    found = pricer.cheapest(costs)
    optimum = _cp_sat_optimum(instance, costs, pricer)
    if found is None:
        # Where the programme is exact, it finds nothing only when nothing is legal.
        assert optimum is None or not exact_anyway
        assert optimum is None or pricer.cheapest(costs, exact_seconds=10).cost == optimum
        return
    roster = {("A", d): s for d, s in enumerate(found.schedule) if s is not None}
    assert check(instance, roster) == []
    index = {s.id: k for k, s in enumerate(pricer.shifts)}
    assert found.cost == sum(costs[d, index[s]] for (_, d), s in roster.items())
    assert optimum is not None and optimum >= found.floor and found.cost >= optimum
    if exact_anyway:
        assert found.cost == found.floor == optimum
    # With CP-SAT allowed to keep the caps, the cheapest schedule is exact whatever binds.
    exact = pricer.cheapest(costs, exact_seconds=10)
    assert exact.cost == optimum and check(instance, {("A", d): s for d, s in enumerate(exact.schedule) if s}) == []


def test_a_binding_cap_is_counted_in_the_state_and_the_schedule_is_exact():
    # Without the cap: D on days 0-3 (-12), N on 4-6 (-6). With at most 2 D, and N never before D: D on days 0
    # and 1, N on 2-6 (-6 - 10 = -16); the heuristics alone would keep D on two days and drop the other two.
    pricer = _pricer(max_shifts="D=2|N=14", max_cons=7)
    found = pricer.cheapest(_costs([-3, -3, -3, -3, -1, -1, -1], [-2] * 7))
    assert _pattern(found.schedule).count("D") == 2 and found.cost == found.floor == -16
