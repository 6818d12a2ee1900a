"""API routes of the audit trail (GET /api/v1/audit) and of the ArbZG §16(2) report of work beyond 8 hours a day
(GET /api/v1/audit/hours): the same filters, access rules and figures as the audit pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from web import audit
from web.auth import roles_required
from web.db import db_session

bp = Blueprint("api_audit", __name__, url_prefix="/api/v1")
PER_PAGE, MAX_PER_PAGE = 100, 1000


@bp.get("/audit")
@roles_required(*audit.READERS)
def audit_trail():
    session = db_session()
    site = audit.audit_site(session, current_user, request.args.get("site"))
    try:
        flt = audit.parse_filter(request.args)
        page, per_page = audit.parse_page(request.args, PER_PAGE, MAX_PER_PAGE)
    except audit.FilterError as exc:
        abort(400, description=str(exc))
    result = audit.audit_page(session, current_user, site, flt, page, per_page)
    return jsonify(site=site.slug, timezone=site.timezone, total=result.total, page=result.page,
                   per_page=result.per_page, entries=[audit.entry_json(e) for e in result.entries])


@bp.get("/audit/hours")
@roles_required(*audit.READERS)
def audit_hours():
    session = db_session()
    site = audit.audit_site(session, current_user, request.args.get("site"))
    try:
        start, end = audit.parse_period(request.args, dt.datetime.now(ZoneInfo(site.timezone)).date())
    except audit.FilterError as exc:
        abort(400, description=str(exc))
    return jsonify(site=site.slug, **audit.hours_json(audit.hours_report(session, current_user, site, start, end)))
