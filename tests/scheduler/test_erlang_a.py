import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.linalg import expm
from threadpoolctl import threadpool_limits

from scheduler import erlang_a
from scheduler.erlang import erlang_c_metrics, required_agents_c
from scheduler.erlang_a import erlang_a_metrics, required_agents_a


def birth_death(agents: int, lam: float, aht: float, within: float, patience: float,
                waiting_room: int = 100) -> tuple[float, float, float, float]:
    """(service level, P(wait), P(abandon), ASA) of M/M/N+M from the truncated chain, computed numerically.

    States 0..N+K; the stationary law solves pi Q = 0. A tagged arrival that finds j waiting moves up at rate
    N mu + j theta and hangs up at rate theta: P(answered by T) comes from expm of that absorbing chain, the
    mean wait of answered contacts from its fundamental matrix.
    """
    mu, theta, size, k = 1.0 / aht, 1.0 / patience, agents + waiting_room + 1, waiting_room
    q = np.zeros((size, size))
    for i in range(size):
        if i + 1 < size:
            q[i, i + 1] = lam
        if i:
            q[i, i - 1] = min(i, agents) * mu + max(i - agents, 0) * theta
        q[i, i] = -q[i].sum()
    system = q.T.copy()
    system[-1] = 1.0
    tagged = np.zeros((k + 2, k + 2))   # phases 0..k-1 (contacts ahead), then answered (k) and gone (k + 1)
    for ahead in range(k):
        tagged[ahead, k if ahead == 0 else ahead - 1] = agents * mu + ahead * theta
        tagged[ahead, k + 1] = theta
        tagged[ahead, ahead] = -(agents * mu + ahead * theta + theta)
    with threadpool_limits(limits=1):                # small matrices: BLAS threads only get in each other's way
        pi = np.linalg.solve(system, np.eye(size)[-1])
        answered_by_t = expm(tagged * within)[:k, k]
        fundamental = np.linalg.inv(-tagged[:k, :k])
    answered = fundamental @ tagged[:k, k]
    answered_wait = fundamental @ fundamental @ tagged[:k, k]
    waiting = pi[agents:agents + k]
    abandon = float(waiting @ (1.0 - answered))
    return (float(pi[:agents].sum() + waiting @ answered_by_t), float(waiting.sum()), abandon,
            float(waiting @ answered_wait / (1.0 - abandon)))


CASES = [  # agents, arrivals per 15 min, aht, answer within, patience
    (1, 9.0, 180.0, 20.0, 120.0),
    (3, 15.0, 180.0, 20.0, 60.0),
    (8, 50.0, 180.0, 20.0, 300.0),          # over-loaded: 10 Erlangs on 8 agents
    (10, 50.0, 180.0, 20.0, 300.0),
    (5, 45.0, 240.0, 30.0, 30.0),
    (12, 27.0, 300.0, 0.0, 600.0),
    (4, 45.0, 100.0, 60.0, 1000.0),
    (20, 180.0, 120.0, 15.0, 90.0),
]


@pytest.mark.parametrize(("agents", "arrivals", "aht", "within", "patience"), CASES)
def test_closed_forms_equal_the_birth_death_chain(agents, arrivals, aht, within, patience):
    want = birth_death(agents, arrivals / 900, aht, within, patience)
    m = erlang_a_metrics(agents, arrivals, 900, aht, within, patience)
    got = (float(m.service_level), float(m.p_wait), float(m.abandon_rate), float(m.asa_s))
    assert got == pytest.approx(want, rel=1e-6, abs=1e-9)
    assert float(m.occupancy) == pytest.approx(arrivals / 900 * (1 - want[2]) * aht / agents, rel=1e-9)


@pytest.mark.parametrize(("agents", "traffic"), [(3, 2.0), (10, 10.0), (50, 60.0), (500, 480.0)])
def test_patience_equal_to_handle_time_is_the_infinite_server_queue(agents, traffic):
    # With theta = mu every contact present leaves at rate mu, so the number present is Poisson(a).
    m = erlang_a_metrics(agents, traffic, 180, 180, 20, 180)
    present = stats.poisson(traffic)
    assert float(m.p_wait) == pytest.approx(present.sf(agents - 1), rel=1e-10)
    excess = sum((j - agents) * present.pmf(j) for j in range(agents, agents + 40 * int(math.sqrt(traffic)) + 40))
    assert float(m.abandon_rate) == pytest.approx(excess / traffic, rel=1e-9)


@pytest.mark.parametrize("s", [2.5, 30.0, 1e3, 1e5, 1e7])
def test_the_two_routes_agree_where_they_meet(s):
    # Below the critical load the terms come from Kummer's function, above it from the incomplete gamma function.
    y = s - np.array([0.0, 0.3, 1.0, 1.5]) * np.sqrt(s)
    x, t_over_patience = np.full(y.shape, s - 1.0), np.full(y.shape, 0.1)
    kummer = erlang_a._waiting_terms(x, y, t_over_patience, with_asa=True, lower=True)
    gamma = erlang_a._waiting_terms(x, y, t_over_patience, with_asa=True, lower=False)
    assert kummer[0] == pytest.approx(gamma[0], rel=1e-10)               # ln S1
    assert kummer[1] == pytest.approx(gamma[1], rel=1e-9, abs=1e-10)      # ln of the share answered within T
    assert kummer[2] == pytest.approx(gamma[2], rel=1e-6)                # slope for the ASA


def test_long_patience_approaches_erlang_c():
    c = erlang_c_metrics(14, 100, 1800, 180, 20)
    gaps = []
    for patience in (1e4, 1e5, 1e6, 1e7):
        a = erlang_a_metrics(14, 100, 1800, 180, 20, patience)
        gaps.append(abs(float(a.service_level - c.service_level)))
        assert float(a.abandon_rate) < 10 / patience
    assert all(9 * later < earlier < 11 * later for earlier, later in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] < 2e-6                                             # ~ 1 / patience
    exact = erlang_a_metrics(14, 100, 1800, 180, 20, math.inf)
    assert (exact.service_level, exact.asa_s, exact.abandon_rate) == (c.service_level, c.asa_s, 0.0)
    assert int(required_agents_a(100, 1800, 180, 0.8, 20, math.inf)) == 14
    # Beyond 1e5 handle times, patience is capped (the numerics are checked up to there).
    capped = erlang_a_metrics(14, 100, 1800, 180, 20, 1e12)
    assert capped == erlang_a_metrics(14, 100, 1800, 180, 20, 1e5 * 180)


def test_over_loaded_queues_have_finite_metrics():
    # 5,000 Erlangs, 120 s patience: from far too few agents to plenty; Erlang C is unstable below 5,001.
    m = erlang_a_metrics(np.array([1, 2500, 4000, 5000, 5100, 6000]), 50_000, 1800, 180, 20, 120)
    assert not any(np.isnan(getattr(m, f)).any() for f in ("service_level", "asa_s", "occupancy", "abandon_rate"))
    assert np.all(np.diff(m.service_level) > 0) and np.all(np.diff(m.abandon_rate) < 0)
    assert m.abandon_rate[0] == pytest.approx(1 - 1 / 5000, rel=1e-3)      # one agent answers ~1 / a of them
    assert m.occupancy[:3].tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-3)


def test_degenerate_intervals():
    m = erlang_a_metrics([0, 3, 0], [0, 0, 10], 900, 180, 20, 60)
    assert m.service_level.tolist() == [1.0, 1.0, 0.0]
    assert m.abandon_rate.tolist() == [0.0, 0.0, 1.0]
    assert m.asa_s.tolist() == [0.0, 0.0, math.inf]
    assert m.occupancy.tolist() == [0.0, 0.0, 1.0]
    assert required_agents_a([0, 0], 900, 180, 0.8, 20, 60).tolist() == [0, 0]


def test_required_agents_compared_with_erlang_c():
    assert int(required_agents_a(100, 1800, 180, 0.8, 20, 300)) == 13          # Erlang C: 14
    assert int(required_agents_c(100, 1800, 180, 0.8, 20)) == 14
    # 50/20 with 60 s patience: 8 agents carry 10 Erlangs (abandons relieve the queue); a 85 % cap wants 10.
    assert int(required_agents_a(100, 1800, 180, 0.5, 20, 60)) == 8
    assert int(required_agents_a(100, 1800, 180, 0.5, 20, 60, max_occupancy=0.85)) == 10
    # Callers who hang up after 2 s on average, against a 95 % within 300 s target, need more than Erlang C.
    assert int(required_agents_a(100, 1800, 180, 0.95, 300, 2)) == 15
    assert int(required_agents_c(100, 1800, 180, 0.95, 300)) == 12


def test_35000_intervals_at_once_all_meet_the_target():
    # Speed is measured in bench/staffing.py, not asserted here.
    rng = np.random.default_rng(11)
    arrivals, aht, patience = rng.uniform(0, 3000, 35_000), rng.uniform(60, 900, 35_000), rng.uniform(10, 900, 35_000)
    agents = required_agents_a(arrivals, 900, aht, 0.8, 20, patience, max_occupancy=0.9)
    assert np.all(erlang_a_metrics(agents, arrivals, 900, aht, 20, patience).service_level >= 0.8)


@settings(max_examples=150, deadline=None)
@given(arrivals=st.floats(0.01, 5000), aht=st.floats(20, 1200), target=st.floats(0.05, 0.99),
       within=st.floats(0, 300), patience=st.floats(1, 3600), cap=st.one_of(st.none(), st.floats(0.3, 1.0)))
def test_required_agents_are_the_fewest_that_meet_both_targets(arrivals, aht, target, within, patience, cap):
    n = int(required_agents_a(arrivals, 900, aht, target, within, patience, cap))
    limit = 1.0 if cap is None else cap
    enough = erlang_a_metrics(n, arrivals, 900, aht, within, patience)
    assert float(enough.service_level) >= target and float(enough.occupancy) <= limit
    fewer = erlang_a_metrics(n - 1, arrivals, 900, aht, within, patience)
    assert float(fewer.service_level) < target or float(fewer.occupancy) > limit


@settings(max_examples=100, deadline=None)
@given(traffic=st.floats(0.01, 2000), within=st.floats(0, 300), patience=st.floats(1, 3600))
def test_more_agents_answer_more_and_sooner(traffic, within, patience):
    agents = np.arange(1, int(traffic + 6 * math.sqrt(traffic)) + 8)
    m = erlang_a_metrics(agents, traffic, 180, 180, within, patience)
    assert np.all(np.diff(m.service_level) >= -1e-12) and np.all(np.diff(m.abandon_rate) <= 1e-12)
    assert np.all(np.diff(m.asa_s) <= 1e-9 * m.asa_s[:-1] + 1e-12)
    assert np.all((m.service_level >= 0) & (m.service_level <= 1 - m.abandon_rate + 1e-12))


@pytest.mark.parametrize(("patience", "message"), [
    (0, "patience_s must be > 0 (got 0); give the mean time callers wait before hanging up in seconds"),
    ([60, -1], "patience_s must be > 0 (got -1 at index 1)"),
    (float("nan"), "patience_s must be > 0 (got nan)"),
])
def test_bad_patience_is_named_with_a_fix(patience, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        required_agents_a([10, 20], 900, 180, 0.8, 20, patience)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        erlang_a_metrics(5, [10, 20], 900, 180, 20, patience)
