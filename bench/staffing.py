"""Staffing speed and a side-by-side with pyworkforce's ErlangC (installed for the benchmark only)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.pyworkforce_install import use_pyworkforce
from scheduler.demo_data import generate_demo
from scheduler.erlang import erlang_c_metrics, required_agents_c
from scheduler.staffing import staff


def year_as_forecast() -> tuple[pd.DataFrame, object]:
    """A year of the large demo's 15-minute history, used as if it were a forecast (4 queues)."""
    demo = generate_demo("large")
    history = demo.history
    last = history["interval_start"].max()
    year = history[history["interval_start"] > last - pd.Timedelta(days=365)]
    aht = year["aht_s"].astype(float).fillna(year.groupby("queue")["aht_s"].transform("mean"))
    return pd.DataFrame({"queue": year["queue"], "interval_start": year["interval_start"],
                         "offered": year["offered"].astype(float), "aht_s": aht}), demo.site


def speed() -> None:
    forecast, site = year_as_forecast()
    staff(forecast.head(200), site)  # warm-up: imports and first calls
    started = time.perf_counter()
    result = staff(forecast, site)
    took = time.perf_counter() - started
    per_queue = forecast.groupby("queue").size().to_dict()
    print(f"staff(): {len(forecast):,} intervals (a year, 4 queues: {per_queue}) in {took:.2f} s "
          f"(budget 2 s: {took / 2:.0%}); Erlang A for billing and technical, chat concurrency 2, e-mail plan")
    print("  agent-hours on queue: " + ", ".join(
        f"{q} {g['agents_required'].sum() / 4:,.0f}" for q, g in result.groupby("queue")))


def _pyworkforce():
    use_pyworkforce()
    from pyworkforce.queuing import ErlangC

    return ErlangC


def side_by_side() -> None:
    ErlangC = _pyworkforce()
    rng = np.random.default_rng(7)
    cases = [(100, 180, 20, 0.8), (10_000, 180, 20, 0.8), (1, 300, 20, 0.8), (400, 240, 30, 0.9)]
    cases += [(float(rng.integers(1, 3000)), float(rng.integers(60, 900)), float(rng.choice([10, 20, 30, 60])),
               float(rng.choice([0.7, 0.8, 0.9]))) for _ in range(196)]
    ours_n, theirs_n, theirs_time = [], [], 0.0
    for calls, aht, answer, target in cases:
        ours_n.append(int(required_agents_c(np.array([calls]), 1800, np.array([aht]), target, answer)[0]))
        started = time.perf_counter()
        theirs = ErlangC(transactions=calls, aht=aht / 60, asa=answer / 60, interval=30)
        theirs_n.append(theirs.required_positions(service_level=target)["raw_positions"])
        theirs_time += time.perf_counter() - started
    calls = np.array([c[0] for c in cases])
    ahts = np.array([c[1] for c in cases])
    started = time.perf_counter()
    for calls_i, aht_i, answer, target in cases:
        required_agents_c(np.array([calls_i]), 1800, np.array([aht_i]), target, answer)
    ours_time = time.perf_counter() - started
    same = sum(a == b for a, b in zip(ours_n, theirs_n, strict=True))
    print(f"Erlang C against pyworkforce {len(cases)} cases (30-minute intervals, 1 to 10,000 calls): "
          f"same agent count in {same} of {len(cases)}")
    for (c, a, t, s), mine, theirs in zip(cases, ours_n, theirs_n, strict=True):
        if mine != theirs:
            check = erlang_c_metrics(np.array([mine]), np.array([c]), 1800, np.array([a]), t)
            print(f"  differs: calls {c:g}, aht {a:g} s, {s:.0%} in {t:g} s: ours {mine} "
                  f"(SL {check.service_level[0]:.4f}), pyworkforce {theirs}")
    print(f"  time per case, one at a time: ours {ours_time / len(cases) * 1e3:.2f} ms, "
          f"pyworkforce {theirs_time / len(cases) * 1e3:.2f} ms")
    started = time.perf_counter()
    required_agents_c(calls, 1800, ahts, 0.8, 20)
    print(f"  all {len(cases)} at once (vectorized): {(time.perf_counter() - started) * 1e3:.1f} ms")
    print("  Erlang A: pyworkforce has none (it stops at Erlang C); ours is checked against simulation in tests.")


if __name__ == "__main__":
    speed()
    side_by_side()
