"""The CP-SAT roster model on tiny problems: coverage, breaks, leave, contract hours, explanations."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from forecasts.calendar import open_intervals
from scheduler.checker import CheckContext, free_weekends
from scheduler.domain import Absence, Agent
from scheduler.roster import BREAK, Segment, Shift
from scheduler.roster_model import Problem, RosterModel
from scheduler.rules import ARBZG
from tests.scheduler.roster_fixtures import MONDAY, WEEK, tiny_site

SITE = tiny_site()


def _needs(queue: str, per_interval: int, days=(MONDAY,)) -> pd.DataFrame:
    starts = [t for d in days for t in open_intervals(SITE, d)]
    return pd.DataFrame({"queue": queue, "interval_start": starts, "agents_required": per_interval})


def _agent(agent_id: str, skills=("billing",), hours: float = 8.0, days: int = 1) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", "Team", tuple(skills), hours, days)


def _solve(problem: Problem):
    return RosterModel(problem).solve(time_limit_s=20, workers=2, seed=1)


def test_one_agent_covers_a_day_with_one_eight_hour_shift_and_a_legal_break():
    problem = Problem(SITE, ARBZG, (_agent("A", hours=8 * 5 / 5 * 5 / 5),), _needs("billing", 1), (MONDAY,))
    solution = _solve(problem)
    (shift,) = solution.roster.shifts
    assert shift.work_minutes <= 600 and sum(s.minutes for s in shift.breaks) >= 30
    assert not shift.segments[0].is_break and not shift.segments[-1].is_break
    assert all(s.activity in ("billing", BREAK) for s in shift.segments)


def test_two_skills_are_used_where_they_are_short():
    needs = pd.concat([_needs("billing", 1), _needs("chat", 1)], ignore_index=True)
    agents = (_agent("A", ("billing",)), _agent("B", ("billing", "chat")))
    solution = _solve(Problem(SITE, ARBZG, agents, needs, (MONDAY,)))
    b_activities = {s.activity for s in solution.roster.of_agent("B")[0].segments}
    assert "chat" in b_activities


def test_an_agent_on_leave_is_not_rostered_and_the_gap_is_explained():
    leave = Absence("A", pd.Timestamp("2026-12-07T00:00", tz="Europe/Berlin").to_pydatetime(),
                    pd.Timestamp("2026-12-08T00:00", tz="Europe/Berlin").to_pydatetime(), "vacation")
    solution = _solve(Problem(SITE, ARBZG, (_agent("A"),), _needs("billing", 1), (MONDAY,), (leave,)))
    assert solution.roster.shifts == ()
    assert solution.under_agent_intervals == 40
    assert solution.explanation[0] == "Mon 07.12. 08:00-18:00 billing short by 1"


def test_nobody_works_more_days_than_the_contract_allows():
    tuesday = MONDAY + dt.timedelta(days=1)
    agent = _agent("A", hours=16, days=1)
    solution = _solve(Problem(SITE, ARBZG, (agent,), _needs("billing", 1, (MONDAY, tuesday)), (MONDAY, tuesday)))
    assert len(solution.roster.shifts) == 1


def test_the_lp_lower_bound_counts_what_the_hours_cannot_cover():
    from scheduler.roster_bound import under_staffing_lower_bound

    # 40 quarter-hours of need; with one day in the period, §3's 8 h average caps the work at 32 of them.
    model = RosterModel(Problem(SITE, ARBZG, (_agent("A", hours=8, days=1),), _needs("billing", 1), (MONDAY,)))
    assert under_staffing_lower_bound(model) == 8.0
    assert under_staffing_lower_bound(model.p) == 8.0  # the same bound straight from the problem
    assert model.solve(time_limit_s=10, workers=2).under_agent_intervals == 8


def _three_days() -> tuple:
    site = tiny_site("\n".join(f'{d} = "08:00-18:00"' for d in ("mon", "tue", "wed")))
    days = tuple(MONDAY + dt.timedelta(days=i) for i in range(3))
    needs = pd.DataFrame({"queue": "billing", "interval_start": [t for d in days for t in open_intervals(site, d)],
                          "agents_required": 1})
    return site, days, needs


def test_no_more_days_in_a_row_than_the_rules_allow_although_the_coverage_wants_every_day():
    site, days, needs = _three_days()
    agent = _agent("A", hours=12, days=3)
    assert len(_solve(Problem(site, ARBZG, (agent,), needs, days)).roster.shifts) == 3
    two = dataclasses.replace(ARBZG, max_consecutive_work_days=2)
    solution = _solve(Problem(site, two, (agent,), needs, days))
    assert len(solution.roster.shifts) == 2
    one = dataclasses.replace(ARBZG, max_consecutive_work_days=1)
    assert [s.date for s in _solve(Problem(site, one, (agent,), needs, days)).roster.shifts] == [days[0], days[2]]
    # Sunday's shift of the previous roster starts the run: Monday and Tuesday are not both worked.
    sunday = MONDAY - dt.timedelta(days=1)
    previous = Shift("A", sunday, (Segment(dt.datetime(2026, 12, 6, 8, tzinfo=site.tz),
                                           dt.datetime(2026, 12, 6, 12, tzinfo=site.tz), "billing"),))
    solution = _solve(Problem(site, two, (agent,), needs, days, previous=(previous,)))
    dates = {s.date for s in solution.roster.shifts}
    assert len(dates) == 2 and not {days[0], days[1]} <= dates


def test_a_weekend_stays_free_when_the_previous_roster_worked_the_three_before():
    site = tiny_site("\n".join(f'{d} = "08:00-18:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    needs = pd.DataFrame({"queue": "billing", "agents_required": 1, "interval_start": [
        t for d in WEEK[5:] for t in open_intervals(site, d)]})
    agent = _agent("A", hours=8, days=2)
    saturdays = [MONDAY - dt.timedelta(days=2 + 7 * k) for k in range(3)]
    previous = tuple(Shift("A", d, (Segment(dt.datetime(d.year, d.month, d.day, 8, tzinfo=site.tz),
                                            dt.datetime(d.year, d.month, d.day, 12, tzinfo=site.tz), "billing"),))
                     for d in saturdays)
    one_free = dataclasses.replace(ARBZG, min_free_weekends_per_4_weeks=1)
    assert {s.date.weekday() for s in _solve(Problem(site, one_free, (agent,), needs, WEEK)).roster.shifts} == {5, 6}
    solution = _solve(Problem(site, one_free, (agent,), needs, WEEK, previous=previous))
    assert solution.roster.shifts and all(s.date.weekday() < 5 for s in solution.roster.shifts)
    context = CheckContext.build(solution.roster, (agent,), site, rules=one_free, previous=previous,
                                 week_start=MONDAY, days=7)
    assert free_weekends(context) == [] and solution.under_agent_intervals == 80


def test_a_missing_agent_costs_the_problem_s_own_weight_where_given_and_the_default_elsewhere():
    start = pd.Timestamp("2026-12-07T08:00", tz="Europe/Berlin")
    problem = Problem(SITE, ARBZG, (), pd.DataFrame(columns=["queue", "interval_start", "agents_required"]), WEEK,
                      under_weights={("chat", start): 7})
    assert problem.under_weight(("chat", start), 2) == 7
    assert problem.under_weight(("billing", start), 2) == 1000 + 2000 // 2
    assert problem.under_weight(("chat", start + pd.Timedelta(minutes=15)), 0) == 1000 + 2000
