"""API routes for data in and numbers out: file imports (site, history, events, agents, absences) and the
staffing requirements of a stored forecast."""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import IO, Any

from flask import jsonify, request
from sqlalchemy.orm import Session

from forecasts.errors import DataFileError
from forecasts.site import SiteConfigError
from scheduler.staffing import REQUIREMENT_COLUMNS, staff
from web import imports, models
from web.api_support import bp, current_site, date_value, fail, int_value, may_see_site
from web.auth import roles_required
from web.db import db_session
from web.forecasting import forecast_values
from web.repository import NotFound, site_config

IMPORT_KINDS = ("site", "history", "events", "agents", "absences")
_SERVICES = {"history": imports.import_history, "events": imports.import_events, "agents": imports.import_agents,
             "absences": imports.import_absences}


@bp.post("/imports/<kind>")
@roles_required("lead")
def import_file(kind: str):
    if kind not in IMPORT_KINDS:
        fail(404, f"no import kind {kind!r}; use one of {', '.join(IMPORT_KINDS)}")
    source, name = _upload(kind)
    session = db_session()
    try:
        result = _store(session, kind, source, name)
        session.commit()
    except (DataFileError, SiteConfigError) as exc:
        session.rollback()
        if isinstance(exc, SiteConfigError):
            problems = [f"{exc.source}: {p}" for p in exc.problems]
        else:
            problems = [str(p) for p in exc.problems]
        fail(400, f"{name} was refused and nothing of it was stored; fix the problems listed and send it again",
             problems=problems)
    except NotFound as exc:
        session.rollback()
        fail(400, str(exc), problems=[str(exc)])
    return jsonify(result)


def _upload(kind: str) -> tuple[IO[bytes], str]:
    """The file of the request: multipart field "file", or the raw body (named by ?name=)."""
    default = "site.toml" if kind == "site" else f"{kind}.csv"
    if request.mimetype == "multipart/form-data":
        storage = request.files.get("file")
        if storage is None:
            fail(400, "send the file in the multipart form field 'file', or as the raw request body")
        return storage.stream, storage.filename or default
    data = request.get_data()
    if not data:
        fail(400, f"the request has no file; send {default} as the raw body (Content-Type: text/csv, or "
                  "application/toml for the site) or in the multipart form field 'file'")
    return io.BytesIO(data), request.args.get("name") or default


def _store(session: Session, kind: str, source: IO[bytes], name: str) -> dict[str, Any]:
    if kind == "site":
        site = imports.import_site(session, source, name=name)
        queues = [q.name for q in site.queues]
        return {"kind": "site", "file": name, "site": site.slug, "queues": queues,
                "message": f"imported site {site.name} ({site.slug}) with queues {', '.join(queues)}"}
    summary = _SERVICES[kind](session, current_site(session).slug, source, name=name)
    return {"kind": summary.kind, "file": summary.file, "rows": summary.rows, "detail": summary.detail,
            "message": str(summary)}


@bp.get("/staffing")
@roles_required("lead", "planner")
def staffing():
    session = db_session()
    if "forecast_run" not in request.args:
        fail(400, "give ?forecast_run=ID (list the stored forecasts with GET /api/v1/forecasts)")
    run_id = int_value(request.args["forecast_run"], "forecast_run", 1, 2**31 - 1)
    run = session.get(models.ForecastRun, run_id)
    if run is None or not may_see_site(session, run.site_id):
        fail(404, f"no forecast {run_id}; list the stored forecasts with GET /api/v1/forecasts")
    site_row = session.get(models.Site, run.site_id)
    site = site_config(site_row)
    queue = request.args.get("queue") or None
    if queue is not None and queue not in site.queue_names:
        fail(400, f"queue {queue!r} is not a queue of site {site_row.slug}; use one of {', '.join(site.queue_names)}")
    frame = forecast_values(session, run_id, queue)
    start, days = _period(run)
    local = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    frame = frame[(local >= start) & (local < start + dt.timedelta(days=days))].reset_index(drop=True)
    try:
        requirements = staff(frame, site)
    except ValueError as exc:
        fail(400, str(exc))
    return jsonify(forecast_run=run_id, site=site_row.slug, start=start.isoformat(), days=days,
                   requirements=[_requirement(row) for row in requirements.itertuples(index=False)])


def _period(run: models.ForecastRun) -> tuple[dt.date, int]:
    """The days asked for (?start=, ?days=; by default from the run's first day to its last)."""
    start = date_value(request.args["start"], "start") if "start" in request.args else run.start_date
    end = run.start_date + dt.timedelta(days=run.days)
    if not run.start_date <= start < end:
        fail(400, f"start {start} is outside forecast {run.id}, which covers {run.start_date} to "
                  f"{end - dt.timedelta(days=1)}")
    return start, int_value(request.args.get("days", (end - start).days), "days", 1, (end - start).days)


def _requirement(row: tuple) -> dict[str, Any]:
    out = dict(zip(REQUIREMENT_COLUMNS, row, strict=True))
    out["interval_start"] = out["interval_start"].isoformat()
    return {k: _number(v) if k not in ("queue", "interval_start") else v for k, v in out.items()}


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value
