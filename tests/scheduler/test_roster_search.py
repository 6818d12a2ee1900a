"""The roster search (best responses, ruin and recreate, CP-SAT parts) on tiny weeks: legal, exact where the
best roster is obvious, and honest in its explanation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from functools import cache

import numpy as np
import pandas as pd

from forecasts.calendar import open_intervals
from scheduler.checker import CheckContext, check_roster
from scheduler.domain import Absence, Agent
from scheduler.roster import Roster, Segment, Shift
from scheduler.roster_model import Problem, Progress
from scheduler.roster_search import SearchSettings, solve_roster
from scheduler.rules import ARBZG
from tests.scheduler.roster_fixtures import tiny_site

SITE = tiny_site()
MONDAY = dt.date(2026, 12, 7)  # no public holiday in this week (DE-BB)
TUESDAY = MONDAY + dt.timedelta(days=1)
SUNDAY = MONDAY + dt.timedelta(days=6)
WEEK = tuple(MONDAY + dt.timedelta(days=i) for i in range(7))
LIMIT = 1.5  # seconds per solve: the tiny weeks below reach their best roster within a tenth of that


def _needs(queue: str, per_interval: int, days=(MONDAY,), site=SITE, start: dt.time = dt.time(0),
           end: dt.time = dt.time(23, 59)) -> pd.DataFrame:
    starts = [t for d in days for t in open_intervals(site, d)
              if start <= t.tz_convert(site.timezone).time() < end]
    return pd.DataFrame({"queue": queue, "interval_start": starts, "agents_required": per_interval})


def _agent(agent_id: str, skills=("billing",), hours: float = 8.0, days: int = 1, **wishes) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", "Team", tuple(skills), hours, days, **wishes)


def _hard(roster: Roster, problem: Problem, days: int = 7, extra: tuple[Shift, ...] = ()) -> list[str]:
    context = CheckContext.build(Roster(roster.shifts + extra), problem.agents, problem.site, rules=problem.rules,
                                 absences=problem.absences, week_start=MONDAY, days=days)
    return [v.message for v in check_roster(context) if v.hard]


def _times(roster: Roster, site=SITE) -> set[tuple[str, str, str, str]]:
    """Shifts as (agent, local date, start, end)."""
    return {(s.agent_id, f"{s.date:%a}", f"{s.start.astimezone(site.tz):%H:%M}", f"{s.end.astimezone(site.tz):%H:%M}")
            for s in roster.shifts}


MORNINGS = _needs("billing", 2, (MONDAY, TUESDAY), end=dt.time(12))  # 2 agents 08:00-12:00 Mon and Tue
PAIR = (_agent("A", hours=8, days=2), _agent("B", hours=8, days=2))


# --- a legal, complete roster --------------------------------------------------------------------------------

@cache
def _pair_week():
    problem = Problem(SITE, ARBZG, PAIR, MORNINGS, WEEK)
    return problem, solve_roster(problem, time_limit_s=LIMIT, seed=0)


def test_two_agents_cover_what_two_agents_can_cover_with_the_cheapest_legal_roster():
    # Each contract asks 8 h ± 10 % a week: two 4 h mornings each cover the need exactly.
    problem, solution = _pair_week()
    assert _times(solution.roster) == {(a, d, "08:00", "12:00") for a in "AB" for d in ("Mon", "Tue")}
    assert solution.under_agent_intervals == 0 and solution.explanation == ()
    assert solution.objective == 64.0  # 64 quarter-hours of work at cost 1
    assert _hard(solution.roster, problem) == []


# --- skills, leave, queues nobody has ------------------------------------------------------------------------

@cache
def _chat_agent_week():
    agents = (_agent("A", hours=8, days=2), _agent("B", skills=("chat",), hours=8, days=2))
    problem = Problem(SITE, ARBZG, agents, MORNINGS, WEEK)
    return problem, solve_roster(problem, time_limit_s=LIMIT, seed=0)


def test_an_agent_never_works_a_queue_without_its_skill():
    problem, solution = _chat_agent_week()
    assert solution.roster.of_agent("B") == []
    assert _times(solution.roster) == {("A", d, "08:00", "12:00") for d in ("Mon", "Tue")}
    assert solution.under_agent_intervals == 32


def test_an_agent_who_cannot_work_at_all_is_named_short_of_contract():
    _problem, solution = _chat_agent_week()
    assert "Agent B: not rostered: no skill of a queue with requirements (skills: chat; queues: billing)" \
        in solution.explanation
    assert solution.agent_costs["B"] == 29 * 5000


def test_an_agent_on_leave_all_week_is_not_rostered_and_nothing_breaks():
    leave = Absence("B", dt.datetime(2026, 12, 7, tzinfo=SITE.tz), dt.datetime(2026, 12, 14, tzinfo=SITE.tz),
                    "vacation")
    problem = Problem(SITE, ARBZG, PAIR, _needs("billing", 1, (MONDAY, TUESDAY), end=dt.time(12)), WEEK, (leave,))
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0)
    assert _times(solution.roster) == {("A", d, "08:00", "12:00") for d in ("Mon", "Tue")}
    assert solution.under_agent_intervals == 0 and solution.explanation == ()
    assert _hard(solution.roster, problem) == []


def test_a_queue_nobody_has_is_named_short_and_the_roster_stays_legal():
    needs = pd.concat([_needs("billing", 1, (MONDAY, TUESDAY), end=dt.time(12)),
                       _needs("chat", 1, start=dt.time(9), end=dt.time(10))], ignore_index=True)
    problem = Problem(SITE, ARBZG, PAIR, needs, WEEK)
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0)
    assert solution.explanation == ("Mon 07.12. 09:00-10:00 chat short by 1",)
    assert solution.under_agent_intervals == 4
    assert _hard(solution.roster, problem) == []


def _worked_queues(problem: Problem) -> set[str]:
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0, workers=1)
    return {seg.activity for s in solution.roster.shifts for seg in s.segments if seg.activity != "break"}


def test_given_costs_of_a_missing_agent_decide_which_queue_the_one_agent_covers():
    # One agent for one 4 h morning; billing and chat each need one agent then: whichever queue's gap costs more
    # per missing agent is the one covered.
    needs = pd.concat([_needs(q, 1, end=dt.time(12)) for q in ("billing", "chat")], ignore_index=True)
    agents = (_agent("A", skills=("billing", "chat"), hours=4),)
    for dear in ("billing", "chat"):
        weights = {(q, t): 10_000 if q == dear else 100 for q, t in zip(needs.queue, needs.interval_start, strict=True)}
        problem = Problem(SITE, ARBZG, agents, needs, WEEK, under_weights=weights)
        assert _worked_queues(problem) == {dear}


# --- progress, stopping, determinism -------------------------------------------------------------------------

def test_progress_reports_objective_gap_and_elapsed_time_down_to_the_final_objective():
    seen: list[Progress] = []
    solution = solve_roster(Problem(SITE, ARBZG, PAIR, MORNINGS, WEEK), time_limit_s=1.0, seed=0,
                            progress=seen.append)
    assert seen and seen[-1].objective == solution.objective
    assert all(0.0 <= p.gap <= 1.0 and 0.0 <= p.elapsed_s <= 1.0 for p in seen)


def test_should_stop_returns_at_once_with_an_empty_roster_that_breaks_only_the_contract_hours():
    problem = Problem(SITE, ARBZG, PAIR, MORNINGS, WEEK)
    started = time.perf_counter()
    solution = solve_roster(problem, time_limit_s=30.0, seed=0, should_stop=lambda: True)
    assert time.perf_counter() - started < 1.0
    assert solution.roster.shifts == () and solution.under_agent_intervals == 64
    context = CheckContext.build(solution.roster, problem.agents, SITE, week_start=MONDAY, days=7)
    assert {v.rule for v in check_roster(context) if v.hard} == {"weekly_contract_hours"}


WEEKDAYS = tiny_site("\n".join(f'{d} = "08:00-20:00"' for d in
                                                       ("mon", "tue", "wed", "thu", "fri")))


def _busy_week() -> Problem:
    """Six agents, two queues, a seeded random need: enough choice that the search path shows in the roster."""
    rng = np.random.default_rng(1)
    starts = [t for d in WEEK for t in open_intervals(WEEKDAYS, d)]
    needs = pd.concat([pd.DataFrame({"queue": q, "interval_start": starts,
                                     "agents_required": rng.integers(0, 4, len(starts))})
                       for q in ("billing", "chat")], ignore_index=True)
    skills = (("billing",), ("chat",), ("billing", "chat"))
    agents = tuple(_agent(f"A{i}", skills[i % 3], hours=(40, 30, 20)[i % 3], days=5) for i in range(6))
    return Problem(WEEKDAYS, ARBZG, agents, needs, WEEK)


def test_deterministic_settings_give_the_same_roster_for_the_same_seed_even_on_a_slower_machine():
    problem, settings = _busy_week(), SearchSettings(deterministic=True)
    fast = solve_roster(problem, time_limit_s=0.3, seed=5, settings=settings)
    slow = solve_roster(problem, time_limit_s=0.3, seed=5, settings=settings,
                        progress=lambda _p: time.sleep(0.3))  # e.g. a job writing its progress to a busy database
    assert slow.roster == fast.roster


# --- rest before the following roster, fairness --------------------------------------------------------------

def test_a_fixed_shift_after_the_week_keeps_eleven_hours_rest_from_the_last_shift():
    # Open Sunday 12:00-22:00 with need 14:00-22:00: without the following shift the agent works until 22:00.
    # Monday 14.12. starts at 08:00, so Sunday's work must end by 21:00 and 21:00-22:00 stays short.
    site = tiny_site('mon = "08:00-18:00"\nsun = "12:00-22:00"')
    following = Shift("A", MONDAY + dt.timedelta(days=7), (Segment(
        dt.datetime(2026, 12, 14, 8, tzinfo=site.tz), dt.datetime(2026, 12, 14, 12, tzinfo=site.tz), "billing"),))
    problem = Problem(site, ARBZG, (_agent("A"),), _needs("billing", 1, (SUNDAY,), site, start=dt.time(14)), WEEK,
                      following=(following,))
    solution = solve_roster(problem, time_limit_s=1.0, seed=0)
    (sunday,) = solution.roster.shifts
    assert sunday.date == SUNDAY and sunday.end == dt.datetime(2026, 12, 13, 21, tzinfo=site.tz)
    assert "Sun 13.12. 21:00-22:00 billing short by 1" in solution.explanation
    assert _hard(solution.roster, problem, days=8, extra=(following,)) == []


def test_days_in_a_row_and_free_weekends_count_the_previous_roster():
    # The previous roster worked Thursday to Sunday and the three weekends before this week: with at most 5 days
    # in a row and 1 free weekend in 4 weeks, Monday and Tuesday are not both worked and this weekend stays free,
    # although the need (one agent all week) and the contract (40 h) ask for every day.
    site = tiny_site("\n".join(f'{d} = "08:00-18:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    rules = dataclasses.replace(ARBZG, max_consecutive_work_days=5, min_free_weekends_per_4_weeks=1)
    dates = [MONDAY - dt.timedelta(days=k) for k in (16, 9, 4, 3, 2, 1)]  # Sat 21.11., Sat 28.11., Thu-Sun
    previous = tuple(Shift("A", d, (Segment(dt.datetime(d.year, d.month, d.day, 8, tzinfo=site.tz),
                                            dt.datetime(d.year, d.month, d.day, 12, tzinfo=site.tz), "billing"),))
                     for d in dates)
    problem = Problem(site, rules, (_agent("A", hours=40, days=5),), _needs("billing", 1, WEEK, site), WEEK,
                      previous=previous)
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0)
    worked = {s.date for s in solution.roster.shifts}
    assert worked and not {MONDAY, TUESDAY} <= worked and not worked & set(WEEK[5:])
    context = CheckContext.build(solution.roster, problem.agents, site, rules=rules, previous=previous,
                                 week_start=MONDAY, days=7)
    assert [v.message for v in check_roster(context) if v.hard and v.rule != "weekly_contract_hours"] == []


def test_an_agent_who_alone_can_work_late_is_named_above_the_team_average():
    site = tiny_site("\n".join(f'{d} = "08:00-20:00"' for d in ("mon", "tue", "wed")))
    days = WEEK[:3]
    needs = pd.concat([_needs("billing", 2, days[:2], site, end=dt.time(12)),
                       _needs("billing", 1, days, site, start=dt.time(16))], ignore_index=True)
    agents = (_agent("A", hours=8, days=2, latest_end=dt.time(18)), _agent("B", hours=8, days=2,
                                                                          latest_end=dt.time(18)),
              _agent("C", hours=12, days=3))
    problem = Problem(site, ARBZG, agents, needs, WEEK)
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0)
    assert {s.date for s in solution.roster.of_agent("C")} == set(days)
    assert solution.explanation == ("Agent C: 3 late shifts vs team average 1.0",)
    assert _hard(solution.roster, problem) == []


def test_a_contract_the_opening_hours_cannot_hold_is_explained_and_the_rest_is_rostered():
    # Open Mon and Tue 08:00-18:00: at most 2 days × 8 h on average (§3), far from a 40 h contract.
    agents = (_agent("A", hours=40, days=5),)
    problem = Problem(SITE, ARBZG, agents, MORNINGS, WEEK)
    solution = solve_roster(problem, time_limit_s=LIMIT, seed=0)
    assert {d for _a, d, _s, _e in _times(solution.roster)} == {"Mon", "Tue"}
    assert any(line.startswith("Agent A: can work at most 16 h in the week of 07.12.") and
               line.endswith("less than the contract's 36 h") for line in solution.explanation), solution.explanation


def test_with_two_workers_a_second_search_runs_in_a_child_process_and_stops_with_the_first():
    problem = Problem(SITE, ARBZG, PAIR, MORNINGS, WEEK)
    started = time.perf_counter()
    solution = solve_roster(problem, time_limit_s=12, seed=0, workers=2,
                            should_stop=lambda: time.perf_counter() - started > 1)
    assert time.perf_counter() - started < 8  # the child is stopped, not waited for
    assert _hard(solution.roster, problem) == [] or solution.roster.shifts == ()


def test_the_better_of_two_searches_is_returned_with_the_bound():
    problem = Problem(SITE, ARBZG, PAIR, MORNINGS, WEEK)
    solution = solve_roster(problem, time_limit_s=10, seed=0, workers=2)
    assert solution.under_agent_intervals == 0 and solution.objective == 64.0
    assert solution.under_lower_bound == 0 and _hard(solution.roster, problem) == []
