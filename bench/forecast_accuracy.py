"""Forecast accuracy: rolling-origin backtests on the large demo site and on the real US bank call data."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from forecasts.backtest import default_origins, run_backtest
from forecasts.history_io import read_history
from forecasts.report import backtest_report
from forecasts.site import load_site
from scheduler.demo_data import generate_demo

BANK = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "us-bank-2003"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--bank-origins", type=int, default=12)
    parser.add_argument("--bank", type=Path, default=BANK, help="folder with history.csv and site.toml")
    args = parser.parse_args()

    demo = generate_demo("large")
    started = time.perf_counter()
    origins = default_origins(demo.history, demo.site, demo.events, count=args.origins)
    result = run_backtest(demo.history, demo.site, demo.events, origins=origins)
    print(backtest_report(result, title="Large demo site"))
    print(f"(backtest took {time.perf_counter() - started:.0f} s)\n")

    if (args.bank / "history.csv").exists():
        site = load_site(args.bank / "site.toml")
        history = read_history(args.bank / "history.csv", site)
        started = time.perf_counter()
        origins = default_origins(history, site, None, count=args.bank_origins)
        result = run_backtest(history, site, None, origins=origins)
        print(backtest_report(result, title="US bank 2003 (real data)"))
        print(f"(backtest took {time.perf_counter() - started:.0f} s)")
    else:
        print(f"bank data not found in {args.bank}; skipped")


if __name__ == "__main__":
    main()
