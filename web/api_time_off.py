"""API routes of time off: an agent's own requests (ask, list, cancel) and the lead's queue and decisions."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user, login_required

from web import models
from web.access import own_agent, user_site
from web.api_support import bp, date_value, fail, json_body, time_value
from web.auth import roles_required
from web.db import db_session
from web.my_shifts import local_today
from web.repository import site_config
from web.time_off import Asked, cancel, decide_request, may_decide, own_requests, pending_for, submit

NOTE_LONGEST = 500


def request_json(row: models.TimeOffRequest) -> dict[str, Any]:
    return {"id": row.id, "agent_id": row.agent.agent_id, "name": row.agent.name, "team": row.agent.team,
            "first": row.start_date.isoformat(), "last": row.end_date.isoformat(),
            "from": row.start_time.isoformat("minutes") if row.start_time else None,
            "until": row.end_time.isoformat("minutes") if row.end_time else None,
            "kind": row.kind, "note": row.note, "status": row.status, "checks": row.checks or {},
            "decided_by": row.decided_by, "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "decision_note": row.decision_note, "created_at": row.created_at.isoformat()}


def _note(body: dict[str, Any], name: str) -> str:
    note = body.get(name, "")
    if not isinstance(note, str) or len(note) > NOTE_LONGEST:
        fail(400, f"{name}: give text of at most {NOTE_LONGEST} characters")
    return note


@bp.get("/me/time-off")
@login_required
def my_time_off():
    session = db_session()
    agent = own_agent(session, current_user)
    return jsonify(agent_id=agent.agent_id, requests=[request_json(r) for r in own_requests(session, agent)])


@bp.post("/me/time-off")
@login_required
def ask_time_off():
    session = db_session()
    agent = own_agent(session, current_user)
    body = json_body()
    first = date_value(body.get("first"), "first")
    last = date_value(body.get("last", body.get("first")), "last")
    start = time_value(body["from"], "from") if body.get("from") is not None else None
    end = time_value(body["until"], "until") if body.get("until") is not None else None
    kind = body.get("kind", "vacation")
    if kind not in ("vacation", "other"):
        fail(400, f"kind {kind!r}: give vacation or other")
    zone = site_config(session.get(models.Site, agent.site_id)).tz
    try:
        row = submit(session, agent, Asked(first, last, start, end, kind, _note(body, "note")), local_today(zone))
    except (ValueError, OverflowError) as exc:
        session.rollback()
        fail(400, str(exc))
    session.commit()
    return jsonify(request=request_json(row)), 201


@bp.post("/me/time-off/<int:request_id>/cancel")
@login_required
def cancel_time_off(request_id: int):
    session = db_session()
    agent = own_agent(session, current_user)
    row = session.get(models.TimeOffRequest, request_id)
    if row is None or row.agent_pk != agent.id:
        fail(404, f"you have no time-off request {request_id}; list yours with GET /api/v1/me/time-off")
    try:
        cancel(row)
    except ValueError as exc:
        fail(409, str(exc))
    session.commit()
    return jsonify(request=request_json(row))


@bp.get("/time-off")
@roles_required("lead")
def time_off_queue():
    session = db_session()
    site = user_site(session, current_user)
    return jsonify(site=site.slug, requests=[request_json(r) for r in pending_for(session, current_user, site.id)])


@bp.post("/time-off/<int:request_id>/decision")
@roles_required("lead")
def decide_time_off(request_id: int):
    session = db_session()
    row = session.get(models.TimeOffRequest, request_id)
    if row is None:
        fail(404, f"no time-off request {request_id}; list the pending ones with GET /api/v1/time-off")
    if not may_decide(current_user, row):
        fail(403, "only a lead of the agent's team decides this request")
    body = json_body()
    approve = body.get("approve")
    if not isinstance(approve, bool):
        fail(400, f"approve {approve!r}: give true or false")
    try:
        decide_request(session, row, current_user, approve, _note(body, "note"))
    except ValueError as exc:
        fail(409, str(exc))
    session.commit()
    return jsonify(request=request_json(row))
