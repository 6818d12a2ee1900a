"""API routes that change one agent's day in a draft roster: set a shift (or try it with ?dry_run=1) or give the
day off, checked by the roster checker and guarded by the version's lock_version."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request
from flask_login import current_user

from scheduler.roster import Shift
from scheduler.shift_edit import ShiftInputError, build_shift
from web import models
from web.access import may_edit_agent
from web.api_support import (
    bp,
    current_shift_json,
    date_value,
    fail,
    int_value,
    json_body,
    shift_json,
    site_agents,
    time_value,
    violation_json,
    visible_version,
)
from web.auth import roles_required
from web.db import db_session
from web.repository import site_config
from web.roster_store import (
    EDITABLE,
    RosterStateError,
    ShiftRefused,
    StaleVersion,
    changes_since,
    check_edit,
    edit_shift,
)

SHIFT_PATH = "/rosters/<int:version_id>/shifts/<agent_id>/<day>"


@bp.put(SHIFT_PATH)
@roles_required("lead")
def put_shift(version_id: int, agent_id: str, day: str):
    return _edit(version_id, agent_id, day, json_body())


@bp.delete(SHIFT_PATH)
@roles_required("lead")
def delete_shift(version_id: int, agent_id: str, day: str):
    return _edit(version_id, agent_id, day, {**request.args.to_dict(), **json_body(optional=True)}, day_off=True)


def _edit(version_id: int, agent_id: str, day_text: str, body: dict[str, Any], day_off: bool = False):
    session = db_session()
    version = visible_version(session, version_id)
    site_row = session.get(models.Site, version.site_id)
    zone = ZoneInfo(site_row.timezone)
    day = date_value(day_text, "date")
    agent = site_agents(session, site_row.id).get(agent_id)
    if agent is None:
        fail(404, f"no agent {agent_id!r} at site {site_row.slug}; list them with GET /api/v1/agents")
    if not may_edit_agent(current_user, agent):
        fail(403, f"agent {agent_id} is in team {agent.team}, which you do not lead; ask that team's lead")
    if "lock_version" not in body:
        fail(400, "lock_version: give the lock_version of the roster you loaded (GET /api/v1/rosters/ID), so "
                  "nobody's change is lost")
    expected = int_value(body["lock_version"], "lock_version", 1, 2**31 - 1)
    if version.status not in EDITABLE:
        fail(409, f"roster {version.id} is {version.status.replace('_', ' ')}; make a new draft from it "
                  f"(POST /api/v1/rosters/{version.id}/copy) and change that", lock_version=version.lock_version,
             status=version.status)
    if expected != version.lock_version:
        _stale(version, agent_id, day, zone, expected)
    last = version.week_start + dt.timedelta(days=version.days - 1)
    if not version.week_start <= day <= last:
        fail(400, f"date {day} is outside the roster's days {version.week_start} to {last}")
    shift = None if day_off else _shift(body, agent_id, day, site_row)
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        fail(400, "reason: give the reason as text")
    if request.args.get("dry_run") in ("1", "true"):
        check = check_edit(session, version, agent_id, day, shift)
        return jsonify(dry_run=True, saved=False, lock_version=version.lock_version,
                       allowed=not check.blocking and (not check.overridable or bool(reason.strip())),
                       needs_reason=bool(check.overridable) and not check.blocking,
                       blocking=[violation_json(v) for v in check.blocking],
                       overridable=[violation_json(v) for v in check.overridable],
                       shift=None if shift is None else shift_json(shift, zone, agent.name))
    try:
        result = edit_shift(session, version, agent_id, day, shift, user=current_user.username, reason=reason,
                            expected_lock=expected)
    except ShiftRefused as exc:
        needs_reason = not exc.check.blocking
        hint = "; send the edit again with a \"reason\" to override" if needs_reason else ""
        fail(422, f"{exc}{hint}", needs_reason=needs_reason,
             violations=[violation_json(v) for v in exc.check.blocking + exc.check.overridable])
    except StaleVersion:
        _stale(version, agent_id, day, zone, expected)
    except RosterStateError as exc:
        fail(409, str(exc), lock_version=version.lock_version, status=version.status)
    session.commit()
    return jsonify(roster_id=version.id, lock_version=version.lock_version, saved=True,
                   shift=None if shift is None else shift_json(shift, zone, agent.name),
                   overridden=[violation_json(v) for v in result.overridable])


def _stale(version: models.RosterVersion, agent_id: str, day: dt.date, zone: ZoneInfo, expected: int) -> None:
    changes = [{"at": c.created_at.isoformat(), "user": c.created_by, "action": c.action, "agent_id": c.agent_id,
                "date": c.date.isoformat() if c.date else None, "before": c.before, "after": c.after,
                "reason": c.reason} for c in changes_since(db_session(), version, expected)]
    fail(409, f"roster {version.id} was changed by someone else (now at edit {version.lock_version}, you had "
              f"{expected}); changes_since lists what changed, current_shift shows {agent_id}'s shift on {day} as "
              "it is now; reload and apply your change again", lock_version=version.lock_version,
         current_shift=current_shift_json(version, agent_id, day, zone), changes_since=changes)


def _shift(body: dict[str, Any], agent_id: str, day: dt.date, site_row: models.Site) -> Shift:
    site = site_config(site_row)
    activity = body.get("activity")
    if activity not in site.queue_names:
        fail(400, f"activity {activity!r}: give the queue the agent works on, one of {', '.join(site.queue_names)}")
    breaks = body.get("breaks", [])
    if not isinstance(breaks, list) or not all(isinstance(b, list) and len(b) == 2 for b in breaks):
        fail(400, "breaks: give a list of [start, end] pairs in HH:MM, e.g. [[\"12:00\", \"12:30\"]]")
    try:
        return build_shift(agent_id, day, time_value(body.get("start"), "start"), time_value(body.get("end"), "end"),
                           activity, [(time_value(a, "break start"), time_value(b, "break end")) for a, b in breaks],
                           site.timezone)
    except ShiftInputError as exc:
        fail(400, str(exc))
