"""API routes for stored rosters: versions of a week, their shifts (as far as the user may see them), the roster
checker's findings, coverage against the forecast, and the way from draft to published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.evaluate import evaluate
from scheduler.staffing import staff
from web import api_edits, api_imports, api_people, api_time_off, models  # noqa: F401 (their routes join the blueprint)
from web.access import own_agent, visible_teams
from web.api_support import (
    bp,
    current_site,
    date_value,
    fail,
    int_value,
    is_manager,
    json_body,
    shift_json,
    site_agents,
    version_json,
    violation_json,
    visible_version,
)
from web.auth import roles_required
from web.db import db_session
from web.forecasting import forecast_values
from web.repository import site_config
from web.roster_store import (
    PUBLISHED,
    PublishRefused,
    RosterStateError,
    approve,
    check_version,
    copy_as_draft,
    publish,
    reject,
    roster_of,
    shift_of,
    submit_for_approval,
)
from web.rostering import stored_agents

__all__ = ["bp"]
MAX_ROSTER_DAYS = 28  # the longest period a roster job plans


@bp.get("/rosters")
@login_required
def list_rosters():
    session = db_session()
    site = current_site(session)
    v = models.RosterVersion
    query = select(v).where(v.site_id == site.id).order_by(v.week_start.desc(), v.number.desc())
    if not is_manager():
        query = query.where(v.status == PUBLISHED)
    if "week" in request.args:
        day = date_value(request.args["week"], "week")
        query = query.where(v.week_start <= day, v.week_start > day - dt.timedelta(days=MAX_ROSTER_DAYS))
        versions = [r for r in session.scalars(query) if day < r.week_start + dt.timedelta(days=r.days)]
    else:
        versions = list(session.scalars(query.limit(100)))
    return jsonify(site=site.slug, rosters=[version_json(r, site, with_summary=is_manager()) for r in versions])


@bp.get("/rosters/<int:version_id>")
@login_required
def get_roster(version_id: int):
    session = db_session()
    version = visible_version(session, version_id)
    site = session.get(models.Site, version.site_id)
    zone = ZoneInfo(site.timezone)
    agents = site_agents(session, site.id)
    shifts = []
    if current_user.role == "agent":
        me = own_agent(session, current_user)
        for row in version.shifts:  # their own shifts in full, their team mates' start and end only
            agent = agents.get(row.agent_id)
            if row.agent_id == me.agent_id or (agent is not None and agent.team == me.team):
                shifts.append(shift_json(shift_of(row), zone, agent.name if agent else None,
                                         full=row.agent_id == me.agent_id))
    else:
        teams = visible_teams(current_user)
        for row in version.shifts:
            agent = agents.get(row.agent_id)
            if teams is None or (agent is not None and agent.team in teams):
                shifts.append(shift_json(shift_of(row), zone, agent.name if agent else None))
    return jsonify(roster=version_json(version, site, with_summary=is_manager()), shifts=shifts)


@bp.get("/rosters/<int:version_id>/check")
@roles_required("lead", "planner", "council")
def check_roster(version_id: int):
    session = db_session()
    version = visible_version(session, version_id)
    teams = visible_teams(current_user)
    agents = site_agents(session, version.site_id)
    violations = [v for v in check_version(session, version)
                  if teams is None or v.agent_id is None or (v.agent_id in agents and agents[v.agent_id].team in teams)]
    return jsonify(roster_id=version.id, lock_version=version.lock_version,
                   hard=sum(v.hard for v in violations), violations=[violation_json(v) for v in violations])


@bp.get("/rosters/<int:version_id>/coverage")
@roles_required("lead", "planner", "council")
def coverage(version_id: int):
    session = db_session()
    version = visible_version(session, version_id)
    run_id = version.forecast_run
    if "forecast_run" in request.args:
        run_id = int_value(request.args["forecast_run"], "forecast_run", 1, 2**31 - 1)
    if run_id is None:
        fail(400, f"roster {version.id} was saved without a forecast; give ?forecast_run=ID to compare it with one")
    run = session.get(models.ForecastRun, run_id)
    if run is None or run.site_id != version.site_id:
        fail(404, f"no forecast {run_id} of this roster's site; list them with GET /api/v1/forecasts")
    site_row = session.get(models.Site, version.site_id)
    site = site_config(site_row)
    frame = forecast_values(session, run_id)
    local = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    end = version.week_start + dt.timedelta(days=version.days)
    frame = frame[(local >= version.week_start) & (local < end)].reset_index(drop=True)
    if frame.empty:
        fail(400, f"forecast {run_id} has no values for {version.week_start} to {end - dt.timedelta(days=1)}; "
                  "give ?forecast_run=ID of a forecast that covers the roster's days")
    try:
        result = evaluate(roster_of(version), staff(frame, site),
                          site, {a.agent_id: a for a in stored_agents(session, version.site_id)})
    except ValueError as exc:
        fail(400, str(exc))
    intervals = result.intervals
    return jsonify(
        roster_id=version.id, forecast_run=run_id, paid_hours=result.paid_hours, cost_eur=_num(result.cost_eur),
        short_agent_intervals=result.short_agent_intervals,
        intervals=[{"queue": q, "interval_start": t.isoformat(), "offered": _num(o), "required": _num(r),
                    "scheduled": _num(s), "short": _num(sh), "projected_service_level": _num(sl),
                    "projected_asa_s": _num(asa), "projected_abandon_rate": _num(ab)}
                   for q, t, o, r, s, sh, sl, asa, ab in zip(
                       intervals["queue"], intervals["interval_start"], intervals["offered"],
                       intervals["agents_required"], intervals["scheduled"], intervals["short"],
                       intervals["projected_service_level"], intervals["projected_asa_s"],
                       intervals["projected_abandon_rate"], strict=True)],
        days=[{"queue": r.queue, "date": r.date.isoformat(), "offered": _num(r.offered),
               "service_level": _num(r.service_level), "short_agent_intervals": _num(r.short_agent_intervals)}
              for r in result.days.itertuples(index=False)])


def _num(value: Any) -> float | None:
    """JSON has no NaN or infinity: an undefined figure (no contacts, an unstable queue) is null."""
    if value is None:
        return None
    value = float(value)
    return None if value != value or value in (float("inf"), float("-inf")) else value


# --- from draft to published -----------------------------------------------------------------------------------

def _transition(version_id: int, action: Callable[[Session, models.RosterVersion, dict], Any]):
    session = db_session()
    version = visible_version(session, version_id)
    body = json_body(optional=True)
    if body.get("lock_version") is not None:
        expected = int_value(body["lock_version"], "lock_version", 1, 2**31 - 1)
        if expected != version.lock_version:
            fail(409, f"roster {version.id} was changed by someone else (now at edit {version.lock_version}, you had "
                      f"{expected}); reload it and try again", lock_version=version.lock_version,
                 status=version.status)
    try:
        extra = action(session, version, body) or {}
    except PublishRefused as exc:
        fail(422, str(exc), violations=[violation_json(v) for v in exc.violations])
    except RosterStateError as exc:
        fail(409, str(exc), lock_version=version.lock_version, status=version.status)
    session.commit()
    site = session.get(models.Site, version.site_id)
    return jsonify(roster=version_json(version, site), **extra)


@bp.post("/rosters/<int:version_id>/submit")
@roles_required("lead")
def submit_roster(version_id: int):
    return _transition(version_id, lambda s, v, _b: submit_for_approval(s, v, current_user.username))


@bp.post("/rosters/<int:version_id>/approve")
@roles_required("council")
def approve_roster(version_id: int):
    return _transition(version_id, lambda s, v, _b: approve(s, v, current_user.username))


@bp.post("/rosters/<int:version_id>/reject")
@roles_required("council")
def reject_roster(version_id: int):
    def send_back(session: Session, version: models.RosterVersion, body: dict) -> None:
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            fail(400, "reason: say in a sentence what must change before the roster can be approved")
        reject(session, version, current_user.username, reason.strip())
    return _transition(version_id, send_back)


@bp.post("/rosters/<int:version_id>/publish")
@roles_required("lead")
def publish_roster(version_id: int):
    def make_public(session: Session, version: models.RosterVersion, _body: dict) -> dict:
        remaining = publish(session, version, current_user.username)
        return {"violations": [violation_json(v) for v in remaining]}
    return _transition(version_id, make_public)


@bp.post("/rosters/<int:version_id>/copy")
@roles_required("lead")
def copy_roster(version_id: int):
    session = db_session()
    version = visible_version(session, version_id)
    draft = copy_as_draft(session, version, current_user.username)
    session.commit()
    response = jsonify(roster=version_json(draft, session.get(models.Site, draft.site_id)))
    response.status_code = 201
    response.headers["Location"] = url_for("api_rosters.get_roster", version_id=draft.id)
    return response
