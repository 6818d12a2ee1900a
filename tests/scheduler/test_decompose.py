"""Rostering by parts on a tiny site: two teams on one Monday, the shares of the requirement, the residual each
team solves against in later rounds, and the merged roster checked as a whole."""

from __future__ import annotations

import datetime as dt
import pickle
from functools import cache

import numpy as np
import pandas as pd
import pytest

from forecasts.calendar import open_intervals
from scheduler.big_site import LOAD, big_site
from scheduler.checker import CheckContext, check_roster
from scheduler.decompose import (
    capacity,
    coverage,
    coverage_cost,
    residual_requirement,
    sequential_map,
    share_out,
    solve_decomposed,
    spare_capacity,
    split_by,
    targets,
)
from scheduler.domain import Absence, Agent
from scheduler.roster import Segment, Shift
from scheduler.roster_model import Problem
from scheduler.roster_search import solve_roster
from scheduler.rules import ARBZG
from tests.scheduler.roster_fixtures import MONDAY, WEEK, tiny_site

SITE = tiny_site('mon = "08:00-18:00"')


def _needs(queue: str, agents: int, start: int, end: int) -> pd.DataFrame:
    """`agents` on `queue` on Monday from `start` to `end` o'clock."""
    starts = [t for t in open_intervals(SITE, MONDAY) if start <= t.hour < end]
    return pd.DataFrame({"queue": queue, "interval_start": starts, "agents_required": agents})


def _agent(agent_id: str, team: str, skills=("billing",)) -> Agent:
    # 4 h a week on one day: one shift of 4 h to 4 h 15 min (the contract's 10 % tolerance), no break needed.
    return Agent(agent_id, f"Agent {agent_id}", team, tuple(skills), 4.0, 1)


# Team A: three billing agents; team B: one agent for billing and chat. Billing needs 2 agents 08:00-16:00,
# chat 1 agent 16:00-18:00: 72 agent-intervals for at most 4 × 17.
AGENTS = (_agent("A1", "A"), _agent("A2", "A"), _agent("A3", "A"), _agent("B1", "B", ("billing", "chat")))
NEEDS = pd.concat([_needs("billing", 2, 8, 16), _needs("chat", 1, 16, 18)], ignore_index=True)
SICK = Absence("A3", dt.datetime(2026, 12, 8, tzinfo=SITE.tz), dt.datetime(2026, 12, 9, tzinfo=SITE.tz), "sick")
PREVIOUS = Shift("B1", MONDAY - dt.timedelta(days=3), (Segment(
    dt.datetime(2026, 12, 4, 9, tzinfo=SITE.tz), dt.datetime(2026, 12, 4, 13, tzinfo=SITE.tz), "billing"),))
PROBLEM = Problem(SITE, ARBZG, AGENTS, NEEDS, WEEK, absences=(SICK,), previous=(PREVIOUS,))


# --- splitting ----------------------------------------------------------------------------------------------

def test_each_team_keeps_its_agents_their_absences_and_shifts_and_only_the_queues_it_can_serve():
    parts = split_by(PROBLEM)
    assert list(parts) == ["A", "B"]
    assert [a.agent_id for a in parts["A"].agents] == ["A1", "A2", "A3"]
    assert set(parts["A"].requirements["queue"]) == {"billing"}  # nobody in team A chats
    assert len(parts["A"].requirements) == 32
    assert set(parts["B"].requirements["queue"]) == {"billing", "chat"}
    assert parts["A"].absences == (SICK,) and parts["B"].absences == ()
    assert parts["A"].previous == () and parts["B"].previous == (PREVIOUS,)


def test_agents_can_be_grouped_by_skill_set():
    assert list(split_by(PROBLEM, "skills")) == ["billing", "billing+chat"]


def test_an_unknown_group_key_names_the_keys_there_are():
    with pytest.raises(ValueError, match=r"unknown group key 'site'; group agents by one of: team, skills"):
        split_by(PROBLEM, "site")
    with pytest.raises(ValueError, match="unknown group key"):
        solve_decomposed(PROBLEM, group="site", map_parts=sequential_map)


def test_a_part_pickles_for_a_worker_process():
    part = split_by(PROBLEM)["B"]
    copy = pickle.loads(pickle.dumps(part))
    assert copy.agents == part.agents and copy.previous == part.previous
    pd.testing.assert_frame_equal(copy.requirements, part.requirements)


# --- sharing the requirement --------------------------------------------------------------------------------

def test_shares_are_whole_agents_in_proportion_and_sum_to_the_total():
    assert share_out(5, [3, 1]).tolist() == [4, 1]      # 3.75 and 1.25: the larger remainder gets the fifth
    assert share_out(3, [1, 1, 1]).tolist() == [1, 1, 1]
    assert share_out(1, [1, 1], turn=0).tolist() == [1, 0]  # a tie goes in turn
    assert share_out(1, [1, 1], turn=1).tolist() == [0, 1]
    assert share_out(2, [0, 0]).tolist() == [0, 0]      # nobody can take it
    drawn = share_out(7, [5, 3, 1], rng=np.random.default_rng(0))
    assert drawn.sum() == 7 and (drawn >= [3, 2, 0]).all()  # the floors of 3.9, 2.3 and 0.8 at least


def test_round_one_splits_each_interval_by_the_teams_capacity_for_its_queue():
    parts = list(split_by(PROBLEM).values())
    cap = capacity(parts, NEEDS)
    # Team A: 3 × 4 h of billing; B1's 4 h are split over billing and chat.
    assert cap[:, 0].tolist() == [12.0, 2.0] and cap[:, -1].tolist() == [0.0, 2.0]
    need = NEEDS["agents_required"].to_numpy()
    wanted = targets(need, np.zeros((2, len(need)), dtype=int), cap)
    assert (wanted.sum(axis=0) == need).all()
    assert wanted[:, 0].tolist() == [2, 0]   # 2 × 12/14 = 1.71 and 0.29: the second agent to the larger share
    assert wanted[:, -1].tolist() == [0, 1]  # chat: only team B


def test_the_residual_is_the_requirement_less_what_the_other_groups_cover():
    need = np.array([3, 3, 1])
    cover = np.array([[1, 2, 0], [1, 0, 0], [0, 2, 2]])
    assert residual_requirement(need, cover, 0).tolist() == [2, 1, 0]  # group 0's own 1 and 2 do not count
    assert residual_requirement(need, cover, 2).tolist() == [1, 1, 1]
    assert residual_requirement(need, cover, 1).tolist() == [2, 0, 0]  # 3 - 4 is clipped at 0


def test_later_rounds_share_the_gap_instead_of_each_group_filling_all_of_it():
    need = np.array([3, 1])
    cover = np.array([[1, 1], [1, 1]])  # one agent short in the first interval, one too many in the second
    wanted = targets(need, cover, np.ones((2, 2)), turns=np.array([0, 0]))
    # Against their residuals (2 and 0 each) both groups would add an agent in the first interval and both drop
    # theirs in the second; shared out, one adds and one drops (ties in turn: the first group).
    assert [residual_requirement(need, cover, g).tolist() for g in (0, 1)] == [[2, 0], [2, 0]]
    assert wanted.tolist() == [[2, 0], [1, 1]]


def test_after_round_one_a_shortage_goes_to_the_team_with_time_left_not_the_bigger_booked_one():
    parts = list(split_by(PROBLEM).values())
    cap = capacity(parts, NEEDS)
    need = NEEDS["agents_required"].to_numpy()
    cover = np.zeros((2, len(need)), dtype=int)
    cover[0, :32] = [2] * 26 + [1] * 6  # team A's three agents work 58 quarter-hours, more than 3 × 17.6
    spare = spare_capacity(parts, cap, cover, wanted=cover)
    # Team A: 12 h of billing and no time left; team B: 2 of its 4 h for billing and all of its 17.6 left.
    assert spare[:, 0] == pytest.approx([12 * 0.001, 2 * (17.6 / 16 + 0.001)])
    assert targets(need, cover, cap)[:, 26].tolist() == [2, 0]    # by capacity: team A, which cannot
    assert targets(need, cover, spare)[:, 26].tolist() == [1, 1]  # by time left: team B


def test_the_sites_coverage_cost_counts_as_the_engine_does():
    part = split_by(PROBLEM)["A"]
    solution = solve_roster(part, time_limit_s=0.5, workers=1, prove=False)
    need = part.requirements["agents_required"].to_numpy()
    cost, under, _over = coverage_cost(need, coverage(solution.roster, part), part.weights)
    assert under == solution.under_agent_intervals >= 64 - 3 * 17  # three agents at their most, 4 h 15 min
    assert cost + sum(solution.agent_costs.values()) == solution.objective


# --- solving ------------------------------------------------------------------------------------------------

@cache
def _solved():
    return solve_decomposed(PROBLEM, time_limit_s=4.0, rounds=3, map_parts=sequential_map, workers=1)


def test_the_merged_roster_keeps_every_hard_rule_for_all_agents_together():
    result = _solved()
    context = CheckContext.build(result.roster, AGENTS, SITE, absences=(SICK,), previous=(PREVIOUS,),
                                 week_start=MONDAY, days=7)
    assert [v.message for v in check_roster(context) if v.hard] == []
    assert result.hard_violations == ()
    assert result.roster.agent_ids == ["A1", "A2", "A3", "B1"]
    assert [g.group for g in result.groups] == ["A", "B"] and result.groups[0].queues == ("billing",)


def test_coordination_does_not_make_the_under_staffing_worse_than_round_one():
    result = _solved()
    assert result.rounds >= 2 and result.required_agent_intervals == 72
    assert result.under_after <= result.under_before
    objectives = [r.objective for r in result.history]
    assert objectives == sorted(objectives, reverse=True)
    assert result.under_after >= 72 - 4 * 17  # no roster does better than every agent at their most
    need = NEEDS["agents_required"].to_numpy()
    assert coverage_cost(need, coverage(result.roster, PROBLEM), PROBLEM.weights)[1] == result.under_after


def test_rounds_must_be_at_least_one():
    with pytest.raises(ValueError, match="rounds = 0: give at least 1"):
        solve_decomposed(PROBLEM, rounds=0, map_parts=sequential_map)


# --- the big site's generator -------------------------------------------------------------------------------

def test_the_big_site_is_the_same_for_a_seed_and_needs_what_its_agents_offer_times_the_load():
    problem, again = big_site(40, 4, seed=1), big_site(40, 4, seed=1)
    assert problem.agents == again.agents and problem.absences == again.absences
    pd.testing.assert_frame_equal(problem.requirements, again.requirements)
    assert sorted({a.team for a in problem.agents}) == ["Team 01", "Team 02", "Team 03", "Team 04"]
    assert set(problem.requirements["queue"]) == {"phone", "chat", "email"} and len(problem.days) == 7
    on_leave = {a.agent_id for a in problem.absences if a.reason == "vacation"}
    offered = sum(a.weekly_hours * 4 for a in problem.agents if a.agent_id not in on_leave)
    assert abs(problem.requirements["agents_required"].sum() - LOAD * offered) <= 2  # each queue rounded once
    with pytest.raises(ValueError, match="at least one agent per team"):
        big_site(3, 4)
