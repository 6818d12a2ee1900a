"""The roster API's blueprint and what its modules share: JSON errors with details, who sees which site, roster
version and agent, and the JSON shapes of shifts and violations."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES

from scheduler.checker import Violation
from scheduler.messages import params_json
from scheduler.roster import Shift
from web import models
from web.access import MANAGERS, own_agent, visible_teams
from web.repository import NotFound, find_site
from web.roster_store import OVERRIDABLE_HARD_RULES, PUBLISHED, shift_of

bp = Blueprint("api_rosters", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """An error answer in the API's format {"error", "message"} plus details (problems, violations, ...)."""

    def __init__(self, status: int, message: str, /, **details: Any):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = jsonify(error=HTTP_STATUS_CODES.get(exc.status, "Error"), message=exc.message, **exc.details)
    response.status_code = exc.status
    return response


def fail(status: int, message: str, /, **details: Any) -> NoReturn:
    raise ApiError(status, message, **details)


# --- request input ---------------------------------------------------------------------------------------------

def json_body(optional: bool = False) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and optional and not request.get_data():
        return {}
    if not isinstance(body, dict):
        fail(400, "send a JSON object in the request body (Content-Type: application/json)")
    return body


def date_value(text: Any, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        fail(400, f"{name} {text!r} is not a date; give YYYY-MM-DD")


def time_value(text: Any, name: str) -> dt.time:
    try:
        if isinstance(text, str) and len(text) == 5:
            return dt.time.fromisoformat(text)
    except ValueError:
        pass
    fail(400, f"{name} {text!r} is not a time; give HH:MM in the site's local time, e.g. \"08:00\"")


def int_value(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(400, f"{name} {value!r}: give a whole number from {low} to {high}")
    return value


# --- who sees what ---------------------------------------------------------------------------------------------

def is_manager() -> bool:
    return current_user.role in MANAGERS


def current_site(session: Session) -> models.Site:
    """The site a request is about: an agent's own, a user's assigned one, else ?site=SLUG or the first site."""
    slug = request.args.get("site") or None
    if current_user.role == "agent":
        site = session.get(models.Site, own_agent(session, current_user).site_id)
    elif current_user.site_id is not None:
        site = session.get(models.Site, current_user.site_id)
    else:
        return find_site(session, slug)
    if slug is not None and site.slug != slug:
        raise NotFound(f"no site {slug!r}")
    return site


def may_see_site(session: Session, site_id: int) -> bool:
    if current_user.role == "agent":
        return own_agent(session, current_user).site_id == site_id
    return current_user.site_id is None or current_user.site_id == site_id


def visible_version(session: Session, version_id: int) -> models.RosterVersion:
    """The roster version if the user may see it; 404 otherwise, so agents never learn of unpublished ones."""
    version = session.get(models.RosterVersion, version_id)
    if version is None or not may_see_site(session, version.site_id) or \
            (not is_manager() and version.status != PUBLISHED):
        fail(404, f"no roster {version_id}; list the rosters you may see with GET /api/v1/rosters?week=YYYY-MM-DD")
    return version


def site_agents(session: Session, site_id: int) -> dict[str, models.Agent]:
    rows = session.scalars(select(models.Agent).where(models.Agent.site_id == site_id))
    return {row.agent_id: row for row in rows}


def agent_visible(session: Session, agent: models.Agent) -> bool:
    """Managers see their site's agents (a lead those of their teams), an agent only themselves."""
    if not may_see_site(session, agent.site_id):
        return False
    if current_user.role == "agent":
        return agent.id == current_user.agent_pk
    teams = visible_teams(current_user)
    return teams is None or agent.team in teams


# --- JSON shapes -----------------------------------------------------------------------------------------------

def agent_json(agent: models.Agent) -> dict[str, Any]:
    return {"agent_id": agent.agent_id, "name": agent.name, "team": agent.team, "skills": list(agent.skills),
            "weekly_hours": agent.weekly_hours, "max_days_per_week": agent.max_days_per_week,
            "active": agent.active, "details": dict(agent.details or {})}


def shift_json(shift: Shift, zone: ZoneInfo, name: str | None = None, full: bool = True) -> dict[str, Any]:
    """A shift in the site's local time; `full` adds the segments (work and breaks), else only start and end."""
    out: dict[str, Any] = {"agent_id": shift.agent_id, "name": name, "date": shift.date.isoformat(),
                           "start": shift.start.astimezone(zone).isoformat(),
                           "end": shift.end.astimezone(zone).isoformat()}
    if full:
        out["work_minutes"] = shift.work_minutes
        out["segments"] = [{"start": s.start.astimezone(zone).isoformat(), "end": s.end.astimezone(zone).isoformat(),
                            "activity": s.activity} for s in shift.segments]
    return out


def current_shift_json(version: models.RosterVersion, agent_id: str, day: dt.date,
                       zone: ZoneInfo) -> dict[str, Any] | None:
    row = next((r for r in version.shifts if r.agent_id == agent_id and r.date == day), None)
    return None if row is None else shift_json(shift_of(row), zone)


def violation_json(violation: Violation) -> dict[str, Any]:
    return {"agent_id": violation.agent_id, "date": violation.date.isoformat() if violation.date else None,
            "rule": violation.rule, "hard": violation.hard,
            "overridable": not violation.hard or violation.rule in OVERRIDABLE_HARD_RULES,
            "message": violation.message, "template": violation.template,
            "params": params_json(violation.params)}


def version_json(version: models.RosterVersion, site: models.Site, *, with_summary: bool = True) -> dict[str, Any]:
    out = {"id": version.id, "site": site.slug, "week_start": version.week_start.isoformat(), "days": version.days,
           "number": version.number, "status": version.status, "lock_version": version.lock_version,
           "based_on": version.based_on, "forecast_run": version.forecast_run,
           "created_by": version.created_by, "created_at": _iso(version.created_at),
           "approved_by": version.approved_by, "approved_at": _iso(version.approved_at),
           "published_by": version.published_by, "published_at": _iso(version.published_at)}
    if with_summary:
        out["summary"] = dict(version.summary or {})
    return out


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
