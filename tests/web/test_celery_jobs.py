"""Jobs on a real Celery worker process (`wfm worker`) with Redis as the broker and the test database (PostgreSQL
where configured, else a SQLite file): progress, results, errors, cancellation, duplicates, killed workers and time
limits behave as with the in-process runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FAST_HASH, PG_URL, postgres_schema
from tests.web import celery_job_kinds  # noqa: F401 (the kinds are submitted from here too)
from web import create_app, jobs, models

BROKER_URL = os.environ.get("WFM_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")
MARGIN_S = "3"  # a job may run its time limit plus this long (WFM_JOB_TIME_MARGIN) in these tests
REPO = Path(__file__).resolve().parents[2]


def _redis_or_skip() -> None:
    import redis

    try:
        client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Celery tests need Redis at {BROKER_URL} (set WFM_TEST_BROKER_URL): {exc}")
    client.flushdb()  # this test database index is ours: no message of an earlier run is handed out again


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('celery') / 'jobs.sqlite3'}"
        return
    with postgres_schema("wfm_celery") as url:
        yield url


@pytest.fixture(scope="module")
def celery_app_under_test(database_url, tmp_path_factory):
    _redis_or_skip()
    environment = pytest.MonkeyPatch()
    environment.setenv("WFM_JOB_TIME_MARGIN", MARGIN_S)  # the web side computes the same limits
    folder = tmp_path_factory.mktemp("instance")
    app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": database_url, "TESTING": True,
                      "SECRET_KEY": "test-" + uuid.uuid4().hex, "PASSWORD_HASH_METHOD": FAST_HASH,
                      "BROKER_URL": BROKER_URL})
    app.extensions["wfm_db"].upgrade()
    app.config["TEST_WORKER_ENV"] = {
        **os.environ, "DATABASE_URL": database_url, "WFM_BROKER_URL": BROKER_URL,
        "WFM_JOB_MODULES": "tests.web.celery_job_kinds", "WFM_INSTANCE_PATH": str(folder),
        "WFM_JOB_TIME_MARGIN": MARGIN_S, "PYTHONPATH": str(REPO)}
    worker = _start_worker(app, folder / "worker.log")
    try:
        ready = _submit(app, "celery_echo", {"x": 0})
        _wait(app, ready.id, timeout=120, worker=worker, log=folder / "worker.log")
        yield app
    finally:
        _stop_worker(worker)
        environment.undo()
        app.extensions["wfm_db"].engine.dispose()


def _start_worker(app, log: Path) -> subprocess.Popen:
    """A `wfm worker` process with one job at a time (its own process group, so it is stopped whole)."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "web.cli", "worker", "--concurrency", "1",
                                 "--loglevel", "WARNING", "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"],
                                env=app.config["TEST_WORKER_ENV"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def _submit(app, kind: str, params: dict) -> models.Job:
    return jobs.submit(app.extensions["wfm_jobs"], kind, params, "tester")


def _wait(app, job_id: str, timeout: float = 60, worker=None, log: Path | None = None) -> models.Job:
    try:
        app.extensions["wfm_jobs"].wait(job_id, timeout=timeout)
    except TimeoutError:
        alive = worker is None or worker.poll() is None
        details = log.read_text()[-3000:] if log else ""
        pytest.fail(f"job {job_id} did not finish (worker alive: {alive}); worker log:\n{details}")
    return _job(app, job_id)


def _job(app, job_id: str) -> models.Job:
    with app.extensions["wfm_db"].session() as session:
        return session.get(models.Job, job_id)


def _until(app, job_id: str, condition, timeout: float = 60) -> models.Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(app, job_id)
        if condition(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} never reached the expected state; it is {job.status} ({job.message}; {job.error})")


def _running_pid(job: models.Job) -> int:
    return int(job.worker.rpartition(":")[2])


def test_a_job_runs_on_the_worker_process_and_its_result_comes_back(celery_app_under_test):
    app = celery_app_under_test
    job = _wait(app, _submit(app, "celery_echo", {"x": 21}).id)
    assert (job.status, job.progress, job.result["doubled"], job.attempts) == ("succeeded", 1.0, 42, 1)
    assert job.result["pid"] != os.getpid() and job.worker.endswith(f":{job.result['pid']}")
    assert job.active_key is None  # finished: the same job may be submitted again


def test_a_refused_input_fails_the_job_with_its_message(celery_app_under_test):
    job = _wait(celery_app_under_test, _submit(celery_app_under_test, "celery_fail", {}).id)
    assert job.status == "failed" and job.error.startswith("line 3, column 2: not a number")


def test_a_running_job_reports_progress_and_stops_when_cancelled(celery_app_under_test):
    app = celery_app_under_test
    job_id = _submit(app, "celery_long", {"seconds": 60}).id
    running = _until(app, job_id, lambda j: j.status == "running" and j.message.startswith("working"))
    assert running.progress == pytest.approx(0.1)
    jobs.request_cancel(app.extensions["wfm_db"], job_id)
    assert _wait(app, job_id, timeout=30).status == "cancelled"


def test_the_same_job_submitted_twice_while_it_runs_is_run_once(celery_app_under_test):
    app = celery_app_under_test
    first = _submit(app, "celery_long", {"seconds": 1.5, "tag": "twice"})
    second = _submit(app, "celery_long", {"seconds": 1.5, "tag": "twice"})
    assert second.id == first.id
    app.extensions["wfm_jobs"].enqueue(first.id)  # and a second message for it, as a broker may deliver
    done = _wait(app, first.id)
    time.sleep(1.0)  # give the second message time to be taken (and dropped)
    assert (_job(app, first.id).status, _job(app, first.id).attempts) == ("succeeded", 1)
    assert done.result["pid"] == _running_pid(done)


def test_a_worker_process_killed_mid_job_is_replaced_and_the_job_tried_once_more_then_failed(celery_app_under_test):
    app = celery_app_under_test
    job_id = _submit(app, "celery_long", {"seconds": 120}).id
    first = _until(app, job_id, lambda j: j.status == "running" and j.attempts == 1 and bool(j.worker))
    os.kill(_running_pid(first), signal.SIGKILL)
    second = _until(app, job_id, lambda j: j.attempts == 2 and j.status == "running", timeout=90)
    assert _running_pid(second) != _running_pid(first)
    os.kill(_running_pid(second), signal.SIGKILL)
    failed = _wait(app, job_id, timeout=90)
    assert failed.status == "failed" and "stopped 2 times" in failed.error and failed.active_key is None


def test_a_job_running_past_its_time_limit_is_stopped_and_marked_failed(celery_app_under_test):
    app = celery_app_under_test
    job = _wait(app, _submit(app, "celery_silent", {"seconds": 120, "time_limit_s": 1}).id, timeout=90)
    assert job.status == "failed" and "ran past its time limit of 4 s" in job.error
    echo = _wait(app, _submit(app, "celery_echo", {"x": 1}).id)  # and the worker goes on with the next job
    assert echo.status == "succeeded"


def test_a_jobs_parts_are_shared_with_another_worker_and_done_alone_without_one(celery_app_under_test, tmp_path):
    app = celery_app_under_test
    alone = _wait(app, _submit(app, "celery_parts", {"numbers": [1, 2, 3], "seconds": 0.1}).id)
    assert alone.result["squares"] == [1, 4, 9] and len(alone.result["pids"]) == 1
    second = _start_worker(app, tmp_path / "second.log")
    try:
        shared = _wait(app, _submit(app, "celery_parts", {"numbers": list(range(8)), "seconds": 1.0}).id,
                       timeout=120)
    finally:
        _stop_worker(second)
    assert shared.status == "succeeded", shared.error
    assert shared.result["squares"] == [n * n for n in range(8)] and len(shared.result["pids"]) == 2


@pytest.fixture(scope="module")
def demo_site(celery_app_under_test, tmp_path_factory):
    import datetime as dt

    from scheduler.demo_data import generate_demo, write_demo
    from web import imports

    files = write_demo(generate_demo("small", end=dt.date(2026, 11, 22), weeks=12), tmp_path_factory.mktemp("demo"))
    with celery_app_under_test.extensions["wfm_db"].session() as session:
        site = imports.import_site(session, files["site.toml"])
        for name, load in (("history.csv", imports.import_history), ("events.csv", imports.import_events),
                           ("agents.csv", imports.import_agents), ("absences.csv", imports.import_absences)):
            load(session, site.slug, files[name])
    return celery_app_under_test


def _versions(app) -> list[tuple[int, str, int]]:
    from sqlalchemy import func, select

    with app.extensions["wfm_db"].session() as session:
        rows = session.execute(select(models.RosterVersion.id, models.RosterVersion.status,
                                      func.count(models.RosterShift.id))
                               .join(models.RosterShift, isouter=True).group_by(models.RosterVersion.id)
                               .order_by(models.RosterVersion.id)).all()
    return [tuple(row) for row in rows]


def test_a_roster_solve_killed_twice_fails_and_leaves_the_stored_roster_as_it_was(demo_site):
    app = demo_site
    first = _wait(app, _submit(app, "roster", {"start": "2026-11-23", "time_limit_s": 5, "seed": 1}).id, timeout=240)
    assert first.status == "succeeded", first.error
    stored = _versions(app)
    assert len(stored) == 1 and stored[0][2] > 0
    job_id = _submit(app, "roster", {"start": "2026-11-23", "time_limit_s": 120, "seed": 2}).id
    for attempt in (1, 2):
        solving = _until(app, job_id, lambda j, a=attempt: j.attempts == a and j.status == "running"
                         and j.message.startswith("objective"), timeout=180)
        os.kill(_running_pid(solving), signal.SIGKILL)
    failed = _wait(app, job_id, timeout=120)
    assert failed.status == "failed" and "stopped 2 times" in failed.error
    assert _versions(app) == stored  # no new version, no shift of the stored one lost or added


def test_a_roster_split_by_team_runs_its_parts_through_the_part_queue(demo_site):
    app = demo_site
    job = _wait(app, _submit(app, "roster", {"start": "2026-11-23", "time_limit_s": 10, "seed": 3,
                                             "decompose": "team"}).id, timeout=240)
    assert job.status == "succeeded", job.error
    assert job.result["explanation"][0].startswith("round 1: ") and job.result["shifts"]
