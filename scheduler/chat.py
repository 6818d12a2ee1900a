"""Chat staffing with concurrency: one agent serves up to k chats at once, each chat slower the more it shares.

The model is the many-server pool of *limited processor-sharing* agents of Luo & Zhang (2013), "Staffing and
control of instant messaging contact centers", Operations Research 61(2):328-343 (doi:10.1287/opre.1120.1151),
also used by Tezcan & Zhang (2014), "Routing and staffing in customer service chat systems with impatient
customers", Operations Research 62(4):943-956 (doi:10.1287/opre.2014.1284): an agent who is handling m chats
completes them at the total rate m * mu(m), where the per-chat rate mu(m) falls as m grows. Chats arrive as a
Poisson stream, handle times are exponential, an arriving chat goes to the least-loaded agent with a free slot,
and chats that find all N * k slots taken wait first come, first served (no abandonment: abandon_rate is 0).

Slowdown (site key ``concurrency_slowdown``, default 0.3): with m chats open, each chat takes
``aht_1 * (1 + slowdown * (m - 1))`` seconds of elapsed time, aht_1 being the handle time of a chat handled
alone. With the default, two chats each take 1.3 times as long, so an agent's throughput at 2 chats is
2 / 1.3 = 1.54 times that of a single-chat agent, and at 3 chats 3 / 1.6 = 1.88 times. slowdown = 0 means
chats do not slow each other (the pool is then M/M/(N k)); slowdown >= 1 means a second chat adds no
throughput at all.

Handle time of the forecast: ``aht_s`` is the average handle time per chat as the site measures it, and chat
agents at a site that plans with concurrency k spend most of their busy time at k chats. We therefore read aht_s
as the handle time at full concurrency: ``aht_1 = aht_s / (1 + slowdown * (k - 1))``. With k = 1 nothing
changes and every formula here is exactly Erlang C.

Derivation. Let j be the number of chats in the system. While j <= N k the loads are taken as balanced
(j mod N agents hold ceil(j / N) chats, the others floor(j / N)), so the completion rate is
d(j) = sum_i m_i mu(m_i); above N k every slot is busy and chats leave at c = N k mu(k). j is then a birth-death
chain with birth rate lambda, and its stationary distribution pi(j) ~ prod_{i<=j} lambda / d(i) is computed in
log space. Above N k the chain is geometric with ratio rho = lambda / c, so nothing is truncated: with
P = pi(N k) / (1 - rho) the probability of waiting, a chat that finds q chats waiting ahead of it waits an
Erlang(q + 1, c) time; summed over the geometric q this is exponential with rate c - lambda, which gives, as in
Erlang C,

    service level = 1 - P exp(-(c - lambda) T),        ASA = P / (c - lambda).

Occupancy is the busy share of chat slots, E[min(j, N k)] / (N k); ``agent_busy`` is the share of agents
holding at least one chat. With k = 1 the chain is M/M/N and the results are Erlang C's.

Balanced loads are an approximation of least-loaded routing without moving chats between agents: a chat that
ends at a lightly loaded agent can leave the loads uneven for a while, and for a concave total rate m mu(m)
uneven loads complete chats more slowly, so the service level here is optimistic. Against the exact Markov
chain over load configurations (service levels 0.8 and 0.9, 2 to 24 agents, k = 2 and 3) it is too high by at
most 0.007 at the default slowdown 0.3, by up to 0.02 at slowdown 0.6 and by up to 0.07 at slowdown 1 (there
the error grows with the number of agents); keep the slowdown of a site below about 0.5 or add a margin to the
target. tests/scheduler/test_chat.py checks the formula against that exact chain and a simulation of least-
loaded routing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.erlang import QueueMetrics

DEFAULT_SLOWDOWN = 0.3
# The agent search gives up above the stable minimum + SEARCH_SQRT * sqrt(load) + SEARCH_EXTRA agents.
SEARCH_SQRT = 50.0
SEARCH_EXTRA = 100.0
# Rows times chain states evaluated at once (bounds the memory of one block to a few tens of MB).
BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class ChatMetrics(QueueMetrics):
    """QueueMetrics of a chat queue (occupancy = busy share of chat slots) plus the share of agents in a chat."""

    agent_busy: np.ndarray      # share of agents holding at least one chat


def agent_throughput(chats: np.ndarray | int, slowdown: float = DEFAULT_SLOWDOWN) -> np.ndarray:
    """m * mu(m) * aht_1: how many single-chat agents an agent with m chats open is worth (0 for m = 0)."""
    m = np.asarray(chats, dtype=float)
    return m / (1.0 + slowdown * np.maximum(m - 1.0, 0.0))


def single_chat_aht(aht_s: np.ndarray | float, concurrency: int, slowdown: float = DEFAULT_SLOWDOWN) -> np.ndarray:
    """aht_1, the handle time of a chat handled alone, from aht_s measured at full concurrency."""
    return np.asarray(aht_s, dtype=float) / (1.0 + slowdown * (concurrency - 1))


def chat_metrics(agents: np.ndarray | float, arrivals: np.ndarray | float, interval_s: np.ndarray | float,
                 aht_s: np.ndarray | float, answer_within_s: np.ndarray | float, concurrency: int,
                 slowdown: float = DEFAULT_SLOWDOWN) -> ChatMetrics:
    """Steady-state metrics of a chat queue with N agents of `concurrency` slots each, per interval (vectorized).

    Intervals without arrivals get service level 1, ASA 0 and occupancy 0; unstable ones (N * k * mu(k) <= the
    arrival rate, or no agents) get service level 0, ASA inf, occupancy 1 and p_wait 1. See the module docstring
    for the model and its sources.
    """
    k, s = _check_concurrency(concurrency, slowdown)
    n, arrivals, interval, aht, t = np.broadcast_arrays(
        _check_agents(agents), _check_number("arrivals", arrivals, minimum=0.0),
        _check_number("interval_s", interval_s), _check_number("aht_s", aht_s), _check_answer_within(answer_within_s))
    shape = n.shape
    n, arrivals, interval, aht, t = (v.ravel().astype(float) for v in (n, arrivals, interval, aht, t))
    aht1 = single_chat_aht(aht, k, s)
    load = arrivals * aht1 / interval          # lambda * aht_1
    p_wait, service_level, asa, occupancy, busy = _evaluate(n, load, t / aht1, k, s)
    return ChatMetrics(service_level=service_level.reshape(shape), asa_s=(asa * aht1).reshape(shape),
                       occupancy=occupancy.reshape(shape), p_wait=p_wait.reshape(shape),
                       abandon_rate=np.zeros(shape), agent_busy=busy.reshape(shape))


def required_chat_agents(arrivals: np.ndarray | float, interval_s: np.ndarray | float, aht_s: np.ndarray | float,
                         service_level: np.ndarray | float, answer_within_s: np.ndarray | float, concurrency: int,
                         slowdown: float = DEFAULT_SLOWDOWN,
                         max_occupancy: np.ndarray | float | None = None) -> np.ndarray:
    """The fewest agents per interval whose chat service level is >= the target and slot occupancy <= the cap.

    0 where there are no arrivals. Both the service level and the occupancy improve with every agent added, so
    the search brackets the answer from the smallest stable N (galloping up, then bisecting), all intervals at
    once. Raises ValueError when a target is not reached within the search limit (only a target within about
    1e-16 of 1 can do that).
    """
    k, s = _check_concurrency(concurrency, slowdown)
    arrivals, interval, aht, t, target, cap = np.broadcast_arrays(
        _check_number("arrivals", arrivals, minimum=0.0), _check_number("interval_s", interval_s),
        _check_number("aht_s", aht_s), _check_answer_within(answer_within_s), _check_target(service_level),
        _check_occupancy(max_occupancy))
    shape = arrivals.shape
    arrivals, interval, aht, t, target, cap = (v.ravel().astype(float)
                                               for v in (arrivals, interval, aht, t, target, cap))
    result = np.zeros(arrivals.shape, dtype=np.int64)
    todo = np.flatnonzero(arrivals > 0)
    if todo.size == 0:
        return result.reshape(shape)
    aht1 = single_chat_aht(aht[todo], k, s)
    load, tau, target, cap = arrivals[todo] * aht1 / interval[todo], t[todo] / aht1, target[todo], cap[todo]
    full_rate = float(agent_throughput(k, s))
    stable = np.floor(load / full_rate) + 1.0          # fewest agents with N k mu(k) > lambda
    limit = stable + np.ceil(SEARCH_SQRT * np.sqrt(load) + SEARCH_EXTRA)

    def meets(rows: np.ndarray, n: np.ndarray) -> np.ndarray:
        _, sl, _, occ, _ = _evaluate(n, load[rows], tau[rows], k, s)
        return (sl >= target[rows]) & (occ <= cap[rows])

    # lo: known to fail (or 0 agents), hi: known to meet the target.
    lo = stable - 1.0
    hi = stable.copy()
    step = np.ones_like(hi)
    open_rows = np.arange(load.size)
    while open_rows.size:
        ok = meets(open_rows, hi[open_rows])
        failed = open_rows[~ok]
        if np.any(hi[failed] >= limit[failed]):
            bad = failed[hi[failed] >= limit[failed]][0]
            raise ValueError(f"the chat service level target of interval {todo[bad]} is not reached even with "
                             f"{hi[bad]:.0f} agents; lower the target below 1")
        lo[failed] = hi[failed]
        hi[failed] = np.minimum(hi[failed] + step[failed], limit[failed])
        step[failed] *= 2.0
        open_rows = failed
    open_rows = np.flatnonzero(hi - lo > 1.0)
    while open_rows.size:
        mid = np.floor((lo[open_rows] + hi[open_rows]) / 2.0)
        ok = meets(open_rows, mid)
        hi[open_rows[ok]] = mid[ok]
        lo[open_rows[~ok]] = mid[~ok]
        open_rows = open_rows[hi[open_rows] - lo[open_rows] > 1.0]
    result[todo] = hi.astype(np.int64)
    return result.reshape(shape)


def _evaluate(n: np.ndarray, load: np.ndarray, tau: np.ndarray, k: int, s: float):
    """(p_wait, service level, ASA in units of aht_1, slot occupancy, agent share busy) for flat arrays.

    n agents, load = lambda * aht_1, tau = T / aht_1. Rows are grouped by n; each group shares the death rates.
    """
    size = n.size
    p_wait, sl, asa = np.ones(size), np.zeros(size), np.full(size, np.inf)
    occupancy, busy = np.ones(size), np.ones(size)
    idle = load == 0
    p_wait[idle], sl[idle], asa[idle], occupancy[idle], busy[idle] = 0.0, 1.0, 0.0, 0.0, 0.0
    full_rate = float(agent_throughput(k, s))
    stable = ~idle & (n * full_rate > load)
    rows = np.flatnonzero(stable)
    if rows.size == 0:
        return p_wait, sl, asa, occupancy, busy
    order = rows[np.argsort(n[rows], kind="stable")]
    values, starts = np.unique(n[order], return_index=True)
    bounds = np.append(starts, order.size)
    for agents, first, last in zip(values.astype(int), bounds[:-1], bounds[1:], strict=True):
        slots = agents * k
        log_rates = _log_cumulative_rates(agents, k, s)          # ln prod_{i<=j} d(i) aht_1, j = 0..N k
        j = np.arange(slots + 1, dtype=float)
        busy_agents = np.minimum(j, agents)
        block = max(1, BLOCK_CELLS // (slots + 1))
        for lo in range(first, last, block):
            idx = order[lo:min(lo + block, last)]
            a = load[idx]
            margin = agents * full_rate - a                        # (c - lambda) * aht_1 > 0
            log_w = np.log(a)[:, None] * j[None, :] - log_rates[None, :]
            log_w[:, -1] -= np.log1p(-a / (agents * full_rate))      # the whole geometric queue region
            top = log_w.max(axis=1, keepdims=True)
            w = np.exp(log_w - top)
            total = w.sum(axis=1)
            wait = w[:, -1] / total
            p_wait[idx] = wait
            sl[idx] = 1.0 - wait * np.exp(-margin * tau[idx])
            asa[idx] = wait / margin
            occupancy[idx] = (w[:, :-1] @ j[:-1] / total + wait * slots) / slots
            busy[idx] = (w[:, :-1] @ busy_agents[:-1] / total + wait * agents) / agents
    return p_wait, np.clip(sl, 0.0, 1.0), asa, np.clip(occupancy, 0.0, 1.0), np.clip(busy, 0.0, 1.0)


def _log_cumulative_rates(agents: int, k: int, s: float) -> np.ndarray:
    """ln of prod_{i=1}^{j} d(i) * aht_1 for j = 0..N k: balanced loads, i mod N agents one chat above the rest."""
    i = np.arange(1, agents * k + 1)
    low, extra = np.divmod(i, agents)
    rates = extra * agent_throughput(low + 1, s) + (agents - extra) * agent_throughput(low, s)
    return np.concatenate(([0.0], np.cumsum(np.log(rates))))


def _check_concurrency(concurrency: int, slowdown: float) -> tuple[int, float]:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int | np.integer) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number of chats >= 1 (got {concurrency!r}); give the chats "
                         f"one agent handles at once, e.g. 2")
    slowdown = float(slowdown)
    if not (np.isfinite(slowdown) and slowdown >= 0):
        raise ValueError(f"slowdown must be a finite number >= 0 (got {slowdown:g}); give the extra handle time "
                         f"per chat for each further concurrent chat, e.g. 0.3")
    return int(concurrency), slowdown


def _check_number(name: str, value, minimum: float | None = None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    bad = ~(array >= minimum) if minimum is not None else ~(array > 0)
    bad |= ~np.isfinite(array)
    rule = f"a finite number >= {minimum:g}" if minimum is not None else "a finite number > 0"
    _reject(bad, name, array, rule)
    return array


def _check_agents(agents) -> np.ndarray:
    array = np.asarray(agents, dtype=float)
    _reject(~(array >= 0) | ~np.isfinite(array) | (array != np.floor(array)), "agents", array,
            "a whole number >= 0")
    return array


def _check_answer_within(answer_within_s) -> np.ndarray:
    return _check_number("answer_within_s", answer_within_s, minimum=0.0)


def _check_target(service_level) -> np.ndarray:
    array = np.asarray(service_level, dtype=float)
    _reject(~((array > 0) & (array < 1)), "service_level", array, "between 0 and 1 (exclusive)")
    return array


def _check_occupancy(max_occupancy) -> np.ndarray:
    array = np.asarray(1.0 if max_occupancy is None else max_occupancy, dtype=float)
    _reject(~((array > 0) & (array <= 1)), "max_occupancy", array, "in (0, 1] (or None for no cap)")
    return array


def _reject(bad: np.ndarray, name: str, values: np.ndarray, rule: str) -> None:
    if not np.any(bad):
        return
    if values.ndim == 0:
        where = f"got {values.item():g}"
    else:
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"got {values[index]:g} at index {index[0] if len(index) == 1 else index}"
    raise ValueError(f"chat: {name} must be {rule} ({where})")
