"""Celery workers for background jobs: the broker (Redis) carries job ids, the database keeps each job's state.

`wfm worker` (or `celery -A web.celery_app worker`) runs them. The web app sends a job's id; the worker runs the
same `jobs.execute` as the in-process pool, so progress, cancellation and errors reach the pages the same way.
A worker process killed mid-job leaves its message unacknowledged: the broker hands it out again, the job is run
once more and marked failed if that process dies too (jobs.MAX_ATTEMPTS). A job running past its time limit is
interrupted (Celery's soft limit), killed at the hard limit, and marked failed either way.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from typing import Any

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy import select

from web import config, jobs, models, parts
from web.db import Database

JOB_QUEUE = "wfm-jobs"
PART_QUEUE = "wfm-parts"
RUN_JOB = "wfm.run_job"
# What a killed job's process gets after its soft limit to clean up before it is killed outright.
HARD_LIMIT_MARGIN_S = 60.0
# Redis hands an unacknowledged message out again after this long: longer than any job may run, or a job still
# running would be started a second time.
VISIBILITY_TIMEOUT_S = int(jobs.DEFAULT_JOB_SECONDS + jobs.JOB_TIME_MARGIN_S + 3600 + 2 * HARD_LIMIT_MARGIN_S)
# The job kinds every worker knows; WFM_JOB_MODULES adds more (comma-separated module names).
JOB_MODULES = ("web.forecasting", "web.rostering", "web.whatif_service")


def make_celery(broker_url: str, result_backend: str | None = None) -> Celery:
    """A Celery app for the broker; results (which the app does not need: the database has them) go to the
    result backend, by default the broker."""
    app = Celery("wfm", broker=broker_url, backend=result_backend or broker_url)
    app.conf.update(
        task_acks_late=True,               # acknowledged when done, so a killed worker's job is handed out again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,      # long jobs: a worker takes the next one only when it is free
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_default_queue=JOB_QUEUE,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def _broker_from_environment() -> tuple[str, str | None]:
    settings = config.from_environment(config.instance_path())
    return settings["BROKER_URL"] or "redis://127.0.0.1:6379/0", settings["RESULT_BACKEND"]


celery = make_celery(*_broker_from_environment())
_database: Database | None = None
_database_lock = threading.Lock()


def worker_database() -> Database:
    """The database of this worker process (DATABASE_URL, as for the web app), opened on first use: after the
    fork, so no connection is shared between processes."""
    global _database
    with _database_lock:
        if _database is None:
            _database = Database(config.from_environment(config.instance_path())["DATABASE_URL"])
        return _database


def load_job_kinds() -> None:
    """Import the modules that register job kinds (the built-in ones and WFM_JOB_MODULES)."""
    extra = [name.strip() for name in os.environ.get("WFM_JOB_MODULES", "").split(",") if name.strip()]
    for name in (*JOB_MODULES, *extra):
        importlib.import_module(name)


@worker_process_init.connect
def _allow_child_processes(**_: Any) -> None:
    """Pool processes are daemonic, and a daemonic process may not start children; but a roster solve runs a
    second search in a child process and a sweep may use a process pool. Both stop their children themselves.
    The process (billiard's) holds a key of billiard's type, which refuses to be handed to a spawned child: give
    it a key of the standard library's type."""
    config = multiprocessing.current_process()._config  # noqa: SLF001 (no public way to say either)
    config["daemon"] = False
    config["authkey"] = multiprocessing.process.AuthenticationString(os.urandom(32))


@celery.task(name=RUN_JOB, ignore_result=True)
def run_job(job_id: str) -> str | None:
    """Run one stored job in this worker; its parts may run on other workers too."""
    load_job_kinds()
    return jobs.execute(worker_database(), job_id, overdue=(SoftTimeLimitExceeded,), parts=part_map())


@celery.task(name=parts.RUN_PART, ignore_result=True)
def run_part(batch: str, index: int) -> bool:
    """Compute one part of a job running on some worker, unless that worker (or another) already has it."""
    return parts.run_part(_redis(), batch, index)


def part_map() -> parts.CeleryPartMap | None:
    """Parts through Redis (the broker, else the result backend); None if neither is Redis: the job then runs
    its parts in its own worker."""
    url = _redis_url()
    return parts.CeleryPartMap(celery, url, PART_QUEUE) if url else None


def _redis_url() -> str | None:
    for url in (celery.conf.broker_url, celery.conf.result_backend):
        if isinstance(url, str) and url.startswith(("redis://", "rediss://")):
            return url
    return None


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(_redis_url() or "redis://127.0.0.1:6379/0")


class CeleryRunner:
    """Sends jobs to Celery workers; the same interface as jobs.InProcessRunner."""

    def __init__(self, database: Database, broker_url: str, result_backend: str | None = None):
        self.database = database
        self.celery = make_celery(broker_url, result_backend)

    def enqueue(self, job_id: str) -> None:
        with self.database.session() as session:
            params = session.get(models.Job, job_id).params
        seconds = jobs.job_seconds(params)
        self.celery.send_task(RUN_JOB, args=[job_id], task_id=job_id, queue=JOB_QUEUE,
                              soft_time_limit=seconds, time_limit=seconds + HARD_LIMIT_MARGIN_S)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job has finished (polls the database, where workers store the outcome)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            jobs.fail_overdue(self.database)
            with self.database.session() as session:
                status = session.scalar(select(models.Job.status).where(models.Job.id == job_id))
            if status is None or status in jobs.FINISHED:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {status} after {timeout} s")
            time.sleep(0.2)


def worker_arguments(concurrency: int, queues: tuple[str, ...] = (JOB_QUEUE, PART_QUEUE),
                     loglevel: str = "INFO", hostname: str | None = None) -> list[str]:
    """The `celery worker` command line `wfm worker` runs."""
    arguments = ["worker", f"--concurrency={concurrency}", f"--queues={','.join(queues)}", f"--loglevel={loglevel}",
                 "--without-gossip", "--without-mingle"]
    if hostname:
        arguments.append(f"--hostname={hostname}")
    return arguments


def start_worker(arguments: list[str]) -> Any:
    load_job_kinds()
    return celery.worker_main(arguments)
