"""Import throughput: the large demo history (3 years x 4 queues, 15-minute rows) validated and stored."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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

        started = time.perf_counter()
        read_history(paths["history.csv"], demo.site)
        validate = time.perf_counter() - started
        print(f"{'validate only (no database)':<32}: {validate:6.2f} s  {rows / validate:>10,.0f} rows/s")

        with _database(args.database_url, folder) as database:
            _import_twice(database, paths, rows)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of the whole run: {peak_mb:,.0f} MB")


@contextmanager
def _database(url: str | None, folder: Path) -> Iterator[Database]:
    """A scratch database: a temporary SQLite file, or a throw-away schema in the given PostgreSQL."""
    if not url:
        database = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
        yield database
        database.engine.dispose()
        return
    schema = f"wfm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).set(drivername="postgresql+psycopg").update_query_dict(
        {"options": f"-csearch_path={schema}"})
    database = Database(scoped.render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _import_twice(database: Database, paths: dict[str, Path], rows: int) -> None:
    database.upgrade()
    with database.session() as session:
        slug = imports.import_site(session, paths["site.toml"]).slug
    for attempt in ("first import", "re-import (replaces every day)"):
        started = time.perf_counter()
        with database.session() as session:
            imports.import_history(session, slug, paths["history.csv"])
        took = time.perf_counter() - started
        print(f"{attempt:<32}: {took:6.2f} s  {rows / took:>10,.0f} rows/s  on {database.engine.dialect.name}")


if __name__ == "__main__":
    main()
