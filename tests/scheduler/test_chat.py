import itertools
import math
import random
from collections import deque

import numpy as np
import pytest
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg

from scheduler.chat import agent_throughput, chat_metrics, required_chat_agents, single_chat_aht

INTERVAL = 900.0


def erlang_c_direct(servers: int, arrivals: float, aht: float, answer_within: float) -> dict[str, float]:
    """M/M/N from the textbook sums: P(wait) = (a^N / N!) (N / (N - a)) / (sum_{i<N} a^i / i! + that)."""
    a = arrivals * aht / INTERVAL
    terms = [1.0]                                    # a^i / i!, built up term by term
    for i in range(1, servers + 1):
        terms.append(terms[-1] * a / i)
    head = sum(terms[:-1])
    tail = terms[-1] * servers / (servers - a)
    wait = tail / (head + tail)
    return {"p_wait": wait, "service_level": 1 - wait * math.exp(-(servers - a) * answer_within / aht),
            "asa_s": wait * aht / (servers - a), "occupancy": a / servers}


def test_throughput_of_an_agent_with_m_chats_follows_the_slowdown():
    assert agent_throughput([0, 1, 2, 3], 0.3) == pytest.approx([0, 1, 2 / 1.3, 3 / 1.6])
    assert single_chat_aht(390.0, 3, 0.3) == pytest.approx(390.0 / 1.6)


@pytest.mark.parametrize("slowdown", [0.0, 0.3, 2.0])
def test_concurrency_one_is_erlang_c(slowdown):
    for agents, arrivals in [(1, 2.0), (3, 8.0), (12, 40.0), (30, 100.0)]:
        got = chat_metrics(agents, arrivals, INTERVAL, 240.0, 20.0, 1, slowdown)
        want = erlang_c_direct(agents, arrivals, 240.0, 20.0)
        for name, value in want.items():
            assert float(getattr(got, name)) == pytest.approx(value, rel=1e-12), (agents, name)


def test_no_slowdown_is_one_pool_of_n_times_k_servers():
    got = chat_metrics(5, 30.0, INTERVAL, 200.0, 30.0, 3, 0.0)
    want = erlang_c_direct(15, 30.0, 200.0, 30.0)
    for name, value in want.items():
        assert float(getattr(got, name)) == pytest.approx(value, rel=1e-12), name


def test_one_agent_with_two_chats_by_hand():
    # aht_1 = 100 s (aht_s = 130 s at 2 chats), lambda = 1 per 100 s: pi ~ 1, 1, 0.65 / (1 - 0.65) with the queue,
    # so P(wait) = (13/7) / (27/7) = 13/27; chats leave at 2/1.3 per aht_1 when both slots are busy.
    got = chat_metrics(1, 9.0, INTERVAL, 130.0, 60.0, 2, 0.3)
    margin = (2 / 1.3 - 1) / 100.0                                   # c - lambda = 7/13 per aht_1
    assert float(got.p_wait) == pytest.approx(13 / 27)
    assert float(got.service_level) == pytest.approx(1 - 13 / 27 * math.exp(-margin * 60.0))
    assert float(got.asa_s) == pytest.approx(13 / 27 / margin)
    assert float(got.occupancy) == pytest.approx((1 * 7 / 27 + 2 * 13 / 27) / 2)    # busy slots / 2
    assert float(got.agent_busy) == pytest.approx(20 / 27)
    assert float(got.abandon_rate) == 0.0


def test_idle_and_unstable_intervals():
    got = chat_metrics([0, 3, 0, 2], [0.0, 0.0, 5.0, 40.0], INTERVAL, 300.0, 60.0, 2)
    assert got.service_level.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert got.asa_s.tolist() == [0.0, 0.0, math.inf, math.inf]
    assert got.occupancy.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert got.p_wait.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_metrics_broadcast_over_intervals_and_keep_the_shape():
    got = chat_metrics(np.array([[4, 5], [6, 7]]), 60.0, INTERVAL, np.array([300.0, 250.0]), 60.0, 2)
    assert got.service_level.shape == (2, 2)
    one = chat_metrics(6, 60.0, INTERVAL, 300.0, 60.0, 2)
    assert got.service_level[1, 0] == pytest.approx(float(one.service_level))


def test_more_agents_and_more_concurrency_help():
    agents = np.arange(21, 29)      # 120 chats of aht_1 = 300 / 1.3 s, 2 / 1.3 per agent: stable from 21 agents on
    got = chat_metrics(agents, 120.0, INTERVAL, 300.0, 60.0, 2)
    assert np.all(np.diff(got.service_level) > 0) and np.all(np.diff(got.occupancy) < 0)
    pair = chat_metrics(40, 120.0, INTERVAL, 300.0, 60.0, 2)
    single = chat_metrics(40, 120.0, INTERVAL, 300.0 / 1.3, 60.0, 1)     # the same aht_1 = 230.8 s
    assert float(pair.service_level) > float(single.service_level)


def test_required_agents_are_the_fewest_that_meet_target_and_cap():
    rng = np.random.default_rng(3)
    arrivals = np.concatenate([[0.0, 0.2], rng.uniform(1, 400, 300)])
    aht = rng.uniform(150, 500, arrivals.size)
    for k, cap in [(2, None), (3, 0.85), (2, 0.6)]:
        n = required_chat_agents(arrivals, INTERVAL, aht, 0.8, 60.0, k, 0.3, cap)
        assert n[0] == 0 and n[1] >= 1 and n.dtype == np.int64
        ok = chat_metrics(n, arrivals, INTERVAL, aht, 60.0, k)
        assert np.all(ok.service_level >= 0.8) and np.all(ok.occupancy <= (cap or 1.0))
        fewer = chat_metrics(np.maximum(n - 1, 0), arrivals, INTERVAL, aht, 60.0, k)
        missed = (fewer.service_level < 0.8) | (fewer.occupancy > (cap or 1.0))
        assert np.all(missed[1:])


def test_required_agents_with_concurrency_one_match_erlang_c():
    arrivals = np.array([1.0, 10.0, 50.0, 200.0, 700.0])
    n = required_chat_agents(arrivals, INTERVAL, 300.0, 0.8, 20.0, 1)
    for agents, lam in zip(n, arrivals, strict=True):
        assert erlang_c_direct(int(agents), lam, 300.0, 20.0)["service_level"] >= 0.8
        assert agents - 1 <= lam * 300 / INTERVAL or erlang_c_direct(int(agents) - 1, lam, 300.0, 20.0)[
            "service_level"] < 0.8


def test_concurrency_needs_fewer_agents():
    arrivals = np.array([30.0, 120.0, 400.0])
    one = required_chat_agents(arrivals, INTERVAL, 300.0, 0.8, 60.0, 1)
    two = required_chat_agents(arrivals, INTERVAL, 300.0, 0.8, 60.0, 2)
    three = required_chat_agents(arrivals, INTERVAL, 300.0, 0.8, 60.0, 3)
    assert np.all(three <= two) and np.all(two < one)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: chat_metrics(2, 5.0, INTERVAL, 300.0, 60.0, 0),
     "concurrency must be a whole number of chats >= 1 (got 0); give the chats one agent handles at once, e.g. 2"),
    (lambda: chat_metrics(2, 5.0, INTERVAL, 300.0, 60.0, 2, -0.1),
     "slowdown must be a finite number >= 0 (got -0.1)"),
    (lambda: chat_metrics([2, 1.5], 5.0, INTERVAL, 300.0, 60.0, 2),
     "chat: agents must be a whole number >= 0 (got 1.5 at index 1)"),
    (lambda: chat_metrics(2, [5.0, -1.0], INTERVAL, 300.0, 60.0, 2),
     "chat: arrivals must be a finite number >= 0 (got -1 at index 1)"),
    (lambda: required_chat_agents(5.0, INTERVAL, 300.0, 1.0, 60.0, 2),
     "chat: service_level must be between 0 and 1 (exclusive) (got 1)"),
    (lambda: required_chat_agents(5.0, INTERVAL, 0.0, 0.8, 60.0, 2),
     "chat: aht_s must be a finite number > 0 (got 0)"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


# --- validation against least-loaded routing -------------------------------------------------------------------

def simulate_least_loaded(agents: int, k: int, slowdown: float, load: float, tau: float, chats: int,
                          seed: int) -> float:
    """Share of chats that wait <= tau, by event simulation of N agents with k slots each (time in aht_1).

    Each arriving chat goes to an agent with the fewest chats, if one has a free slot, else joins a FIFO queue.
    Handle times are exponential, so an agent with m chats finishes one at rate m mu(m) whatever their ages;
    agents with equal loads are interchangeable and the state is the number of agents at each load. A chat that
    ends while others wait frees a slot that the head of the queue takes at once (the loads stay the same). The
    first 5 % of the chats warm the system up and are not counted.
    """
    rng = random.Random(seed)
    draw, log = rng.random, math.log
    rate = [float(agent_throughput(m, slowdown)) for m in range(k + 1)]
    counts = [agents] + [0] * k                  # agents holding 0, 1, ..., k chats
    service = 0.0                                # total completion rate: sum of counts[m] * rate[m]
    waiting: deque[float] = deque()              # arrival times of waiting chats (-1 for uncounted ones)
    warmup = chats // 20
    now, arrived, answered, on_time = 0.0, 0, 0, 0
    while arrived < chats + warmup:
        total = load + service
        now -= log(1.0 - draw()) / total
        u = draw() * total
        if u < load:
            arrived += 1
            low = 0
            while low < k and not counts[low]:
                low += 1
            if low == k:
                waiting.append(now if arrived > warmup else -1.0)
                continue
            counts[low] -= 1
            counts[low + 1] += 1
            service += rate[low + 1] - rate[low]
            if arrived > warmup:
                answered += 1
                on_time += 1
            continue
        if waiting:
            start = waiting.popleft()
            if start >= 0.0:
                answered += 1
                on_time += now - start <= tau
            continue
        u -= load
        m = 1
        while m < k and u >= counts[m] * rate[m]:
            u -= counts[m] * rate[m]
            m += 1
        counts[m] -= 1
        counts[m - 1] += 1
        service += rate[m - 1] - rate[m]
    return on_time / answered


def exact_least_loaded(agents: int, k: int, slowdown: float, load: float, tau: float, queue: int = 1500) -> float:
    """Service level of the same system from its exact Markov chain over load configurations (and the queue)."""
    rate = [float(agent_throughput(m, slowdown)) for m in range(k + 1)]
    full = (0,) * k + (agents,)
    configs = [c for c in itertools.product(range(agents + 1), repeat=k + 1) if sum(c) == agents and c != full]
    states = [(c, 0) for c in configs] + [(full, q) for q in range(queue + 1)]
    index = {state: i for i, state in enumerate(states)}
    rows, cols, values = [], [], []

    def move(config, old, new):
        c = list(config)
        c[old] -= 1
        c[new] += 1
        return tuple(c)

    for i, (config, q) in enumerate(states):
        if config == full:
            if q < queue:
                rows.append(i), cols.append(index[(full, q + 1)]), values.append(load)
            if q > 0:
                rows.append(i), cols.append(index[(full, q - 1)]), values.append(agents * rate[k])
                continue
        else:
            low = next(m for m in range(k) if config[m])
            rows.append(i), cols.append(index[(move(config, low, low + 1), 0)]), values.append(load)
        for m in range(1, k + 1):
            if config[m]:
                rows.append(i), cols.append(index[(move(config, m, m - 1), 0)]), values.append(config[m] * rate[m])
    size = len(states)
    generator = sparse.csr_matrix((values, (rows, cols)), shape=(size, size))
    generator = (generator - sparse.diags(np.asarray(generator.sum(axis=1)).ravel())).T.tolil()
    generator[0, :] = 1.0
    rhs = np.zeros(size)
    rhs[0] = 1.0
    pi = sparse_linalg.spsolve(generator.tocsc(), rhs)
    c = agents * rate[k]
    late = sum(pi[index[(full, q)]] * _poisson_cdf(q, c * tau) for q in range(queue + 1))
    return 1.0 - late


def _poisson_cdf(q: int, mean: float) -> float:
    term = total = math.exp(-mean)
    for i in range(1, q + 1):
        term *= mean / i
        total += term
    return total


# (agents, concurrency, lambda * aht_1, T / aht_1, simulated chats): high load (89 % of the full-concurrency
# capacity, service level about 0.88) and low load (about 0.97), for k = 2 and 3 at the default slowdown 0.3.
# The simulated service level of the high-load cases has a standard deviation of about 0.003 (seeds 0-5).
SIMULATED = [(24, 2, 33.0, 0.2, 3_000_000), (16, 3, 26.8, 0.2, 3_000_000),
             (6, 2, 5.8, 0.2, 500_000), (5, 3, 6.4, 0.2, 500_000)]


@pytest.mark.parametrize(("agents", "k", "load", "tau", "chats"), SIMULATED)
def test_formula_agrees_with_a_simulation_of_least_loaded_routing(agents, k, load, tau, chats):
    aht1 = 100.0
    aht = aht1 * (1 + 0.3 * (k - 1))
    formula = float(chat_metrics(agents, load * INTERVAL / aht1, INTERVAL, aht, tau * aht1, k).service_level)
    simulated = simulate_least_loaded(agents, k, 0.3, load, tau, chats, seed=1)
    exact = exact_least_loaded(agents, k, 0.3, load, tau)
    assert abs(formula - simulated) <= 0.01
    assert abs(simulated - exact) <= 0.01            # the simulation is right ...
    assert 0.0 <= formula - exact <= 0.005           # ... and balanced loads are a little optimistic


def test_vectorized_over_many_intervals_matches_one_at_a_time():
    rng = np.random.default_rng(11)
    arrivals = rng.uniform(0, 200, 40)
    aht = rng.uniform(200, 400, 40)
    n = required_chat_agents(arrivals, INTERVAL, aht, 0.85, 45.0, 3)
    many = chat_metrics(n, arrivals, INTERVAL, aht, 45.0, 3)
    for i in range(0, 40, 7):
        one = chat_metrics(n[i], arrivals[i], INTERVAL, aht[i], 45.0, 3)
        assert float(one.service_level) == pytest.approx(many.service_level[i], abs=1e-12)
        assert required_chat_agents(arrivals[i], INTERVAL, aht[i], 0.85, 45.0, 3) == n[i]
