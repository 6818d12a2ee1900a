"""Forecast speed and memory: `wfm forecast` for 6 weeks on the large demo site (3 years x 4 queues x 15 min)."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scheduler.demo_data import generate_demo, write_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=["small", "large"])
    parser.add_argument("--weeks", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_demo(args.size)
        last = demo.history["interval_start"].max().date()
        start = last + dt.timedelta(days=7 - last.weekday())  # the Monday after the history
        paths = write_demo(demo, Path(tmp))
        out = Path(tmp) / "forecast.csv"
        wfm = Path(sys.executable).with_name("wfm")
        command = [str(wfm), "forecast", "--history", str(paths["history.csv"]), "--events",
                   str(paths["events.csv"]), "--site", str(paths["site.toml"]),
                   "--start", start.isoformat(), "--weeks", str(args.weeks), "--out", str(out)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        took = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = sum(1 for _ in out.open()) - 1
    print(f"history: {len(demo.history):,} rows, {demo.history['queue'].nunique()} queues, "
          f"{demo.history['interval_start'].min().date()} to {demo.history['interval_start'].max().date()}")
    print(f"wfm forecast, {args.weeks} weeks ({rows:,} intervals written), whole command incl. reading the CSV "
          f"and choosing methods by inner backtest:")
    print(f"  wall time {took:.1f} s (budget 60 s: {took / 60:.0%} of it)")
    print(f"  peak memory {peak_mb:,.0f} MB (budget 2,048 MB: {peak_mb / 2048:.0%} of it)")


if __name__ == "__main__":
    main()
