import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.email_backlog import answer_within_intervals, immediate_agents, plan_email

INTERVAL = 900          # 15 minutes; an agent answers 900 * 0.9 = 810 s of e-mail work per interval
CAPACITY = 810


def open_intervals(*days: str) -> pd.DatetimeIndex:
    """The open quarter-hours 08:00-20:00 (48 a day) of the given dates, site-local time."""
    return pd.DatetimeIndex([t for day in days
                             for t in pd.date_range(f"{day} 08:00", f"{day} 19:45", freq="15min", tz="Europe/Berlin")])


def fifo_finish(agents, arrivals, aht) -> list[int | None]:
    """The interval in which the last e-mail of each interval's arrivals is answered, first in first out
    (None for intervals without e-mails or not finished): an independent check of the plan."""
    aht = np.broadcast_to(np.asarray(aht, dtype=float), (len(arrivals),))
    left = [float(a) * float(h) for a, h in zip(arrivals, aht, strict=True)]
    finish: list[int | None] = [None] * len(arrivals)
    head = 0
    for t, n in enumerate(agents):
        capacity = float(n) * CAPACITY
        while head <= t and capacity > 1e-9:
            take = min(capacity, left[head])
            left[head] -= take
            capacity -= take
            if left[head] <= 1e-9:
                head += 1
        for cohort in range(t + 1):
            if finish[cohort] is None and left[cohort] <= 1e-9 and arrivals[cohort] > 0:
                finish[cohort] = t
    return finish


def test_business_hours_become_open_intervals():
    assert answer_within_intervals(24, INTERVAL) == 96
    assert answer_within_intervals(8, 1800) == 16
    assert answer_within_intervals(1.1, INTERVAL) == 4          # rounded down: never later than promised
    assert answer_within_intervals(0.1, INTERVAL) == 1


def test_500_emails_on_monday_morning_are_spread_over_the_24_business_hours():
    week = open_intervals("2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11")
    arrivals = pd.Series(0.0, index=week)
    arrivals.iloc[0] = 500                                   # Monday 08:00, 300 s each: 150,000 s of work
    plan = plan_email(arrivals, 300.0, INTERVAL, answer_within_intervals(24, INTERVAL))
    # 150,000 / 810 = 185.2 agent-intervals, so 186; two agents until Tuesday 19:15 (93 intervals) is level.
    assert plan.agents.tolist() == [2] * 93 + [0] * (240 - 93)
    assert plan.agents.sum() == immediate_agents(arrivals, 300.0, INTERVAL).sum() == 186
    assert immediate_agents(arrivals, 300.0, INTERVAL).max() == 186
    assert plan.met_deadline
    last = int(np.flatnonzero(plan.worked > 0)[-1])
    assert week[last] == pd.Timestamp("2026-12-08 19:00", tz="Europe/Berlin")   # deadline: Tuesday 20:00
    assert plan.backlog[0] == pytest.approx(500 - 2 * 810 / 300)
    assert plan.backlog[last] == 0 and plan.backlog[last - 1] > 0
    assert plan.max_age_intervals[:3].tolist() == [1, 2, 3] and plan.max_age_intervals[last] == 0
    assert plan.worked.sum() == pytest.approx(500)


def test_pooling_needs_fewer_agent_intervals_than_answering_at_once():
    day = open_intervals("2026-12-07", "2026-12-08")
    arrivals = np.full(len(day), 2.0)                        # 2 x 300 s = 600 s: one agent each, 74 % used
    arrivals[0] = 500
    plan = plan_email(arrivals, 300.0, INTERVAL, 96)
    work = arrivals.sum() * 300
    assert plan.agents.sum() == math.ceil(work / CAPACITY) == 256
    assert immediate_agents(arrivals, 300.0, INTERVAL).sum() == 186 + 95
    assert plan.met_deadline and plan.backlog[-1] == 0


def test_weekend_backlog_is_cleared_by_its_monday_deadline():
    open_ = open_intervals("2026-12-11", "2026-12-14")      # Friday and Monday; the weekend is closed
    arrivals = pd.Series(0.0, index=open_)
    arrivals.iloc[47] = 40                                   # Friday 19:45
    arrivals.iloc[48] = 120                                  # Saturday and Sunday, counted at Monday 08:00
    within = answer_within_intervals(8, INTERVAL)            # 32 open intervals
    plan = plan_email(arrivals, 405.0, INTERVAL, within)
    finish = fifo_finish(plan.agents, arrivals.to_numpy(), 405.0)
    assert open_[finish[47]] <= pd.Timestamp("2026-12-14 15:30", tz="Europe/Berlin")   # 32 open quarter-hours
    assert open_[finish[48]] <= pd.Timestamp("2026-12-14 15:45", tz="Europe/Berlin")
    assert plan.met_deadline and plan.agents[:47].sum() == 0
    assert plan.agents.sum() == math.ceil(160 * 405 / CAPACITY) == 80
    assert plan.agents.max() == 3                            # 80 agent-intervals over 31 or 32 intervals


def test_weights_move_the_work_to_the_quiet_intervals():
    # 3 agent-intervals of work due within 4 intervals; the phone queues need 10, 2, 10, 3 agents there.
    plan = plan_email([3, 0, 0, 0], float(CAPACITY), INTERVAL, 4, weights=[10, 2, 10, 3])
    assert plan.agents.tolist() == [0, 2, 0, 1]              # levels 10, 4, 10, 4
    assert plan.worked.tolist() == [0, 2, 0, 1]
    even = plan_email([3, 0, 0, 0], float(CAPACITY), INTERVAL, 4)
    assert even.agents.tolist() == [1, 1, 1, 0]              # without weights: level, and as early as possible
    fractional = plan_email([3, 0, 0, 0], float(CAPACITY), INTERVAL, 4, weights=[0.5, 0.2, 0.9, 0.25])
    assert fractional.agents.tolist() == [1, 1, 0, 1]


def test_quiet_stretches_get_their_own_level():
    # Two separate bursts; the second one's quiet interval is used although the first burst sets a higher peak.
    arrivals = [6, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    weights = [0, 0, 0, 9, 9, 9, 5, 5, 0, 5]
    plan = plan_email(arrivals, float(CAPACITY), INTERVAL, 4, weights=weights)
    assert plan.agents.tolist() == [2, 2, 2, 0, 0, 0, 0, 0, 1, 0]


def test_deadline_of_one_interval_is_answering_at_once():
    rng = np.random.default_rng(5)
    arrivals = rng.uniform(0, 12, 60)
    aht = rng.uniform(100, 600, 60)
    plan = plan_email(arrivals, aht, INTERVAL, 1)
    assert plan.agents.tolist() == immediate_agents(arrivals, aht, INTERVAL).tolist()
    assert plan.backlog == pytest.approx(np.zeros(60), abs=1e-9)


def test_deadlines_after_the_horizon_end_with_it_unless_the_backlog_may_carry_over():
    plan = plan_email([0, 0, 5], float(CAPACITY), INTERVAL, 96)
    assert plan.agents.tolist() == [0, 0, 5] and plan.backlog[-1] == 0
    carried = plan_email([0, 0, 5], float(CAPACITY), INTERVAL, 96, finish_by_end=False)
    assert carried.agents.tolist() == [0, 0, 0] and carried.backlog.tolist() == [0, 0, 5] and carried.met_deadline
    # Half an agent-interval each; due within the horizon are the 5 e-mails of intervals 0 and 1 (2.5 agent-
    # intervals, so 3 agents); those of interval 4 are due after it and wait.
    carried = plan_email([4, 1, 0, 0, 3, 0], float(CAPACITY) / 2, INTERVAL, 4, finish_by_end=False)
    assert carried.agents.tolist() == [1, 1, 1, 0, 0, 0]
    assert carried.backlog.tolist() == [2, 1, 0, 0, 3, 3] and carried.met_deadline


def test_max_agents_are_kept_and_can_force_earlier_work():
    plan = plan_email([8, 0, 0, 0], float(CAPACITY), INTERVAL, 4, weights=[0, 0, 0, 0], max_agents=[1, 3, 3, 3])
    assert plan.agents.tolist() == [1, 3, 3, 1]
    plan = plan_email([8, 0, 0, 0], float(CAPACITY), INTERVAL, 4, weights=[0, 9, 9, 0], max_agents=3)
    assert plan.agents.tolist() == [3, 1, 1, 3]


def test_an_impossible_deadline_names_the_emails_and_the_agents_needed():
    week = open_intervals("2026-12-07", "2026-12-08", "2026-12-09")
    arrivals = pd.Series(0.0, index=week)
    arrivals.iloc[4] = 500                                   # Monday 09:00
    with pytest.raises(ValueError) as error:
        plan_email(arrivals, 300.0, INTERVAL, 96, max_agents=1)
    # 150,000 s of work by 810 s an agent in 96 open intervals (Monday 09:00 to Wednesday 09:00): 1.93 a time.
    assert str(error.value) == (
        "plan_email: the e-mails that arrive in the interval starting 2026-12-07T09:00:00+01:00 cannot all be "
        "answered by their deadline, 2026-12-09T09:00:00+01:00 (96 open intervals): that takes 2 agents in every "
        "interval from 2026-12-07T09:00:00+01:00 to 2026-12-09T09:00:00+01:00, but max_agents allows 1; raise "
        "max_agents there or allow more time")
    with pytest.raises(ValueError, match="arrive in interval 0 cannot all be answered by their deadline, the end of "
                                         r"interval 3 \(4 open intervals\): that takes 3 agents in every interval "
                                         "from the start of interval 0 to the end of interval 3, but max_agents "
                                         "allows 2"):
        plan_email([9, 0, 0, 0, 1], float(CAPACITY), INTERVAL, 4, max_agents=[2, 2, 2, 2, 9])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"arrivals": [1, -2]}, "plan_email: arrivals must be numbers >= 0 (got -2 in interval 1); fix the forecast"),
    ({"aht_s": [300, 0]}, "plan_email: aht_s must be a number of seconds > 0 where e-mails arrive (got 0 in "
                          "interval 1)"),
    ({"answer_within_intervals": 0}, "plan_email: answer_within_intervals must be a whole number >= 1 (got 0); "
                                     "1 means answer in the interval of arrival"),
    ({"weights": [1.0]}, "plan_email: weights must be one finite number per interval (2); got shape (1,)"),
    ({"max_agents": 1.5}, "plan_email: max_agents must be whole numbers >= 0 (got 1.5)"),
    ({"occupancy": 0}, "plan_email: occupancy must be in (0, 1] (got 0)"),
])
def test_bad_input_is_named(kwargs, message):
    call = {"arrivals": [1, 2], "aht_s": 300.0, "interval_s": INTERVAL, "answer_within_intervals": 4} | kwargs
    with pytest.raises(ValueError) as error:
        plan_email(**call)
    assert str(error.value).startswith(message)


def test_a_year_of_intervals_is_planned():
    rng = np.random.default_rng(2)
    shape = np.sin(np.linspace(0, np.pi, 48)) + 0.2
    arrivals = rng.poisson(np.tile(shape * 6, 310)).astype(float)
    phone = np.ceil(np.tile(shape * 25, 310))
    plan = plan_email(arrivals, 420.0, INTERVAL, 96, weights=phone)
    assert plan.met_deadline
    assert plan.agents.sum() == math.ceil(arrivals.sum() * 420 / CAPACITY)
    busy = plan.agents.reshape(310, 48).sum(axis=0)
    assert busy[:6].sum() > 5 * busy[20:26].sum()            # mornings, when the phones are quiet


# --- against an exact integer programme ---------------------------------------------------------------------------

def reference(arrivals, aht, within, weights, max_agents):
    """CP-SAT: the fewest agent-intervals meeting every deadline, then the lowest peak of weight + agents over
    the intervals used (None when no plan meets the deadlines). Work is in whole seconds."""
    size = len(arrivals)
    work = [a * h for a, h in zip(arrivals, aht, strict=True)]
    arrived = np.cumsum(work).tolist()
    due = [arrived[t - within + 1] if t - within + 1 >= 0 else 0 for t in range(size)]
    due[-1] = arrived[-1]
    top = max_agents if max_agents is not None else sum(work) // CAPACITY + 1

    def solve(total=None):
        model = cp_model.CpModel()
        agents = [model.new_int_var(0, top, f"agents_{t}") for t in range(size)]
        done = [model.new_int_var(0, CAPACITY * top, f"done_{t}") for t in range(size)]
        for t in range(size):
            model.add(done[t] <= CAPACITY * agents[t])
            model.add(sum(done[:t + 1]) <= arrived[t])
            model.add(sum(done[:t + 1]) >= due[t])
        if total is None:
            model.minimize(sum(agents))
        else:
            model.add(sum(agents) == total)
            peak = model.new_int_var(0, max(weights) + top, "peak")
            for t in range(size):
                used = model.new_bool_var(f"used_{t}")
                model.add(agents[t] <= top * used)
                model.add(peak >= weights[t] + agents[t]).only_enforce_if(used)
            model.minimize(peak)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        assert status == cp_model.OPTIMAL
        return round(solver.objective_value)

    fewest = solve()
    return None if fewest is None else (fewest, solve(fewest))


@settings(max_examples=120, deadline=None)
@given(arrivals=st.lists(st.integers(0, 6), min_size=1, max_size=10),
       aht=st.sampled_from([270, 300, 405, 540, 810, 1000]),
       within=st.integers(1, 5),
       weights=st.lists(st.integers(0, 4), min_size=10, max_size=10),
       max_agents=st.one_of(st.none(), st.integers(1, 4)))
def test_plans_are_optimal_and_meet_every_deadline(arrivals, aht, within, weights, max_agents):
    size = len(arrivals)
    weights = weights[:size]
    want = reference(arrivals, [aht] * size, within, weights, max_agents)
    if want is None:
        with pytest.raises(ValueError, match="cannot all be answered by their deadline"):
            plan_email(arrivals, float(aht), INTERVAL, within, weights=weights, max_agents=max_agents)
        return
    plan = plan_email(arrivals, float(aht), INTERVAL, within, weights=weights, max_agents=max_agents)
    fewest, peak = want
    assert plan.agents.sum() == fewest
    used = plan.agents > 0
    assert (np.asarray(weights) + plan.agents)[used].max(initial=0) == peak
    assert plan.met_deadline
    assert plan.agents.sum() * CAPACITY >= sum(arrivals) * aht
    if max_agents is not None:
        assert plan.agents.max(initial=0) <= max_agents
    finish = fifo_finish(plan.agents, arrivals, aht)
    for t, done in enumerate(finish):
        if arrivals[t]:
            assert done is not None and done <= min(t + within - 1, size - 1)
