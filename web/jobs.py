"""Background jobs: rows in the job table with status and progress, run by an in-process thread pool."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, has_request_context
from flask_babel import format_decimal, format_number, format_percent, get_locale, gettext
from sqlalchemy import select, update

from web import models
from web.db import Database
from web.models import utc_now

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a job when somebody asked to stop it."""


class JobContext:
    """What a running job may do: report progress (which is also where a cancel request is noticed)."""

    def __init__(self, database: Database, job_id: str):
        self.database, self.job_id = database, job_id

    def progress(self, fraction: float, message: str = "", **params: Any) -> None:
        """Store how far the job is. `message` is an English msgid (marked with N_ for the catalogue) with
        %(name)s placeholders filled from `params`: readers see it in their own language (job_message)."""
        with self.database.session() as session:
            job = session.get(models.Job, self.job_id)
            if job.cancel_requested:
                raise JobCancelled()
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
        self.futures[job_id] = self.executor.submit(self._run, job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job has finished (tests and the CLI use this instead of polling)."""
        future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def _run(self, job_id: str) -> None:
        with self.database.session() as session:
            job = session.get(models.Job, job_id)
            if job is None or job.status != "queued":
                return
            if job.cancel_requested:
                _finish(job, "cancelled", message=N_("cancelled before it started"))
                return
            job.status, job.started_at = "running", utc_now()
            kind, params = job.kind, dict(job.params)
        function, _check = _KINDS[kind]
        try:
            result = function(JobContext(self.database, job_id), self.database, params)
        except JobCancelled:
            self._close(job_id, "cancelled", message=N_("cancelled"))
        except ValueError as exc:
            self._close(job_id, "failed", error=str(exc))
        except Exception:
            log.exception("job %s (%s) failed", job_id, kind)
            self._close(job_id, "failed", error="internal error; the details are in the server log")
        else:
            self._close(job_id, "succeeded", result=result, message=N_("done"))

    def _close(self, job_id: str, status: str, **fields: Any) -> None:
        with self.database.session() as session:
            _finish(session.get(models.Job, job_id), status, **fields)


def _finish(job: models.Job, status: str, result: dict | None = None, error: str | None = None,
            message: str | None = None) -> None:
    job.status, job.finished_at = status, utc_now()
    if status == "succeeded":
        job.progress = 1.0
    job.result, job.error = result, error
    if message is not None:
        job.message, job.message_template, job.message_params = message, message, None


def submit(runner: InProcessRunner, kind: str, params: dict[str, Any], created_by: str) -> models.Job:
    """Validate the parameters, store the job as queued and hand it to the runner."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}; use one of {', '.join(kinds())}")
    _function, check = _KINDS[kind]
    params = check(params)
    with runner.database.session() as session:
        job = models.Job(id=str(uuid.uuid4()), kind=kind, status="queued", params=params, created_by=created_by,
                         progress=0.0, message=N_("queued"), message_template=N_("queued"))
        session.add(job)
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


def fail_orphans(database: Database) -> int:
    """Jobs left queued or running by a process that stopped are marked failed, so nobody waits forever."""
    with database.session() as session:
        orphans = session.scalars(select(models.Job.id).where(models.Job.status.in_(ACTIVE))).all()
        if orphans:
            session.execute(update(models.Job).where(models.Job.id.in_(orphans)).values(
                status="failed", finished_at=utc_now(),
                error="the server stopped while this job was waiting or running; start it again"))
        return len(orphans)


def init_app(app: Flask) -> None:
    app.extensions["wfm_jobs"] = InProcessRunner(app.extensions["wfm_db"], workers=app.config.get("JOB_WORKERS", 1))


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
