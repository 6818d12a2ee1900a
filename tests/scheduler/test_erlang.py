import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import erlang
from scheduler.erlang import erlang_b, erlang_c, erlang_c_metrics, required_agents_c


def exact_b(n: int, a: Fraction) -> Fraction:
    """Erlang B by the defining sum (a^N / N!) / sum_k a^k / k!, in exact rational arithmetic."""
    term = total = Fraction(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


def exact_b_integer(n: int, a: int) -> Fraction:
    """Erlang B for whole traffic as a ratio of big integers: a^N / sum_k a^k N! / k!."""
    total, ratio = 0, 1                     # ratio = N! / k!, from k = N down
    for k in range(n, -1, -1):
        total += a**k * ratio
        ratio *= k
    return Fraction(a**n, total)


def exact_c(n: int, a: Fraction, b: Fraction) -> Fraction:
    return n * b / (n - a * (1 - b))


def test_textbook_example_100_calls_in_half_an_hour():
    # 100 calls in 30 min with 180 s handle time is 10 Erlangs; 80 % within 20 s needs 14 agents.
    assert int(required_agents_c(100, 1800, 180, 0.8, 20)) == 14
    m = erlang_c_metrics(14, 100, 1800, 180, 20)
    assert (round(float(m.service_level), 4), round(float(m.asa_s), 2), round(float(m.occupancy), 3)) == (
        0.8884, 7.84, 0.714)
    assert round(float(m.p_wait), 4) == 0.1741
    assert float(m.abandon_rate) == 0.0
    assert float(erlang_c_metrics(13, 100, 1800, 180, 20).service_level) < 0.8


@pytest.mark.parametrize(("agents", "traffic", "grade"), [
    # Standard Erlang B table: traffic carried at 1 % and 2 % blocking.
    (1, 0.0101, 0.01), (5, 1.361, 0.01), (10, 4.461, 0.01), (10, 5.084, 0.02), (20, 12.031, 0.01),
    (100, 84.06, 0.01), (100, 87.972, 0.02),
])
def test_erlang_b_matches_the_standard_table(agents, traffic, grade):
    assert round(float(erlang_b(agents, traffic)), 4) == grade


def test_small_systems_have_closed_forms():
    # M/M/1: C = rho, SL = 1 - rho e^{-(1 - rho) T / aht}, ASA = rho aht / (1 - rho); M/M/2: C = a^2 / (2 + a).
    m = erlang_c_metrics(1, 3, 3600, 600, 60)            # a = rho = 0.5
    assert float(m.p_wait) == pytest.approx(0.5, rel=1e-14)
    assert float(m.service_level) == pytest.approx(1 - 0.5 * math.exp(-0.05), rel=1e-14)
    assert float(m.asa_s) == pytest.approx(600.0, rel=1e-14)
    assert float(erlang_c(2, 1.0)) == pytest.approx(1 / 3, rel=1e-14)
    assert float(erlang_c(2, 1.5)) == pytest.approx(2.25 / 3.5, rel=1e-14)
    assert float(erlang_b(1, 2.0)) == pytest.approx(2 / 3, rel=1e-14)


@pytest.mark.parametrize("traffic", [Fraction(1, 3), Fraction(5), Fraction(37, 2), Fraction(45)])
def test_b_and_c_agree_with_exact_rational_sums(traffic):
    agents = np.arange(0, 61)
    b = erlang_b(agents, float(traffic))
    c = erlang_c(agents, float(traffic))
    for n in agents:
        want_b = exact_b(int(n), traffic)
        assert b[n] == pytest.approx(float(want_b), rel=1e-12, abs=1e-300)
        if n > traffic:
            assert c[n] == pytest.approx(float(exact_c(int(n), traffic, want_b)), rel=1e-12, abs=1e-300)
        else:
            assert c[n] == 1.0


def test_1000_erlangs_10000_calls_in_half_an_hour():
    assert int(required_agents_c(10_000, 1800, 180, 0.8, 20)) == 1011
    agents = np.arange(1001, 1101)
    sl = erlang_c_metrics(agents, 10_000, 1800, 180, 20).service_level
    assert sl[10] >= 0.8 > sl[9]
    assert np.all(np.diff(sl) > 0)
    for n in (1001, 1011, 1050):
        b = exact_b_integer(n, 1000)
        assert float(erlang_b(n, 1000.0)) == pytest.approx(float(b), rel=1e-11)
        assert float(erlang_c(n, 1000.0)) == pytest.approx(float(exact_c(n, Fraction(1000), b)), rel=1e-11)


def test_5000_erlangs_stay_finite_and_match_the_stable_recursion():
    agents = np.arange(0, 7001)
    b = erlang_b(agents, 5000.0)
    c = erlang_c(agents, 5000.0)
    assert np.all(np.isfinite(b)) and np.all(np.isfinite(c))
    assert np.all(np.diff(b) < 0) and np.all((b >= 0) & (b <= 1))
    assert np.all(c[:5001] == 1.0) and np.all(np.diff(c[5001:]) < 0)
    recursion = np.empty(agents.size)
    recursion[0] = 1.0
    for n in range(1, agents.size):                      # B(n) = a B(n-1) / (n + a B(n-1)), forward-stable
        recursion[n] = 5000.0 * recursion[n - 1] / (n + 5000.0 * recursion[n - 1])
    assert b == pytest.approx(recursion, rel=1e-10, abs=1e-300)
    m = erlang_c_metrics(agents, 50_000, 1800, 180, 20)
    assert not np.isnan(m.service_level).any() and not np.isnan(m.asa_s).any()
    assert int(required_agents_c(50_000, 1800, 180, 0.8, 20)) == agents[np.argmax(m.service_level >= 0.8)]


def test_unstable_and_empty_intervals():
    m = erlang_c_metrics([0, 5, 10, 11, 0], [30, 30, 30, 30, 0], 900, 300, 20)   # a = 10 Erlangs (0 in the last)
    assert m.service_level.tolist()[:3] == [0.0, 0.0, 0.0] and m.service_level[4] == 1.0
    assert m.asa_s.tolist()[:3] == [math.inf] * 3 and m.asa_s[4] == 0.0
    assert m.occupancy.tolist() == [1.0, 1.0, 1.0, pytest.approx(10 / 11), 0.0]
    assert m.p_wait.tolist()[:3] == [1.0, 1.0, 1.0] and m.p_wait[4] == 0.0
    assert required_agents_c([0, 0.0], 900, 300, 0.8, 20).tolist() == [0, 0]


def test_occupancy_cap_raises_agents_to_what_the_traffic_needs():
    # 10 Erlangs at <= 50 % occupancy need 20 agents, though 14 meet 80/20; 8 Erlangs at 80 % need exactly 10.
    assert required_agents_c(100, 1800, 180, 0.8, 20, max_occupancy=0.5).tolist() == 20
    assert required_agents_c(80, 1800, 180, 0.5, 20, max_occupancy=0.8).tolist() == 10
    assert required_agents_c(100, 1800, 180, 0.8, 20, max_occupancy=1.0).tolist() == 14


def test_vectorized_over_intervals_with_any_shape():
    arrivals = np.array([[0.0, 10.0, 100.0], [1000.0, 2.5, 40.0]])
    agents = required_agents_c(arrivals, 900, 240, 0.8, 20)
    assert agents.shape == (2, 3) and agents.dtype == np.int64
    one_by_one = [[int(required_agents_c(v, 900, 240, 0.8, 20)) for v in row] for row in arrivals]
    assert agents.tolist() == one_by_one
    m = erlang_c_metrics(agents, arrivals, 900, 240, 20)
    assert m.service_level.shape == (2, 3) and np.all(m.service_level >= 0.8)


def test_35000_intervals_at_once_all_meet_the_target():
    # Speed is measured in bench/staffing.py, not asserted here.
    rng = np.random.default_rng(7)
    arrivals, aht = rng.uniform(0, 3000, 35_000), rng.uniform(60, 900, 35_000)
    agents = required_agents_c(arrivals, 900, aht, 0.8, 20, max_occupancy=0.9)
    assert np.all(erlang_c_metrics(agents, arrivals, 900, aht, 20).service_level >= 0.8)


@settings(max_examples=200, deadline=None)
@given(arrivals=st.floats(0.01, 5000), aht=st.floats(20, 1200), interval=st.sampled_from([900, 1800, 3600]),
       target=st.floats(0.05, 0.99), within=st.floats(0, 300),
       cap=st.one_of(st.none(), st.floats(0.3, 1.0)))
def test_required_agents_are_the_fewest_that_meet_both_targets(arrivals, aht, interval, target, within, cap):
    n = int(required_agents_c(arrivals, interval, aht, target, within, cap))
    limit = 1.0 if cap is None else cap
    enough = erlang_c_metrics(n, arrivals, interval, aht, within)
    assert float(enough.service_level) >= target and float(enough.occupancy) <= limit
    fewer = erlang_c_metrics(n - 1, arrivals, interval, aht, within)
    assert float(fewer.service_level) < target or float(fewer.occupancy) > limit


@settings(max_examples=100, deadline=None)
@given(traffic=st.floats(0.01, 3000), within=st.floats(0, 300), aht=st.floats(20, 1200))
def test_service_level_rises_and_asa_falls_with_agents(traffic, within, aht):
    agents = np.floor(traffic) + 1 + np.arange(60)
    m = erlang_c_metrics(agents, traffic, aht, aht, within)
    assert np.all(np.diff(m.service_level) >= 0) and np.all(np.diff(m.asa_s) <= 0)
    assert np.all((m.service_level >= 0) & (m.service_level <= 1))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: required_agents_c(100, 1800, 0, 0.8, 20), "aht_s must be > 0 (got 0); give the average handle time"),
    (lambda: required_agents_c([5, -1], 1800, 180, 0.8, 20),
     "arrivals must be >= 0 (got -1 at index 1); contacts per interval cannot be negative"),
    (lambda: required_agents_c(100, 1800, 180, 1.0, 20), "service_level must be between 0 and 1 (exclusive) (got 1)"),
    (lambda: required_agents_c(100, 1800, 180, 0.0, 20), "service_level must be between 0 and 1 (exclusive) (got 0)"),
    (lambda: required_agents_c(100, 1800, 180, 0.8, -5),
     "answer_within_s must be a finite number >= 0 seconds (got -5)"),
    (lambda: required_agents_c(100, 1800, 180, 0.8, 20, 1.2), "max_occupancy must be in (0, 1] (got 1.2)"),
    (lambda: required_agents_c(100, 1800, 180, 0.8, 20, 0), "max_occupancy must be in (0, 1] (got 0)"),
    (lambda: required_agents_c(100, 0, 180, 0.8, 20), "interval_s must be > 0 (got 0)"),
    (lambda: erlang_c_metrics(2.5, 100, 1800, 180, 20), "agents must be whole numbers >= 0 (got 2.5)"),
    (lambda: erlang_b(3, float("nan")), "traffic must be >= 0 (got nan)"),
])
def test_bad_input_is_named_with_a_fix(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


def test_the_search_stops_at_its_limit_with_a_clear_error(monkeypatch):
    # The limit (a + 50 sqrt(a) + 100) is out of reach for targets below 1; shrink it to see the guard work.
    assert int(required_agents_c(100, 1800, 180, np.nextafter(1.0, 0.0), 20)) < 10 + 50 * math.sqrt(10) + 100
    monkeypatch.setattr(erlang, "SEARCH_SQRT", 0.0)
    monkeypatch.setattr(erlang, "SEARCH_EXTRA", 2.0)
    with pytest.raises(ValueError, match=r"^the service level target of interval 1 is not reached even with 12 "
                                         r"agents; lower the target below 1"):
        required_agents_c([10, 100], 1800, 180, 0.8, 20)
