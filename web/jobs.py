"""Background jobs: rows in the job table with status and progress, run by an in-process thread pool or by Celery
workers (web/celery_app.py), with the same claiming, deadlines and endings in both."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, has_request_context
from flask_babel import format_decimal, format_number, format_percent, get_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from web import models
from web.db import Database
from web.models import utc_now

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a job when somebody asked to stop it."""


class JobOverdue(Exception):
    """Raised inside a job that runs past its deadline, so it stops instead of holding a worker forever."""


class JobContext:
    """What a running job may do: report progress (which is also where a cancel request is noticed)."""

    def __init__(self, database: Database, job_id: str, parts: Any = None):
        self.database, self.job_id = database, job_id
        # How the job may run parts of itself side by side on other workers (web.parts.PartMap); None: here.
        self.parts = parts

    def progress(self, fraction: float, message: str = "", **params: Any) -> None:
        """Store how far the job is. `message` is an English msgid (marked with N_ for the catalogue) with
        %(name)s placeholders filled from `params`: readers see it in their own language (job_message)."""
        with self.database.session() as session:
            job = session.get(models.Job, self.job_id)
            if job.cancel_requested:
                raise JobCancelled()
            if job.status != "running":  # stopped as overdue, or given up for dead while still at work
                raise JobOverdue(f"stopped: the job is {job.status} ({job.error or 'no longer running here'})")
            if job.deadline_at is not None and utc_now() > job.deadline_at:
                raise JobOverdue(overdue_message(job))
            job.progress = max(0.0, min(1.0, fraction))
            if message:
                job.message = message % {k: _english(k, v) for k, v in params.items()} if params else message
                job.message_template, job.message_params = message, params or None


JobFunction = Callable[[JobContext, Database, dict[str, Any]], dict[str, Any]]
_KINDS: dict[str, tuple[JobFunction, Callable[[dict[str, Any]], dict[str, Any]]]] = {}


def start_param(params: dict[str, Any]) -> dt.date:
    """A job's `start` date, refused with a message when it is not YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(str(params.get("start", "")))
    except ValueError:
        raise ValueError(f"start {params.get('start')!r} is not a date; give YYYY-MM-DD") from None


def site_param(params: dict[str, Any]) -> str | None:
    """A job's optional `site` slug."""
    site = params.get("site")
    if site is not None and not isinstance(site, str):
        raise ValueError("site: give the site's slug as text")
    return site


def job_kind(name: str, check: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under a name, with a function that validates and normalises its parameters."""
    def register(function: JobFunction) -> JobFunction:
        _KINDS[name] = (function, check)
        return function
    return register


def kinds() -> list[str]:
    return sorted(_KINDS)


class InProcessRunner:
    """Runs jobs on a small thread pool inside the web process (the embedded default)."""

    def __init__(self, database: Database, workers: int = 1):
        self.database = database
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wfm-job")
        self.futures: dict[str, Future] = {}

    def enqueue(self, job_id: str) -> None:
        self.futures[job_id] = self.executor.submit(execute, self.database, job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job has finished (tests and the CLI use this instead of polling)."""
        future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)


# A job whose process died is started once more; one that dies again is marked failed, not tried forever.
MAX_ATTEMPTS = 2


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(database: Database, job_id: str, max_attempts: int = MAX_ATTEMPTS,
            overdue: tuple[type[BaseException], ...] = (), parts: Any = None) -> str | None:
    """Run a stored job here and store how it ended; the same code for the thread pool and Celery workers.
    `overdue` are the exceptions with which the runner interrupts a job past its time (Celery's soft limit).

    Returns the final status, or None when this call did not run it: the job was already finished, cancelled,
    or is being run by another live process (a duplicate delivery)."""
    me = worker_name()
    claimed = _claim(database, job_id, me, max_attempts)
    if claimed is None:
        return None
    kind, params = claimed
    function, _check = _KINDS[kind]
    try:
        result = function(JobContext(database, job_id, parts), database, params)
    except JobCancelled:
        return _close(database, job_id, me, "cancelled", message=N_("cancelled"))
    except JobOverdue as exc:
        return _close(database, job_id, me, "failed", error=str(exc))
    except overdue:
        with database.session() as session:
            message = overdue_message(session.get(models.Job, job_id))
        return _close(database, job_id, me, "failed", error=message)
    except ValueError as exc:
        return _close(database, job_id, me, "failed", error=str(exc))
    except Exception:
        log.exception("job %s (%s) failed", job_id, kind)
        return _close(database, job_id, me, "failed", error="internal error; the details are in the server log")
    return _close(database, job_id, me, "succeeded", result=result, message=N_("done"))


def _claim(database: Database, job_id: str, me: str, max_attempts: int) -> tuple[str, dict[str, Any]] | None:
    """Mark the job running for this process, unless it must not run (again) here."""
    with database.session() as session:
        # The row lock (PostgreSQL) makes two deliveries of one job claim it one after the other, not both.
        job = session.get(models.Job, job_id, with_for_update=True)
        if job is None or job.status in FINISHED:
            return None
        if job.status == "queued" and job.cancel_requested:
            _finish(job, "cancelled", message=N_("cancelled before it started"))
            return None
        if job.status == "running":
            if _alive_here(job.worker):
                return None  # a second delivery while the first still runs
            # The process that ran it died (a killed worker): the broker handed the job out again.
            if job.attempts >= max_attempts:
                _finish(job, "failed", error=f"the worker running this job stopped {job.attempts} times before "
                                             "it finished; nothing it computed was stored. Start it again.")
                return None
            if job.cancel_requested:
                _finish(job, "cancelled", message=N_("cancelled"))
                return None
        job.status, job.worker, job.attempts = "running", me, (job.attempts or 0) + 1
        job.started_at = job.started_at or utc_now()
        job.deadline_at = utc_now() + dt.timedelta(seconds=job_seconds(job.params))
        return job.kind, dict(job.params)


def _alive_here(worker: str | None) -> bool:
    """Whether `worker` (host:pid) is a live process on this host; a process elsewhere cannot be asked."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# A job may run this long beyond its own time limit (forecasting first, storing the result) before it is stopped.
JOB_TIME_MARGIN_S = 600.0
DEFAULT_JOB_SECONDS = 3600.0


def job_seconds(params: dict[str, Any]) -> float:
    """How long a job may run before it is stopped: its own time limit plus a margin (WFM_JOB_TIME_MARGIN
    seconds, default 600), else an hour."""
    limit = params.get("time_limit_s")
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0:
        return float(limit) + float(os.environ.get("WFM_JOB_TIME_MARGIN") or JOB_TIME_MARGIN_S)
    return DEFAULT_JOB_SECONDS


def _close(database: Database, job_id: str, me: str, status: str, **fields: Any) -> str | None:
    """Store how the job ended, unless it is no longer this process's to close (stopped as overdue, or run
    again elsewhere after this process was given up for dead)."""
    with database.session() as session:
        job = session.get(models.Job, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.worker != me:
            return None
        _finish(job, status, **fields)
        return status


def _finish(job: models.Job, status: str, result: dict | None = None, error: str | None = None,
            message: str | None = None) -> None:
    job.status, job.finished_at, job.active_key = status, utc_now(), None
    if status == "succeeded":
        job.progress = 1.0
    job.result, job.error = result, error
    if message is not None:
        job.message, job.message_template, job.message_params = message, message, None


def active_key(kind: str, params: dict[str, Any]) -> str:
    """The same kind with the same parameters is the same job."""
    canonical = json.dumps({"kind": kind, "params": params}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(runner: Any, kind: str, params: dict[str, Any], created_by: str) -> models.Job:
    """Validate the parameters, store the job as queued and hand it to the runner. The same job (kind and
    parameters) submitted again while it is queued or running is not run twice: the one already there is
    returned."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}; use one of {', '.join(kinds())}")
    _function, check = _KINDS[kind]
    params = check(params)
    key = active_key(kind, params)
    try:
        with runner.database.session() as session:
            job = models.Job(id=str(uuid.uuid4()), kind=kind, status="queued", params=params, created_by=created_by,
                             progress=0.0, message=N_("queued"), message_template=N_("queued"), active_key=key)
            session.add(job)
    except IntegrityError:
        with runner.database.session() as session:
            existing = session.scalars(select(models.Job).where(models.Job.active_key == key)).first()
        if existing is not None:
            return existing
        raise  # the twin finished between the insert and the look-up: a rare race, the caller may retry
    runner.enqueue(job.id)
    return job


def request_cancel(database: Database, job_id: str) -> models.Job | None:
    """Ask a job to stop; a queued job stops at once, a running one at its next progress report."""
    with database.session() as session:
        job = session.get(models.Job, job_id)
        if job is None:
            return None
        if job.status in ACTIVE:
            job.cancel_requested = True
            if job.status == "queued":
                _finish(job, "cancelled", message=N_("cancelled before it started"))
        return job


def overdue_message(job: models.Job) -> str:
    return (f"stopped: it ran past its time limit of {job_seconds(job.params):,.0f} s; give it a longer time "
            "limit or a smaller problem")


def fail_overdue(database: Database) -> int:
    """Running jobs past their deadline are marked failed: their process hangs or was stopped by its time limit
    (a worker killed at its hard limit cannot say so itself). Called wherever job states are read."""
    with database.session() as session:
        rows = session.scalars(select(models.Job).where(models.Job.status == "running",
                                                        models.Job.deadline_at < utc_now())).all()
        for job in rows:
            _finish(job, "failed", error=overdue_message(job))
        return len(rows)


def fail_orphans(database: Database) -> int:
    """Jobs left queued or running by a process that stopped are marked failed, so nobody waits forever."""
    with database.session() as session:
        orphans = session.scalars(select(models.Job.id).where(models.Job.status.in_(ACTIVE))).all()
        if orphans:
            session.execute(update(models.Job).where(models.Job.id.in_(orphans)).values(
                status="failed", finished_at=utc_now(), active_key=None,
                error="the server stopped while this job was waiting or running; start it again"))
        return len(orphans)


def init_app(app: Flask) -> None:
    """Jobs go to Celery workers when a broker is configured (WFM_BROKER_URL), else to the in-process pool."""
    database = app.extensions["wfm_db"]
    if app.config.get("BROKER_URL"):
        from web.celery_app import CeleryRunner

        app.extensions["wfm_jobs"] = CeleryRunner(database, app.config["BROKER_URL"],
                                                  app.config.get("RESULT_BACKEND"))
    else:
        app.extensions["wfm_jobs"] = InProcessRunner(database, workers=app.config.get("JOB_WORKERS", 1))


def N_(text: str) -> str:
    """Marks a job message for the translation catalogue; it is translated when somebody reads it."""
    return text


def job_message(job: models.Job) -> str:
    """The job's progress message in the current request's language (numbers formatted for it too)."""
    if not job.message_template or not has_request_context():
        return job.message
    params = {key: _localized(key, value) for key, value in (job.message_params or {}).items()}
    try:
        return gettext(job.message_template) % params
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder must not break the page
        return job.message


def _english(key: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:.1%}" if key.endswith("_share") else f"{value:,.0f}"


def _localized(key: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if key.endswith("_share"):
        # The locale's own percent pattern ("2,8 %" in German, "2.8%" in English) with one decimal.
        return format_percent(value, get_locale().percent_formats[None].pattern.replace("#,##0", "#,##0.0"))
    return format_decimal(value, "#,##0") if isinstance(value, float) else format_number(value)


def job_json(job: models.Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": job.status, "progress": round(job.progress, 4),
            "message": job.message, "message_local": job_message(job), "params": job.params, "result": job.result,
            "error": job.error,
            "created_by": job.created_by, "created_at": job.created_at.isoformat() if job.created_at else None,
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
