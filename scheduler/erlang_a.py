"""Erlang A (M/M/N+M, exponential patience): exact queue metrics and the fewest agents for a service level.

The closed forms follow Garnett, Mandelbaum & Reiman (2002), "Designing a call center with impatient customers",
M&SOM 4(3), and Mandelbaum & Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A queue, with
applications to call centers". With arrival rate lam, service rate mu = 1 / aht, abandonment rate
theta = 1 / patience, x = N mu / theta, y = lam / theta, a = lam / mu, B = B(N, a) the Erlang B formula,
P(s, z) the regularized lower incomplete gamma function and s = x + 1:

    S1         = e^y y^-s Gamma(s) P(s, y)  = M(1, s + 1, y) / s     (A(x, y) = 1 + y S1 in the papers' notation)
    pi_N       = 1 / (1 / B + y S1)                                  (all N agents busy, nobody waiting)
    P(wait)    = pi_N (1 + y S1)
    P(abandon) = pi_N (1 + (y - x) S1)
    SL(T)      = 1 - P(wait) + pi_N x e^y y^-s Gamma(s) [P(s, y) - P(s, y e^(-theta T))]
    E[W; answered] = pi_N x S1 [ln y - digamma(s) - d/ds ln P(s, y)] / theta

A contact that finds j others waiting would be answered after V, a sum of exponentials with rates N mu + k theta
(k = j..0), so that e^(-theta V) ~ Beta(x, j + 1); it is answered within T when V <= T and V < its own patience.
Mixing over the stationary j gives the incomplete gamma difference of SL(T); E[V e^(-theta V)] over the same
mixture gives the mean wait of answered contacts. The derivative in s is taken numerically (five-point stencil,
relative error ~1e-9). Below the critical load (y < s) everything is written with Kummer's function
M(1, b, z) = sum_j z^j / (b)_j (scipy.special.hyp1f1), which stays bounded and accurate where P(s, y) underflows
or scipy's gammainc loses digits (s > 1e6); above it P(s, y) >= ~0.5 and the large prefactor stays in log space.
Patience inf is Erlang C; finite patience above PATIENCE_CAP handle times is capped there (see _core).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from scheduler.erlang import (
    QueueMetrics,
    check_agents,
    check_answer_within,
    check_number,
    check_occupancy,
    check_service_level,
    erlang_c_metrics,
    log_inv_erlang_b,
    occupancy_bound,
    offered_load,
    required_agents_c,
    search_limit,
)

_STENCIL = 0.02  # step of the numerical derivative, relative to the scale on which the function varies
# Patience beyond this many handle times is taken as this many (see _core): keeps x = N patience / aht <= 1e10
# for up to 100,000 agents, the range in which scipy's hyp1f1 and gammainc were checked to ~1e-9.
PATIENCE_CAP = 1e5


def erlang_a_metrics(agents: np.ndarray | float, arrivals: np.ndarray | float, interval_s: np.ndarray | float,
                     aht_s: np.ndarray | float, answer_within_s: np.ndarray | float,
                     patience_s: np.ndarray | float) -> QueueMetrics:
    """Exact Erlang A metrics for N agents and `arrivals` contacts per interval of interval_s seconds.

    service_level: share of all offered contacts answered within answer_within_s (those who hang up, also before
    T, count as not answered); abandon_rate: P(abandon); asa_s: mean wait of answered contacts (inf when none
    can be answered: no agents); occupancy: lam (1 - P(abandon)) aht / N (at most 1); p_wait: P(an arrival must wait).
    Without arrivals: service level 1, ASA 0, occupancy 0. Without agents: service level 0, all abandon,
    occupancy 1. patience_s = inf gives Erlang C.
    """
    traffic = offered_load(arrivals, interval_s, aht_s)
    n, a, aht, t, patience = np.broadcast_arrays(check_agents(agents), traffic, check_number("aht_s", aht_s),
                                                 check_answer_within(answer_within_s), _check_patience(patience_s))
    shape = n.shape
    n, a, aht, t, patience = (v.ravel().astype(float) for v in (n, a, aht, t, patience))
    sl, asa, occupancy, p_wait, abandon = (np.zeros(n.shape) for _ in range(5))
    sl[a == 0] = 1.0
    finite = np.isfinite(patience)
    if np.any(~finite):
        c = erlang_c_metrics(n[~finite], a[~finite], aht[~finite], aht[~finite], t[~finite])
        sl[~finite], asa[~finite], occupancy[~finite], p_wait[~finite] = (c.service_level, c.asa_s, c.occupancy,
                                                                          c.p_wait)
    empty = finite & (a > 0) & (n == 0)
    asa[empty], occupancy[empty], p_wait[empty], abandon[empty] = np.inf, 1.0, 1.0, 1.0
    idx = np.flatnonzero(finite & (a > 0) & (n > 0))
    if idx.size:
        core = _core(n[idx], a[idx], aht[idx], t[idx], patience[idx], with_asa=True)
        sl[idx], p_wait[idx], abandon[idx], answered, asa[idx] = core
        occupancy[idx] = _occupancy(a[idx], answered, n[idx])
    return QueueMetrics(*(m.reshape(shape) for m in (sl, asa, occupancy, p_wait, abandon)))


def required_agents_a(arrivals: np.ndarray | float, interval_s: np.ndarray | float, aht_s: np.ndarray | float,
                      service_level: np.ndarray | float, answer_within_s: np.ndarray | float,
                      patience_s: np.ndarray | float, max_occupancy: np.ndarray | float | None = None) -> np.ndarray:
    """The fewest agents per interval whose Erlang A service level is >= service_level and occupancy <= cap.

    0 where there are no arrivals. A cap the traffic saturates raises N until the carried load fits (never an
    error). The search relies on the service level rising and the occupancy falling with N: it starts at the
    Erlang C answer, gallops (1, 2, 4, ... agents) to bracket the answer, then bisects; the lower end is
    floor(target * a), which always fails since the share answered is below N / a. It raises ValueError at
    search_limit(a) agents, which a target below 1 cannot reach (see required_agents_c).
    """
    traffic = offered_load(arrivals, interval_s, aht_s)
    a, aht, t, target, patience, cap = np.broadcast_arrays(
        traffic, check_number("aht_s", aht_s), check_answer_within(answer_within_s),
        check_service_level(service_level), _check_patience(patience_s), check_occupancy(max_occupancy))
    shape = a.shape
    a, aht, t, target, patience, cap = (v.ravel().astype(float) for v in (a, aht, t, target, patience, cap))
    guess = required_agents_c(a, aht, aht, target, t, cap).astype(float)   # arrivals * aht / aht = a
    result = guess.astype(np.int64)
    idx = np.flatnonzero((a > 0) & np.isfinite(patience))
    if idx.size == 0:
        return result.reshape(shape)
    a, aht, t, target, patience, cap = (v[idx] for v in (a, aht, t, target, patience, cap))
    low = np.floor(target * a)                      # proven too few
    limit = np.maximum(search_limit(a), occupancy_bound(a, cap))  # beyond the latter, occupancy <= a / N <= cap
    probe = np.clip(guess[idx], low + 1.0, limit)
    high = np.full(idx.shape, np.inf)               # known to be enough
    low_tight = np.zeros(idx.shape, dtype=bool)     # low came from a probe (not from the bound)
    step = np.ones(idx.shape)
    live = np.arange(idx.size)
    while live.size:
        sl, _, _, answered = _core(probe, a[live], aht[live], t[live], patience[live], with_asa=False)
        ok = (sl >= target[live]) & (_occupancy(a[live], answered, probe) <= cap[live])
        high[live[ok]] = probe[ok]
        low[live[~ok]] = probe[~ok]
        low_tight[live[~ok]] = True
        stuck = ~ok & (probe >= limit[live])
        if np.any(stuck):
            raise ValueError(f"the service level target of interval {idx[live[stuck][0]]} is not reached even "
                             f"with {limit[live[stuck][0]]:.0f} agents; lower the target below 1")
        live = live[high[live] - low[live] > 1.0]
        lo, hi, st = low[live], high[live], step[live]
        up = np.minimum(lo + st, limit[live])
        down = np.maximum(hi - st, lo + 1.0)
        middle = np.floor((lo + hi) / 2.0)
        gallop_down = np.isfinite(hi) & ~low_tight[live] & (hi - st > lo)
        probe = np.where(~np.isfinite(hi), up, np.where(gallop_down, down, middle))
        step[live] = st * 2.0
    result[idx] = high.astype(np.int64)
    return result.reshape(shape)


def _core(n: np.ndarray, a: np.ndarray, aht: np.ndarray, t: np.ndarray, patience: np.ndarray,
          with_asa: bool) -> tuple[np.ndarray, ...]:
    """(service level, P(wait), P(abandon), P(answered), ASA) for flat arrays of n >= 1, a > 0, finite patience.

    Works with pi_N S1 = 1 / (1 / (B S1) + y) and pi_N = pi_N S1 / S1, so that the huge S1 of an over-loaded
    queue never meets a small number. P(answered) = P(no wait) + pi_N x S1 is computed apart from 1 - P(abandon):
    it stays exact in deep overload. Patience above PATIENCE_CAP handle times (~200 days at 3 min) is capped
    there (and at 1e10 aht / N for more than 100,000 agents): see the module doc.
    """
    patience = np.minimum(patience, aht * np.minimum(PATIENCE_CAP, 1e10 / n))
    x = n * patience / aht
    y = a * patience / aht
    log_s1, log_within, slope = (np.empty(n.shape) for _ in range(3))
    lower = y < x + 1.0
    for part, is_lower in ((lower, True), (~lower, False)):
        if np.any(part):
            log_s1[part], log_within[part], slope[part] = _waiting_terms(x[part], y[part], t[part] / patience[part],
                                                                         with_asa, is_lower)
    with np.errstate(divide="ignore"):
        log_busy = -np.logaddexp(log_inv_erlang_b(n, a) - log_s1, np.log(y))     # ln(pi_N S1)
        busy_tail = np.exp(log_busy)
        pi_n = np.exp(log_busy - log_s1)
        p_wait = np.minimum(pi_n + y * busy_tail, 1.0)
        abandon = np.clip(pi_n + (y - x) * busy_tail, 0.0, p_wait)
        sl = np.clip(1.0 - p_wait + x * np.exp(log_busy + log_within), 0.0, 1.0)
        answered = np.clip(1.0 - p_wait + x * busy_tail, sl, 1.0)
    if not with_asa:
        return sl, p_wait, abandon, answered
    wait_answered = x * busy_tail * slope * patience                         # E[W; answered]
    asa = np.where(answered > 0, np.maximum(wait_answered, 0.0) / np.where(answered > 0, answered, 1.0), np.inf)
    return sl, p_wait, abandon, answered, asa


def _waiting_terms(x: np.ndarray, y: np.ndarray, t_over_patience: np.ndarray, with_asa: bool,
                   lower: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ln S1, ln(1 - Sc / S1), -d ln L / ds) with s = x + 1, Sc the S1 of y e^(-theta T), L(s) as in the module doc.

    lower (y < s): S1 = M(1, s+1, y) / s and Sc = c^s e^(y (1-c)) M(1, s+1, y c) / s, c = e^(-theta T), with
    Kummer's M(1, b, z) = sum_j z^j / (b)_j from scipy.special.hyp1f1 (bounded there, accurate for huge s).
    upper (y >= s): S1 = e^y y^-s Gamma(s) P(s, y) in log space, P(s, y) >= ~0.5 from scipy.special.gammainc,
    and Sc / S1 = P(s, y c) / P(s, y).
    The slope (only with_asa, else 0) is by a five-point difference, step 0.02 of the scale of variation.
    """
    s = x + 1.0
    log_c, one_minus_c = -t_over_patience, -np.expm1(-t_over_patience)
    slope = np.zeros(s.shape)
    with np.errstate(divide="ignore"):
        if lower:
            m1 = special.hyp1f1(1.0, s + 1.0, y)
            weight = np.exp(s * log_c + y * one_minus_c)                  # < 1 since y < s
            within = 1.0 - weight * special.hyp1f1(1.0, s + 1.0, y * np.exp(log_c)) / m1
            if with_asa:
                step = _STENCIL * np.minimum(np.sqrt(s + 1.0), s + 1.0 - y)
                slope = 1.0 / s - _derivative(lambda b: np.log(special.hyp1f1(1.0, b, y)), s + 1.0, step)
            return np.log(m1) - np.log(s), np.log(np.maximum(within, 0.0)), slope
        p1 = special.gammainc(s, y)
        within = (special.gammaincc(s, y * np.exp(log_c)) - special.gammaincc(s, y)) / p1
        if with_asa:
            slope = (np.log1p((y - s) / s) + _log_minus_digamma(s)
                     - _derivative(lambda v: np.log1p(-special.gammaincc(v, y)), s, _STENCIL * np.sqrt(s)))
        return _log_prefactor(s, y) + np.log(p1), np.log(np.maximum(within, 0.0)), slope


def _occupancy(a: np.ndarray, answered: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Busy share of N agents carrying a * P(answered) Erlangs (at most 1, also when rounding says more)."""
    return np.minimum(a * answered / n, 1.0)


def _derivative(f: Callable[[np.ndarray], np.ndarray], at: np.ndarray, step: np.ndarray) -> np.ndarray:
    """f'(at) by the five-point central difference (error ~ step^4 f^(5) / 30)."""
    return (f(at - 2 * step) - 8 * f(at - step) + 8 * f(at + step) - f(at + 2 * step)) / (12 * step)


def _log_prefactor(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y - s ln y + ln Gamma(s) for y >= s, without the cancellation of its large terms (Stirling for s >= 50)."""
    return (y - s) - s * np.log1p((y - s) / s) + _log_gamma_minus_stirling(s)


def _log_gamma_minus_stirling(s: np.ndarray) -> np.ndarray:
    """ln Gamma(s) - s ln s + s."""
    big = np.maximum(s, 50.0)
    series = (0.5 * np.log(2 * np.pi / big) + 1 / (12 * big) - 1 / (360 * big**3) + 1 / (1260 * big**5))
    return np.where(s >= 50.0, series, special.gammaln(s) - special.xlogy(s, s) + s)


def _log_minus_digamma(s: np.ndarray) -> np.ndarray:
    """ln s - digamma(s), by its asymptotic series for s >= 50 (where the difference is tiny)."""
    big = np.maximum(s, 50.0)
    series = 1 / (2 * big) + 1 / (12 * big**2) - 1 / (120 * big**4) + 1 / (252 * big**6)
    return np.where(s >= 50.0, series, np.log(s) - special.digamma(s))


def _check_patience(patience_s: np.ndarray | float) -> np.ndarray:
    return check_number("patience_s", patience_s,
                        fix="give the mean time callers wait before hanging up in seconds (inf for Erlang C)")
