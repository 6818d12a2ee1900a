"""The pricing programme's speed on the Curtois–Qu instances: milliseconds per cheapest schedule, per instance.

`python -m bench.curtois_pricing [--data DIR] [--instances 1-19] [--rounds 5]` prices every employee of each
instance at `rounds` random cost matrices (a fixed seed, so runs compare) after one call to warm the compiled
passes, and prints the mean and the slowest call."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from scheduler.curtois import load_instance
from scheduler.curtois_pricing import SchedulePricer
from web.cli_bench import DEFAULT_DATA, instance_numbers

MAX_CELLS = 10_000_000  # what the search prices at most (SearchSettings.columns_max_cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--instances", default="1-19")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("instance  employees  calls  mean ms  slowest ms")
    for number in instance_numbers(args.instances):
        instance = load_instance(args.data / f"Instance{number}.txt")
        pricers = [SchedulePricer(instance, e) for e in instance.staff]
        pricers = [p for p in pricers if p.size * instance.horizon <= MAX_CELLS]
        if not pricers:
            print(f"{number:>8}  (too large to price)")
            continue
        pricers[0].cheapest(np.zeros((instance.horizon, len(pricers[0].shifts))))
        times = []
        for _ in range(args.rounds):
            for pricer in pricers:
                costs = rng.normal(-5.0, 30.0, (instance.horizon, len(pricer.shifts)))
                started = time.perf_counter()
                pricer.cheapest(costs)
                times.append(time.perf_counter() - started)
        print(f"{number:>8}  {len(pricers):>9}  {len(times):>5}  {1000 * np.mean(times):>7.2f}  "
              f"{1000 * max(times):>10.2f}")


if __name__ == "__main__":
    main()
