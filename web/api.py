"""The JSON API (/api/v1) and the health endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from forecasts.forecast_csv import forecast_csv_text
from forecasts.overrides import Override
from web import audit, jobs, models
from web.access import may_see_job
from web.api_openapi import document
from web.api_support import may_see_site
from web.auth import roles_required
from web.db import db_session, get_db
from web.forecasting import add_override, forecast_values
from web.jobs import site_param
from web.repository import find_site, history_stats

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def healthz():
    try:
        get_db().ping()
    except SQLAlchemyError:
        return jsonify(status="unavailable", message="the database cannot be reached"), 503
    return jsonify(status="ok")


@bp.get("/sites")
@login_required
def sites():
    session = db_session()
    rows = session.scalars(select(models.Site).order_by(models.Site.id))
    return jsonify(sites=[_site_json(row) for row in rows])


@bp.get("/sites/<slug>")
@login_required
def site(slug: str):
    session = db_session()
    row = find_site(session, slug)
    agents = session.scalar(select(func.count()).select_from(models.Agent).where(models.Agent.site_id == row.id))
    return jsonify(site=_site_json(row), history=[
        {**s, "first": s["first"].isoformat(), "last": s["last"].isoformat()} for s in history_stats(session, row.id)
    ], agents=agents)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="send a JSON object in the request body (Content-Type: application/json)")
    return body


@bp.post("/jobs")
@roles_required("lead", "planner")
def create_job():
    body = _json_body()
    params = body.get("params", {})
    if not isinstance(params, dict):
        abort(400, description="params must be a JSON object")
    try:
        job = jobs.submit(current_app.extensions["wfm_jobs"], str(body.get("kind", "")),
                          {**params, "created_by": current_user.username}, current_user.username)
    except ValueError as exc:
        abort(400, description=str(exc))
    response = jsonify(jobs.job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.get("/jobs/<job_id>")
@login_required
def get_job(job_id: str):
    return jsonify(jobs.job_json(_visible_job(job_id)))


def _visible_job(job_id: str) -> models.Job:
    """The job if this user may see it; 404 otherwise, so nobody learns which other jobs exist."""
    jobs.fail_overdue(get_db())  # a job past its deadline is shown failed, not running forever
    session = db_session()
    job = session.get(models.Job, job_id)
    if job is None or not may_see_job(session, current_user, job):
        abort(404, description=f"no job {job_id}")
    return job


@bp.delete("/jobs/<job_id>")
@roles_required("lead", "planner")
def cancel_job(job_id: str):
    _visible_job(job_id)
    job = jobs.request_cancel(get_db(), job_id)
    if job is None:
        abort(404, description=f"no job {job_id}")
    response = jsonify(jobs.job_json(job))
    response.status_code = 202
    return response


@bp.get("/forecasts")
@roles_required("lead", "planner")
def list_forecasts():
    query = select(models.ForecastRun).order_by(models.ForecastRun.id.desc()).limit(50)
    if current_user.site_id is not None:  # a user of one site sees that site's forecasts only
        query = query.where(models.ForecastRun.site_id == current_user.site_id)
    runs = db_session().scalars(query)
    return jsonify(forecasts=[_run_json(run) for run in runs])


@bp.get("/forecasts/<int:run_id>")
@roles_required("lead", "planner")
def get_forecast(run_id: int):
    session = db_session()
    run = session.get(models.ForecastRun, run_id)
    if run is None or not may_see_site(session, run.site_id):
        abort(404, description=f"no forecast {run_id}")
    frame = forecast_values(session, run_id, request.args.get("queue"))
    if request.args.get("format") == "csv":
        return Response(forecast_csv_text(frame), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=forecast-{run_id}.csv"})
    values = [{"queue": q, "interval_start": t.isoformat(), "offered": o, "aht_s": None if a != a else a,
               "offered_p10": lo, "offered_p90": hi}
              for q, t, o, a, lo, hi in frame.itertuples(index=False, name=None)]
    return jsonify(forecast=_run_json(run), values=values)


@bp.get("/overrides")
@roles_required("lead", "planner")
def list_overrides():
    query = select(models.ForecastOverride).order_by(models.ForecastOverride.id)
    if current_user.site_id is not None:
        query = query.where(models.ForecastOverride.site_id == current_user.site_id)
    rows = db_session().scalars(query)
    return jsonify(overrides=[_override_json(r) for r in rows])


@bp.post("/overrides")
@roles_required("planner", "lead")
def create_override():
    body = _json_body()
    try:
        override = Override(queue=str(body.get("queue", "")), start=dt.date.fromisoformat(str(body.get("start"))),
                            end=dt.date.fromisoformat(str(body.get("end"))), percent=float(body.get("percent")),
                            reason=str(body.get("reason", "")), created_by=current_user.username)
    except (TypeError, ValueError):
        abort(400, description="give queue, start and end (YYYY-MM-DD), percent (a number) and a reason")
    session = db_session()
    try:
        slug = site_param(body) or (session.get(models.Site, current_user.site_id).slug
                                    if current_user.site_id is not None else None)
        if not may_see_site(session, find_site(session, slug).id):
            abort(404, description=f"no site {slug!r} among yours; leave site out for your own")
        row = add_override(session, slug, override)
    except ValueError as exc:
        abort(400, description=str(exc))
    audit.record_forecast_override(session, row, "forecast_override_add", current_user.username)
    session.commit()
    response = jsonify(_override_json(row))
    response.status_code = 201
    return response


@bp.delete("/overrides/<int:override_id>")
@roles_required("planner", "lead")
def delete_override(override_id: int):
    session = db_session()
    row = session.get(models.ForecastOverride, override_id)
    if row is None or not may_see_site(session, row.site_id):
        abort(404, description=f"no override {override_id}")
    audit.record_forecast_override(session, row, "forecast_override_delete", current_user.username)
    session.delete(row)
    session.commit()
    return "", 204


def _run_json(run: models.ForecastRun) -> dict[str, Any]:
    return {"id": run.id, "start": run.start_date.isoformat(), "days": run.days, "method": run.method,
            "details": run.details, "created_by": run.created_by, "created_at": run.created_at.isoformat()}


def _override_json(row: models.ForecastOverride) -> dict[str, Any]:
    return {"id": row.id, "queue": row.queue, "start": row.start_date.isoformat(), "end": row.end_date.isoformat(),
            "percent": row.percent, "reason": row.reason, "created_by": row.created_by,
            "created_at": row.created_at.isoformat()}


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


def _site_json(row: models.Site) -> dict:
    return {"slug": row.slug, "name": row.name, "timezone": row.timezone,
            "queues": [{"name": q.name, "channel": q.channel, **q.settings} for q in row.queues]}
