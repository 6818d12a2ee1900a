"""The engine's roster for a week of the small demo site passes every hard rule of the independent checker."""

from __future__ import annotations

import datetime as dt

import pytest

from forecasts.forecast import forecast
from scheduler.checker import CheckContext, check_roster
from scheduler.demo_data import generate_demo
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import rules_for_site
from scheduler.staffing import staff

END = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def solved():
    demo = generate_demo("small", end=END, weeks=12)
    start = END + dt.timedelta(days=1)
    requirements = staff(forecast(demo.history, demo.site, start, 7, events=demo.events).frame, demo.site)
    days = tuple(start + dt.timedelta(days=i) for i in range(7))
    problem = Problem(demo.site, rules_for_site(demo.site), tuple(demo.agents), requirements, days,
                      tuple(demo.absences))
    return demo, start, solve_roster(problem, time_limit_s=20, seed=3), requirements


def test_the_solver_finds_a_roster(solved):
    _demo, _start, solution, _requirements = solved
    assert solution.status in ("OPTIMAL", "FEASIBLE") and len(solution.roster.shifts) > 0


def test_every_hard_rule_of_the_checker_holds(solved):
    demo, start, solution, _requirements = solved
    context = CheckContext.build(solution.roster, demo.agents, demo.site, absences=demo.absences,
                                 week_start=start, days=7)
    hard = [v.message for v in check_roster(context) if v.hard]
    assert hard == []


def test_the_explanation_names_what_remains_short(solved):
    _demo, _start, solution, _requirements = solved
    if solution.under_agent_intervals:
        assert any(" short by " in line for line in solution.explanation)


def test_the_demo_week_is_almost_fully_covered(solved):
    _demo, _start, solution, requirements = solved
    # A guard against falling back to the single CP-SAT model, which left 13 % of this week short; the search
    # leaves about 3-5 % in 20 s (the small site's peaks are steeper than its 25 agents' shifts).
    assert solution.under_agent_intervals <= 0.08 * requirements["agents_required"].sum()


def test_the_proven_bound_never_exceeds_what_the_roster_achieves(solved):
    _demo, _start, solution, _requirements = solved
    assert solution.under_lower_bound is not None
    assert 0 <= solution.under_lower_bound <= solution.under_agent_intervals
    assert solution.best_bound <= solution.objective
