"""Re-planning a published week after an agent falls sick: earlier days stand, the sick agent's later shifts go,
others change only where it buys coverage, and the result is legal."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd
import pytest

from forecasts.calendar import open_intervals
from forecasts.site import parse_site
from scheduler.checker import CheckContext, check_roster
from scheduler.domain import Absence, Agent
from scheduler.replan import replan_after_absence
from scheduler.roster import Roster, Shift
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import ARBZG

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-18:00"
tue = "08:00-18:00"
wed = "08:00-18:00"
thu = "08:00-18:00"
fri = "08:00-18:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
""")
MONDAY = dt.date(2026, 12, 7)
WEEK = tuple(MONDAY + dt.timedelta(days=i) for i in range(7))
WEDNESDAY = WEEK[2]


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SITE.tz)


def _agent(agent_id: str, days_off_wish: tuple[int, ...]) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", "Team", ("billing",), 8.0, 2, days_off_wish=days_off_wish)


# One agent 08:00-12:00 every weekday. Each agent works 8 h ± 10 % on at most two days; the wishes steer A to
# Monday and Tuesday, C to Thursday and Friday and B to Wednesday alone (one long shift meets B's contract).
NEEDS = pd.DataFrame({"queue": "billing", "agents_required": 1,
                      "interval_start": [t for d in WEEK for t in open_intervals(SITE, d)
                                         if t.tz_convert(SITE.timezone).hour < 12]})
PROBLEM = Problem(SITE, ARBZG, (_agent("A", (2, 3, 4)), _agent("B", (0, 1, 3, 4)), _agent("C", (0, 1, 2))), NEEDS, WEEK)
SICK = Absence("C", _at(WEDNESDAY), _at(WEEK[5]), "sick")  # Wednesday to Friday


@cache
def _published_and_replan():
    published = solve_roster(PROBLEM, time_limit_s=1.5, seed=0)
    return published, replan_after_absence(PROBLEM, published.roster, SICK, time_limit_s=1.5)


def _times(shift: Shift) -> tuple:
    return (shift.agent_id, shift.date, shift.start.astimezone(dt.UTC), shift.end.astimezone(dt.UTC),
            tuple((b.start.astimezone(dt.UTC), b.end.astimezone(dt.UTC)) for b in shift.breaks))


def test_the_published_week_covers_the_need_and_has_the_sick_agent_working_from_wednesday():
    published, _replan = _published_and_replan()
    assert published.under_agent_intervals == 0
    assert any(s.date >= WEDNESDAY for s in published.roster.of_agent("C"))


def test_the_sick_agent_has_no_shift_from_the_first_day_of_the_absence():
    _published, replan = _published_and_replan()
    assert [s for s in replan.solution.roster.of_agent("C") if s.date >= WEDNESDAY] == []


def test_everybody_keeps_their_published_shifts_before_the_absence():
    published, replan = _published_and_replan()
    before = {_times(s) for s in published.roster.shifts if s.date < WEDNESDAY}
    after = {_times(s) for s in replan.solution.roster.shifts if s.date < WEDNESDAY}
    assert after == before != set()


def test_the_new_roster_keeps_every_hard_rule_with_the_absence():
    _published, replan = _published_and_replan()
    context = CheckContext.build(replan.solution.roster, PROBLEM.agents, SITE, absences=(SICK,),
                                 week_start=MONDAY, days=7)
    assert [v.message for v in check_roster(context) if v.hard] == []


def test_the_changes_are_the_sick_agents_lost_shifts_and_others_taking_over_one_of_their_days():
    # Without re-planning Thursday and Friday (32 quarter-hours) would stay short. B works two of the three days
    # from Wednesday (a wish against coverage; A's days are fixed, A's contract is full): 16 quarter-hours stay short.
    published, replan = _published_and_replan()
    lost = {(s.agent_id, s.date) for s in published.roster.shifts if s.agent_id == "C" and s.date >= WEDNESDAY}
    assert {(c.agent_id, c.date) for c in replan.changes if c.agent_id == "C"} == lost
    assert all(c.after is None for c in replan.changes if c.agent_id == "C")
    others = [c for c in replan.changes if c.agent_id != "C"]
    assert others and all(c.agent_id == "B" and c.date >= WEDNESDAY for c in others)
    assert replan.solution.under_agent_intervals == 16


def test_a_replan_that_changes_nothing_reports_the_cost_of_the_roster_it_keeps():
    published, _replan = _published_and_replan()
    weekend = Absence("C", _at(WEEK[5]), _at(WEEK[6] + dt.timedelta(days=1)), "sick")  # the site is closed
    kept = replan_after_absence(PROBLEM, published.roster, weekend, time_limit_s=1.0)
    assert kept.changes == () and kept.solution.roster == published.roster
    assert kept.solution.agent_costs == published.agent_costs
    assert kept.solution.objective == published.objective


def test_an_absence_of_an_unknown_agent_is_refused():
    absence = Absence("Z9", _at(WEDNESDAY), _at(WEEK[5]), "sick")
    with pytest.raises(ValueError) as error:
        replan_after_absence(PROBLEM, Roster(()), absence, time_limit_s=0.1)
    assert str(error.value) == "absence of 'Z9': no such agent in this roster; check the agent id"


def test_an_absence_after_the_last_day_is_refused():
    absence = Absence("C", _at(WEEK[-1] + dt.timedelta(days=1), 8), _at(WEEK[-1] + dt.timedelta(days=2)), "sick")
    with pytest.raises(ValueError) as error:
        replan_after_absence(PROBLEM, Roster(()), absence, time_limit_s=0.1)
    assert str(error.value) == ("the absence starts 2026-12-14, after the roster's last day 2026-12-13; "
                                "nothing to re-plan")
