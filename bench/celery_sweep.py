"""A 20-scenario what-if sweep as a job on Celery workers: once with 1 worker, once with 2 (`wfm worker` processes
with one job slot each, Redis as the broker, a real database), the speed-up, and whether both gave the same
results. Needs Redis (default redis://127.0.0.1:6379/14, flushed first)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.whatif import GRID, SCENARIO
from scheduler.demo_data import generate_demo, write_demo
from web import imports, jobs, models
from web.celery_app import CeleryRunner
from web.db import Database
from web.forecasting import run_forecast
from web.repository import find_site
from web.whatif_service import save_scenario

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=["small", "large"])
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    redis.Redis.from_url(args.broker).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="wfm-celery-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    database = Database(url)
    database.upgrade()
    scenario_id, slug = _site(database, folder, args.size)
    started = time.perf_counter()
    with database.session() as session:
        scenario = session.get(models.Scenario, scenario_id)
    text = scenario.toml
    weeks, start = _plan_span(text)
    run_forecast(database, {"start": start, "weeks": weeks, "method": "auto", "site": slug, "created_by": "bench"})
    print(f"set-up: {args.size} demo imported and forecast ({weeks} weeks) in {time.perf_counter() - started:.1f} s")
    runner = CeleryRunner(database, args.broker)
    env = {**os.environ, "DATABASE_URL": url, "WFM_BROKER_URL": args.broker, "WFM_INSTANCE_PATH": str(folder),
           "PYTHONPATH": str(REPO)}
    took, results = {}, {}
    for count in (1, 2):
        workers = [_start_worker(env, folder / f"worker{count}-{i}.log") for i in range(count)]
        try:
            _wait_ready(runner, count)
            started = time.perf_counter()
            job = jobs.submit(runner, "whatif_sweep", {"scenario_id": scenario_id, "grid": GRID, "target": 0.8},
                              "bench")
            runner.wait(job.id, timeout=3600)
            took[count] = time.perf_counter() - started
        finally:
            for worker in workers:
                _stop_worker(worker)
        with database.session() as session:
            done = session.get(models.Job, job.id)
        if done.status != "succeeded":
            sys.exit(f"the sweep job {done.status}: {done.error}")
        results[count] = [(p["values"], p["cost_eur"], p["peak_service_level"]) for p in done.result["points"]]
        print(f"sweep of {len(results[count])} scenarios as a job, {count} worker{'s' if count > 1 else ''} "
              f"(1 job slot each): {took[count]:.1f} s from submit to stored result")
    print(f"  speed-up with 2 workers: {took[1] / took[2]:.2f}x on {os.cpu_count()} CPUs; "
          f"same results: {results[1] == results[2]}")


def _site(database: Database, folder: Path, size: str) -> tuple[int, str]:
    files = write_demo(generate_demo(size, end=dt.date(2026, 11, 22)), folder / "demo")
    with database.session() as session:
        site = imports.import_site(session, files["site.toml"])
        for name, load in (("history.csv", imports.import_history), ("events.csv", imports.import_events),
                           ("agents.csv", imports.import_agents), ("absences.csv", imports.import_absences)):
            load(session, site.slug, files[name])
    with database.session() as session:
        site_row = find_site(session, site.slug)
        row = save_scenario(session, site_row, "january_peak", SCENARIO.read_text(encoding="utf-8"), "bench")
        return row.id, site.slug


def _plan_span(text: str) -> tuple[int, str]:
    import tomllib

    plan = tomllib.loads(text)["scenario"]
    return int(plan["weeks"]), str(plan["start"])


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "web.cli", "worker", "--concurrency", "1", "--loglevel",
                                 "WARNING", "--hostname", f"bench-{log.stem}@%h"], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(runner: CeleryRunner, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(runner.celery.control.ping(timeout=1.0) or []) >= count:
            return
    sys.exit(f"{count} worker(s) did not start within 120 s; see the worker logs")


def _stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
