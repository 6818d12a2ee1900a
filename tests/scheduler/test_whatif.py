"""Scenarios side by side, peak weeks, sweep paths, the Pareto frontier and the sweep on the tiny what-if site."""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.capacity import capacity_plan
from scheduler.scenario import Deflection, parse_scenario
from scheduler.whatif import (
    SweepPoint,
    cheapest_meeting,
    checked_value,
    compare,
    pareto_frontier,
    peak_weeks,
    sweep,
    with_change,
)
from tests.scheduler.whatif_fixtures import (
    AGENTS,
    ASA_2_ON_1,
    ASA_2_ON_HALF,
    OFFERED_A_WEEK,
    SITE,
    SL_2_ON_1,
    SL_2_ON_HALF,
    SL_3_ON_1,
    START,
    WEEK_2,
    WEEK_COST_PER_AGENT,
    scenario_text,
    tiny_forecast,
)

FORECAST = tiny_forecast()
TEMPS = f'[[staff]]\nname = "temps"\ncount = 0\nfrom = {START}\n'


def _scenario(name: str = "base", extra: str = ""):
    return parse_scenario(scenario_text(name, extra), SITE)


def _events(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"date": [dt.date.fromisoformat(d) for d, _ in rows], "event": [e for _, e in rows],
                         "queue": [None] * len(rows), "size": [float("nan")] * len(rows)})


# --- peak weeks --------------------------------------------------------------------------------------------------

def test_peak_weeks_are_the_plan_mondays_holding_an_event_of_the_kind():
    plan = [START, WEEK_2, START + dt.timedelta(days=14)]
    events = _events(("2027-02-17", "bill_mailing"), ("2027-03-02", "price_letter"), ("2027-03-10", "bill_mailing"),
                     ("2027-04-07", "bill_mailing"))
    assert peak_weeks(events, plan) == [START, WEEK_2]
    assert peak_weeks(events, plan, kinds=["bill_mailing"]) == [WEEK_2]
    # Wednesday 10 March + 5 days = Monday 15 March: the letters' tail reaches the next week.
    assert peak_weeks(events, plan, kinds=["bill_mailing"], after_days=5) == [WEEK_2, plan[2]]
    assert peak_weeks(events, plan, kinds=["outage"]) == []
    assert peak_weeks(None, plan) == []


# --- compare -----------------------------------------------------------------------------------------------------

def test_compare_sets_weekly_figures_and_plan_and_peak_totals_side_by_side():
    base = capacity_plan(FORECAST, SITE, AGENTS, _scenario("base"))
    bot = _scenario("bot", f'[[deflection]]\nqueue = "billing"\nshare = 0.5\nfrom = {WEEK_2}\nto = 2027-03-14\n')
    comparison = compare([base, capacity_plan(FORECAST, SITE, AGENTS, bot)], [WEEK_2])

    assert comparison.side_by_side("service_level").to_dict("list") == {
        "base": [pytest.approx(SL_2_ON_1)] * 2, "bot": [pytest.approx(SL_2_ON_1), pytest.approx(SL_2_ON_HALF)]}
    assert comparison.side_by_side("required_fte").to_dict("list") == {"base": [3.0, 3.0], "bot": [3.0, 2.0]}
    assert comparison.weeks["peak"].tolist() == [False, True, False, True]

    week_cost = 2 * WEEK_COST_PER_AGENT
    base_peak = comparison.total("base", "peak")
    assert base_peak == {"scenario": "base", "span": "peak", "weeks": 1, "offered": OFFERED_A_WEEK,
                         "required_fte": 3.0, "available_fte": 2.0, "max_gap_fte": 1.0, "short_weeks": 1,
                         "first_short_week": WEEK_2,
                         "overtime_hours": 0.0, "service_level": pytest.approx(SL_2_ON_1),
                         "min_service_level": pytest.approx(SL_2_ON_1), "weeks_below_target": 1,
                         "asa_s": pytest.approx(ASA_2_ON_1), "asa_unbounded": False, "abandon_rate": 0.0,
                         "under_staffed_hours": 40.0, "paid_hours": 80.0, "cost_eur": pytest.approx(week_cost)}
    bot_plan = comparison.total("bot", "plan")
    # Offered-weighted over the plan: week 1 has all 1,440 calls, week 2 half of them.
    assert bot_plan["offered"] == 1.5 * OFFERED_A_WEEK
    assert bot_plan["service_level"] == pytest.approx((2 * SL_2_ON_1 + SL_2_ON_HALF) / 3)
    assert bot_plan["asa_s"] == pytest.approx((2 * ASA_2_ON_1 + ASA_2_ON_HALF) / 3)
    assert bot_plan["min_service_level"] == pytest.approx(SL_2_ON_1)
    assert (bot_plan["required_fte"], bot_plan["max_gap_fte"], bot_plan["short_weeks"]) == (2.5, 1.0, 1)
    assert (bot_plan["first_short_week"], comparison.total("bot", "peak")["first_short_week"]) == (START, None)
    assert (bot_plan["weeks_below_target"], bot_plan["under_staffed_hours"]) == (1, 40.0)
    assert (bot_plan["paid_hours"], bot_plan["cost_eur"]) == (160.0, pytest.approx(2 * week_cost))
    assert comparison.total("bot", "peak")["weeks_below_target"] == 0


def test_compare_without_peak_weeks_has_empty_peak_totals_and_refuses_twin_names():
    plan = capacity_plan(FORECAST, SITE, AGENTS, _scenario("base"))
    peak = compare([plan], []).total("base", "peak")
    assert (peak["weeks"], peak["cost_eur"]) == (0, 0.0)
    assert math.isnan(peak["service_level"]) and math.isnan(peak["max_gap_fte"])
    with pytest.raises(ValueError, match="^scenario name\\(s\\) base used more than once; give each scenario"):
        compare([plan, plan], [WEEK_2])


# --- changes by path ---------------------------------------------------------------------------------------------

def test_paths_set_existing_entries_or_add_a_deflection():
    base = _scenario("base", TEMPS + '[[volume]]\nqueue = "billing"\nfrom = 2027-03-01\nto = 2027-03-05\n'
                     'percent = 10\n')
    changed = with_change(base, "deflection.billing.share", 0.2, SITE)
    assert changed.deflection == (Deflection("billing", 0.2),)
    assert with_change(changed, "deflection.billing.share", 0.3).deflection == (Deflection("billing", 0.3),)
    assert with_change(base, "staff.temps.count", 7).staff[0].count == 7
    assert with_change(base, "staff.temps.from", dt.date(2027, 3, 8)).staff[0].start == dt.date(2027, 3, 8)
    assert with_change(base, "volume.billing.percent", 40).volume[0].percent == 40.0
    assert with_change(base, "staffing.overtime_share", 0.1).overtime_share == 0.1


@pytest.mark.parametrize(("path", "value", "message"), [
    ("staff.students.count", 3, "'staff.students.count': the scenario 'base' has no [[staff]] with name = "
                                "'students'; add one to the scenario (the sweep sets its count)"),
    ("deflection.sales.share", 0.1, "'deflection.sales.share': 'sales' is not a queue of the site; use one of "
                                    "billing, *"),
    ("service.*.shrinkage", 0.1, "'service.*.shrinkage': '*' is not a queue of the site; use one of billing"),
    ("deflection.billing.share", 1.5, "deflection.billing.share = 1.5: must lie between 0 and 1"),
    ("staff.temps.count", 2.5, "staff.temps.count = 2.5: give a whole number"),
    ("staff.temps.count", -1, "staff.temps.count = -1: must lie between 0 and 10000"),
    ("staff.temps.from", "soon", "staff.temps.from = 'soon': give a date as YYYY-MM-DD"),
    ("deflection.billing", 0.1, "'deflection.billing': not a path to a scenario value; use <table>.<queue or "
                                "staff name>.<key>"),
])
def test_bad_paths_and_values_are_refused_naming_them(path, value, message):
    with pytest.raises(ValueError) as caught:
        with_change(_scenario("base", TEMPS), path, value, SITE)
    assert str(caught.value).startswith(message)


# --- frontier ----------------------------------------------------------------------------------------------------

def _point(cost: float, level: float, meets: bool) -> SweepPoint:
    return SweepPoint((), "p", cost, cost, level, level, meets, 0.0, None)


def test_frontier_keeps_the_points_nothing_beats_on_cost_and_service_level():
    points = [_point(100, 0.70, False), _point(100, 0.75, False), _point(120, 0.74, False),
              _point(130, 0.85, True), _point(130, 0.85, True), _point(150, 0.95, True), _point(90, math.nan, False)]
    assert pareto_frontier(points) == (1, 3, 5)
    assert cheapest_meeting(points) == 3
    assert cheapest_meeting(points[:3]) is None


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=30))
def test_frontier_points_are_undominated_and_dominate_the_rest(pairs):
    points = [_point(float(c), s / 20, False) for c, s in pairs]
    frontier = pareto_frontier(points)

    def beats(a: SweepPoint, b: SweepPoint) -> bool:
        return (a.cost_eur <= b.cost_eur and a.peak_service_level >= b.peak_service_level
                and (a.cost_eur, a.peak_service_level) != (b.cost_eur, b.peak_service_level))
    for i in frontier:
        assert not any(beats(p, points[i]) for p in points)
    for p in points:
        assert any(points[j].cost_eur <= p.cost_eur and points[j].peak_service_level >= p.peak_service_level
                   for j in frontier)


# --- sweep -------------------------------------------------------------------------------------------------------

GRID = {"deflection.billing.share": [0, 0.5], "staff.temps.count": [0, 1]}


def test_sweep_finds_the_frontier_and_the_cheapest_point_meeting_the_target():
    result = sweep(_scenario("base", TEMPS), GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=1)
    assert [dict(p.values) for p in result.points] == [
        {"deflection.billing.share": 0, "staff.temps.count": 0},
        {"deflection.billing.share": 0, "staff.temps.count": 1},
        {"deflection.billing.share": 0.5, "staff.temps.count": 0},
        {"deflection.billing.share": 0.5, "staff.temps.count": 1}]
    two, three = 2 * 2 * WEEK_COST_PER_AGENT, 3 * 2 * WEEK_COST_PER_AGENT   # two weeks of 2 or 3 people
    assert [p.cost_eur for p in result.points] == pytest.approx([two, three, two, three])
    assert [p.peak_service_level for p in result.points] == pytest.approx(
        [SL_2_ON_1, SL_3_ON_1, SL_2_ON_HALF, 0.990810], abs=1e-6)
    assert [p.meets_target for p in result.points] == [False, True, True, True]
    assert [p.extra_fte_needed for p in result.points] == [1.0, 0.0, 0.0, 0.0]
    assert result.frontier == (2, 3) and result.cheapest == 2
    assert result.points[2].scenario == "base [deflection.billing.share=0.5, staff.temps.count=0]"


def test_sweep_gives_the_same_result_with_one_or_two_workers():
    base = _scenario("base", TEMPS)
    assert sweep(base, GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=2) == \
        sweep(base, GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=1)


def test_sweep_needs_a_peak_week_inside_the_plan():
    with pytest.raises(ValueError, match="^no peak weeks inside the plan"):
        sweep(_scenario("base", TEMPS), GRID, FORECAST, SITE, AGENTS, [dt.date(2027, 6, 7)], workers=1)


def test_a_spawned_sweep_reports_each_point_and_equals_the_serial_one():
    base = _scenario("base", TEMPS)
    seen: list[tuple[int, int]] = []
    spawned = sweep(base, GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=2,
                    mp_context=multiprocessing.get_context("spawn"), progress=lambda done, total: seen.append(
                        (done, total)))
    assert spawned == sweep(base, GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=1)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_progress_report_that_raises_stops_the_sweep(workers):
    seen: list[int] = []

    def stop_after_two(done: int, _total: int) -> None:
        seen.append(done)
        if done == 2:
            raise InterruptedError("stop")
    with pytest.raises(InterruptedError):
        sweep(_scenario("base", TEMPS), GRID, FORECAST, SITE, AGENTS, [WEEK_2], workers=workers,
              progress=stop_after_two)
    assert seen == [1, 2]


@pytest.mark.parametrize(("path", "value", "checked"), [
    ("deflection.billing.share", 0, 0.0), ("staff.temps.count", 5.0, 5), ("staff.temps.from", "2027-03-08",
                                                                            dt.date(2027, 3, 8)),
    ("staffing.overtime_share", 0.1, 0.1),
])
def test_a_value_is_checked_for_its_path_without_a_scenario(path, value, checked):
    assert checked_value(path, value) == checked and type(checked_value(path, value)) is type(checked)


def test_a_value_check_without_a_scenario_refuses_what_with_change_refuses():
    with pytest.raises(ValueError, match="^'deflection.billing': not a path to a scenario value"):
        checked_value("deflection.billing", 0.1)
    with pytest.raises(ValueError, match="^deflection.billing.share = 1.5: must lie between 0 and 1$"):
        checked_value("deflection.billing.share", 1.5)
