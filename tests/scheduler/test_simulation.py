import heapq
import math
import re
from collections import deque

import numpy as np
import pytest

from scheduler.erlang import erlang_c_metrics
from scheduler.erlang_a import erlang_a_metrics
from scheduler.simulation import _draw, fcfs_start_times, simulate_intervals, simulate_queue

AHT = 180.0


def event_by_event(arrive, handle, deadline, edges, staff):
    """Start times from a plain event loop (arrivals, service ends, staffing changes) over an explicit queue."""
    events = [(t, 2, i) for i, t in enumerate(arrive)] + [(e, 1, k) for k, e in enumerate(edges)]
    heapq.heapify(events)
    start = np.full(len(arrive), np.nan)
    waiting, busy, on_duty = deque(), 0, 0
    while events:
        now, kind, ident = heapq.heappop(events)
        if kind == 0:
            busy -= 1
        elif kind == 1:
            on_duty = staff[ident]
        else:
            waiting.append(ident)
        while busy < on_duty and waiting:
            head = waiting.popleft()
            if deadline[head] >= now:                  # otherwise it hung up before now
                start[head] = now
                busy += 1
                heapq.heappush(events, (now + handle[head], 0, head))
    for head in waiting:
        start[head] = np.inf if deadline[head] == np.inf else np.nan
    return start


def test_the_one_pass_queue_equals_an_event_by_event_simulation():
    rng = np.random.default_rng(5)
    edges = np.arange(0.0, 12 * 900.0, 900.0)
    staff = np.array([3, 5, 2, 0, 0, 4, 6, 1, 3, 3, 0, 2])
    count = 2500
    arrive = np.sort(rng.uniform(0, 12 * 900.0, count))
    handle = rng.exponential(AHT, count)
    for deadline in (arrive + rng.exponential(120.0, count), np.full(count, np.inf)):
        got = fcfs_start_times(arrive, handle, deadline, edges, staff)
        want = event_by_event(arrive, handle, deadline, edges, staff)
        np.testing.assert_array_equal(got, want)
        assert np.isnan(got).any() == np.isfinite(deadline).all()


def test_hand_made_queues():
    five = np.full(3, 5.0)
    never = np.full(3, np.inf)
    arrive = np.array([0.0, 1.0, 2.0])
    # One agent, handle time 5: the second waits for the first, the third for the second.
    assert fcfs_start_times(arrive, five, never, np.array([0.0]), np.array([1])).tolist() == [0, 5, 10]
    # A second agent from t = 3 takes the waiting contact at once.
    assert fcfs_start_times(arrive, five, never, np.array([0.0, 3.0]), np.array([1, 2])).tolist() == [0, 3, 5]
    # The only agent leaves at t = 3 after finishing (t = 5); an agent is back at t = 20.
    assert fcfs_start_times(arrive[:2], five[:2], never[:2], np.array([0.0, 3.0, 20.0]),
                            np.array([1, 0, 1])).tolist() == [0, 20]
    # The second hangs up at t = 4, before the agent is free at 5; that does not hold up the third.
    deadline = np.array([np.inf, 4.0, np.inf])
    assert fcfs_start_times(arrive, five, deadline, np.array([0.0]), np.array([1])).tolist()[::2] == [0, 5]
    assert math.isnan(fcfs_start_times(arrive, five, deadline, np.array([0.0]), np.array([1]))[1])
    # Answered exactly at its deadline still counts as answered.
    assert fcfs_start_times(arrive[:2], five[:2], np.array([np.inf, 5.0]), np.array([0.0]),
                            np.array([1])).tolist() == [0, 5]
    # No agents ever: the patient wait forever (inf), the impatient hang up (nan).
    result = fcfs_start_times(arrive[:2], five[:2], np.array([np.inf, 9.0]), np.array([0.0]), np.array([0]))
    assert result[0] == np.inf and math.isnan(result[1])


CASES = [  # traffic in Erlangs, agents, patience (None: Erlang C), horizon in seconds (~0.3 to 3.3 million calls)
    (5.0, 7, None, 2.9e7),
    (10.0, 13, None, 2.2e7),
    (50.0, 58, None, 1.2e7),
    (5.0, 6, 60.0, 1.1e7),
    (10.0, 9, 120.0, 1.3e7),           # over-loaded: Erlang C has no steady state here
    (50.0, 48, 120.0, 8e6),            # over-loaded
]


@pytest.mark.parametrize(("traffic", "agents", "patience", "horizon"), CASES)
def test_formulas_agree_with_the_simulation(traffic, agents, patience, horizon):
    sim = simulate_queue(traffic / AHT, AHT, agents, 20.0, patience, horizon_s=horizon, seed=3)
    if patience is None:
        exact = erlang_c_metrics(agents, traffic, AHT, AHT, 20.0)
    else:
        exact = erlang_a_metrics(agents, traffic, AHT, AHT, 20.0, patience)
    assert sim.service_level_se < 0.003 and sim.abandon_rate_se < 0.003       # so that 0.01 is a real test
    assert sim.service_level == pytest.approx(float(exact.service_level), abs=0.01)
    assert sim.abandon_rate == pytest.approx(float(exact.abandon_rate), abs=0.01)
    assert sim.occupancy == pytest.approx(float(exact.occupancy), abs=0.01)
    assert sim.p_wait == pytest.approx(float(exact.p_wait), abs=0.02)
    assert sim.asa_s == pytest.approx(float(exact.asa_s), rel=0.1)


def test_the_same_seed_gives_the_same_run():
    one = simulate_queue(0.05, AHT, 11, 20.0, 120.0, horizon_s=2e5, seed=9)
    assert one == simulate_queue(0.05, AHT, 11, 20.0, 120.0, horizon_s=2e5, seed=9)
    assert one != simulate_queue(0.05, AHT, 11, 20.0, 120.0, horizon_s=2e5, seed=10)
    assert one.offered == pytest.approx(0.05 * 2e5, rel=0.05)


def test_intervals_carry_the_queue_over():
    # 40 contacts expected in the first quarter hour with nobody on duty, 20 agents from the second on.
    m = simulate_intervals(np.array([40.0, 0.0, 0.0]), np.array([0, 20, 20]), 900.0, AHT, 20.0, seed=1)
    offered = int(m.offered[0])
    assert offered > 20 and m.offered[1:].tolist() == [0, 0]
    assert m.answered.tolist() == [offered, 0, 0] and m.abandoned.tolist() == [0, 0, 0]
    assert m.answered_within[0] <= 20 and m.asa_s[0] > 0          # they waited for the second quarter hour
    assert m.service_level[1:].tolist() == [1.0, 1.0] and m.asa_s[1:].tolist() == [0.0, 0.0]
    assert m.occupancy[0] == 0.0 and 0 < m.occupancy[1] < 1
    impatient = simulate_intervals(np.array([40.0, 0.0]), np.array([0, 20]), 900.0, AHT, 20.0, 60.0, seed=1)
    assert impatient.abandoned[0] > 0 and impatient.abandon_rate[0] == impatient.abandoned[0] / impatient.offered[0]


def test_long_intervals_approach_the_steady_state_of_their_own_staffing():
    # 100-hour intervals of 10 Erlangs with 12, 15 and 9 agents: each near its own Erlang A figures.
    agents = np.array([12, 15, 9])
    m = simulate_intervals(np.full(3, 20_000.0), agents, 360_000.0, AHT, 20.0, 300.0, seed=0)
    exact = erlang_a_metrics(agents, 20_000.0, 360_000.0, AHT, 20.0, 300.0)
    assert m.service_level == pytest.approx(exact.service_level, abs=0.03)
    assert m.abandon_rate == pytest.approx(exact.abandon_rate, abs=0.01)
    assert m.occupancy == pytest.approx(exact.occupancy, abs=0.03)


def test_intervals_with_ample_agents_match_the_offered_load():
    # 200 agents for 10 Erlangs: nobody waits, the busy time is the handle time, for either distribution.
    for handle_time in ("exponential", "lognormal"):
        m = simulate_intervals(np.full(8, 500.0), np.full(8, 200), 9000.0, AHT, 20.0, seed=2, handle_time=handle_time,
                               handle_cv=0.5)
        assert m.service_level.tolist() == [1.0] * 8
        assert float(np.mean(m.occupancy)) == pytest.approx(10 / 200, rel=0.03)


def test_lognormal_handle_times_have_the_asked_mean_and_spread():
    rng = np.random.default_rng(4)
    _, handle, deadline = _draw(rng, np.array([200_000.0]), np.array([0.0, 1.0]), np.array([AHT]), None,
                                "lognormal", 0.5)
    assert handle.mean() == pytest.approx(AHT, rel=0.01)
    assert handle.std() / handle.mean() == pytest.approx(0.5, rel=0.02)
    assert np.all(deadline == np.inf)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: simulate_intervals([1.0, 2.0], [1], 900, AHT, 20), "arrivals and agents must be 1-d arrays of the same"),
    (lambda: simulate_intervals([1.0, -2.0], [1, 1], 900, AHT, 20), "arrivals must be >= 0 (got -2 at index 1)"),
    (lambda: simulate_intervals([1.0], [1.5], 900, AHT, 20), "agents must be whole numbers >= 0 (got 1.5 at index 0)"),
    (lambda: simulate_intervals([1.0], [1], 900, AHT, 20, handle_time="gamma"),
     "unknown handle_time 'gamma'; use one of exponential, lognormal"),
    (lambda: simulate_intervals([1.0], [1], 900, AHT, 20, patience_s=0), "patience_s must be > 0 (got 0)"),
    (lambda: simulate_queue(0.1, AHT, 3, 20, batches=1), "batches must be at least 2 (got 1)"),
    (lambda: simulate_queue(0.1, 0, 3, 20), "aht_s must be > 0 (got 0)"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()
