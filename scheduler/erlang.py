"""Erlang B and Erlang C (M/M/N): queue metrics and the fewest agents that meet a service level, vectorized."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

# Below this, gammaincc/gammainc values are not used in log space: the tail is summed directly instead.
TINY = 1e-200
# The agent search gives up above traffic + SEARCH_SQRT * sqrt(traffic) + SEARCH_EXTRA agents (see search_limit).
SEARCH_SQRT = 50.0
SEARCH_EXTRA = 100.0


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics per interval; every field is an array of the broadcast shape of the inputs."""

    service_level: np.ndarray   # share of all offered contacts answered within answer_within_s
    asa_s: np.ndarray           # mean wait of answered contacts (inf when none are answered or the queue is unstable)
    occupancy: np.ndarray       # busy share of agent time (1 when unstable or no agents for offered contacts)
    p_wait: np.ndarray          # probability that an arriving contact must wait
    abandon_rate: np.ndarray    # share of offered contacts that hang up before an answer (0 for Erlang C)


def erlang_b(agents: np.ndarray | float, traffic: np.ndarray | float) -> np.ndarray:
    """Blocking probability of the loss system M/M/N/N with N agents and traffic a Erlangs."""
    n, a = np.broadcast_arrays(check_agents(agents), check_number("traffic", traffic, minimum=0.0))
    return np.exp(-log_inv_erlang_b(n.ravel(), a.ravel())).reshape(n.shape)


def erlang_c(agents: np.ndarray | float, traffic: np.ndarray | float) -> np.ndarray:
    """Probability that a contact must wait in M/M/N; 1.0 where agents <= traffic (the queue is unstable)."""
    n, a = np.broadcast_arrays(check_agents(agents), check_number("traffic", traffic, minimum=0.0))
    return _erlang_c_flat(n.ravel(), a.ravel()).reshape(n.shape)


def erlang_c_metrics(agents: np.ndarray | float, arrivals: np.ndarray | float, interval_s: np.ndarray | float,
                     aht_s: np.ndarray | float, answer_within_s: np.ndarray | float) -> QueueMetrics:
    """Erlang C metrics for N agents and `arrivals` contacts per interval of interval_s seconds.

    Service level 1 - C * exp(-(N - a) T / aht), ASA C * aht / (N - a), occupancy a / N, with a the traffic in
    Erlangs and C the probability of waiting. Unstable intervals (N <= a, arrivals > 0) get service level 0,
    ASA inf and occupancy 1; intervals without arrivals get service level 1, ASA 0 and occupancy 0.
    """
    traffic = offered_load(arrivals, interval_s, aht_s)
    n, a, aht, t = np.broadcast_arrays(check_agents(agents), traffic, check_number("aht_s", aht_s),
                                       check_answer_within(answer_within_s))
    shape = n.shape
    n, a, aht, t = (v.ravel().astype(float) for v in (n, a, aht, t))
    p_wait = _erlang_c_flat(n, a)
    stable = n > a
    margin = np.where(stable, n - a, 1.0)
    service_level = np.where(stable, 1.0 - p_wait * np.exp(-margin * t / aht), 0.0)
    asa = np.where(stable, p_wait * aht / margin, np.inf)
    occupancy = np.where(stable, a / np.where(stable, n, 1.0), 1.0)
    idle = a == 0
    metrics = (np.where(idle, 1.0, service_level), np.where(idle, 0.0, asa), np.where(idle, 0.0, occupancy),
               np.where(idle, 0.0, p_wait), np.zeros_like(a))
    return QueueMetrics(*(np.clip(m, 0.0, None).reshape(shape) for m in metrics))


def required_agents_c(arrivals: np.ndarray | float, interval_s: np.ndarray | float, aht_s: np.ndarray | float,
                      service_level: np.ndarray | float, answer_within_s: np.ndarray | float,
                      max_occupancy: np.ndarray | float | None = None) -> np.ndarray:
    """The fewest agents per interval whose Erlang C service level is >= service_level and occupancy a/N <= cap.

    0 where there are no arrivals. An occupancy cap the traffic saturates is not an error: N is raised to the
    smallest N with a / N <= cap (about ceil(a / cap)), whatever the service level. The search steps N upward
    from max(floor(a) + 1, that bound) with the Erlang B recursion B(N+1) = a B / (N + 1 + a B); it stops at
    search_limit(a) and raises ValueError there, which a target below 1 cannot reach (the service level tends to
    1 long before; only a target within about 1e-16 of 1 could).
    """
    traffic = offered_load(arrivals, interval_s, aht_s)
    a, aht, t, target, cap = np.broadcast_arrays(traffic, check_number("aht_s", aht_s),
                                                 check_answer_within(answer_within_s),
                                                 check_service_level(service_level), check_occupancy(max_occupancy))
    shape = a.shape
    a, aht, t, target, cap = (v.ravel().astype(float) for v in (a, aht, t, target, cap))
    result = np.zeros(a.shape, dtype=np.int64)
    todo = np.flatnonzero(a > 0)
    if todo.size == 0:
        return result.reshape(shape)
    a, aht, t, target = a[todo], aht[todo], t[todo], target[todo]
    n = np.maximum(np.floor(a) + 1.0, occupancy_bound(a, cap[todo]))
    limit = np.maximum(search_limit(a), n)
    blocking = np.exp(-log_inv_erlang_b(n, a))
    while todo.size:
        wait = n * blocking / (n - a * (1.0 - blocking))
        done = 1.0 - wait * np.exp(-(n - a) * t / aht) >= target
        result[todo[done]] = n[done].astype(np.int64)
        keep = ~done
        if np.any(n[keep] >= limit[keep]):
            _unreachable(todo[keep][n[keep] >= limit[keep]][0], limit[keep][n[keep] >= limit[keep]][0])
        todo, a, aht, t, target, n, limit, blocking = (v[keep] for v in (todo, a, aht, t, target, n, limit,
                                                                          blocking))
        blocking = a * blocking / (n + 1.0 + a * blocking)
        n = n + 1.0
    return result.reshape(shape)


def log_inv_erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """ln(1 / B(N, a)) for flat float arrays of whole N >= 0 and a >= 0, without overflow up to huge N and a.

    1 / B = P(X <= N) / P(X = N) for X ~ Poisson(a) = Q(N + 1, a) / (a^N e^-a / N!) with Q the regularized upper
    incomplete gamma function, taken in log space. Where Q underflows (N far below a) the ratio is summed as
    sum_j N (N-1) ... (N-j+1) / a^j, whose terms fall geometrically (ratio < N / a < 1) there.
    """
    out = np.zeros(n.shape)
    positive = a > 0
    out[~positive & (n > 0)] = np.inf
    idx = np.flatnonzero(positive & (n > 0))
    if idx.size == 0:
        return out
    nn, aa = n[idx], a[idx]
    q = special.gammaincc(nn + 1.0, aa)
    direct = q > TINY
    with np.errstate(divide="ignore"):
        out[idx[direct]] = (np.log(q[direct]) - special.xlogy(nn[direct], aa[direct]) + aa[direct]
                            + special.gammaln(nn[direct] + 1.0))
    tail = idx[~direct]
    if tail.size:
        out[tail] = np.log(_falling_series(n[tail], a[tail]))
    return out


def _falling_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sum_{j=0}^{N} N! / ((N-j)! a^j) for N < a, summed until the terms are below 1e-17 of the sum."""
    total = np.ones(n.shape)
    term = np.ones(n.shape)
    live = np.arange(n.size)
    j = 0.0
    while live.size:
        term = term * (n[live] - j) / a[live]
        total[live] += term
        going = term > 1e-17 * total[live]
        live, term = live[going], term[going]
        j += 1.0
    return total


def _erlang_c_flat(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    stable = n > a
    blocking = np.exp(-log_inv_erlang_b(np.where(stable, n, 1.0), np.where(stable, a, 0.5)))
    wait = n * blocking / np.where(stable, n - a * (1.0 - blocking), 1.0)
    return np.where(stable, wait, 1.0)


def occupancy_bound(a: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The smallest whole N >= 1 with a / N <= cap (exactly, in floating point), for a > 0."""
    n = np.maximum(np.ceil(a / cap), 1.0)
    lower = np.maximum(n - 1.0, 1.0)
    n = np.where(a / lower <= cap, lower, n)
    return np.where(a / n > cap, n + 1.0, n)


def search_limit(a: np.ndarray) -> np.ndarray:
    """The most agents the searches try: traffic + 50 sqrt(traffic) + 100 (far beyond any service level < 1)."""
    return np.ceil(a + SEARCH_SQRT * np.sqrt(a) + SEARCH_EXTRA)


def _unreachable(index: int, limit: float) -> None:
    raise ValueError(f"the service level target of interval {index} is not reached even with {limit:.0f} agents; "
                     f"lower the target below 1")


def offered_load(arrivals: np.ndarray | float, interval_s: np.ndarray | float,
                 aht_s: np.ndarray | float) -> np.ndarray:
    """Traffic in Erlangs: arrivals per interval * aht_s / interval_s (validated)."""
    arrivals = check_number("arrivals", arrivals, minimum=0.0,
                            fix="contacts per interval cannot be negative; check the forecast")
    interval = check_number("interval_s", interval_s, fix="give the interval length in seconds, e.g. 900")
    aht = check_number("aht_s", aht_s, fix="give the average handle time per contact in seconds")
    return arrivals * aht / interval


def check_number(name: str, value: np.ndarray | float, minimum: float | None = None,
                 fix: str = "") -> np.ndarray:
    """`value` as a float array; ValueError naming the first bad element unless it is > 0 (or >= minimum)."""
    array = np.asarray(value, dtype=float)
    if minimum is None:
        _reject(~(array > 0), name, array, "must be > 0", fix)
    else:
        _reject(~(array >= minimum), name, array, f"must be >= {minimum:g}", fix)
    return array


def check_agents(agents: np.ndarray | float) -> np.ndarray:
    """Agent counts as a float array of whole numbers >= 0."""
    array = np.asarray(agents, dtype=float)
    _reject(~(array >= 0) | (array != np.floor(array)), "agents", array, "must be whole numbers >= 0",
            "staff whole agents")
    return array


def check_answer_within(answer_within_s: np.ndarray | float) -> np.ndarray:
    """The service level's answer time T in seconds: finite and >= 0."""
    array = np.asarray(answer_within_s, dtype=float)
    _reject(~(array >= 0) | ~np.isfinite(array), "answer_within_s", array, "must be a finite number >= 0 seconds",
            "give the answer time of the service level, e.g. 20 for 80/20")
    return array


def check_service_level(service_level: np.ndarray | float) -> np.ndarray:
    """A service level target: strictly between 0 and 1."""
    array = np.asarray(service_level, dtype=float)
    _reject(~((array > 0) & (array < 1)), "service_level", array, "must be between 0 and 1 (exclusive)",
            "give the target share as a fraction, e.g. 0.8 for 80 %")
    return array


def check_occupancy(max_occupancy: np.ndarray | float | None) -> np.ndarray:
    """An occupancy cap in (0, 1]; None means no cap (1.0)."""
    array = np.asarray(1.0 if max_occupancy is None else max_occupancy, dtype=float)
    _reject(~((array > 0) & (array <= 1)), "max_occupancy", array, "must be in (0, 1]",
            "give the cap as a fraction, e.g. 0.85, or None for no cap")
    return array


def _reject(bad: np.ndarray, name: str, values: np.ndarray, rule: str, fix: str) -> None:
    if not np.any(bad):
        return
    if values.ndim == 0:
        where = f"got {values.item():g}"
    else:
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"got {values[index]:g} at index {index[0] if len(index) == 1 else index}"
    raise ValueError(f"{name} {rule} ({where})" + (f"; {fix}" if fix else ""))
