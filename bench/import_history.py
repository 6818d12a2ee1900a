"""Import throughput: the large demo history (3 years x 4 queues, 15-minute rows) validated and stored."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from forecasts.history_io import read_history
from scheduler.demo_data import generate_demo, write_demo
from web import imports
from web.db import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=["small", "large"])
    parser.add_argument("--database-url", default=os.environ.get("WFM_BENCH_DATABASE_URL"),
                        help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        demo = generate_demo(args.size)
        paths = write_demo(demo, folder)
        generated = time.perf_counter() - started
        rows = len(demo.history)
        size_mb = paths["history.csv"].stat().st_size / 1e6
        print(f"history.csv: {rows:,} rows, {size_mb:.1f} MB (generated in {generated:.1f} s)")

        tracemalloc.start()
        started = time.perf_counter()
        read_history(paths["history.csv"], demo.site)
        validate = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"validate only : {validate:6.2f} s  {rows / validate:>10,.0f} rows/s  (peak {peak:.0f} MB)")

        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        database = Database(url)
        database.upgrade()
        with database.session() as session:
            site = imports.import_site(session, paths["site.toml"])
            slug = site.slug
        for attempt in ("first import", "re-import (replaces every day)"):
            started = time.perf_counter()
            with database.session() as session:
                imports.import_history(session, slug, paths["history.csv"])
            took = time.perf_counter() - started
            print(f"{attempt:<32}: {took:6.2f} s  {rows / took:>10,.0f} rows/s  on {database.engine.dialect.name}")
        database.engine.dispose()


if __name__ == "__main__":
    main()
