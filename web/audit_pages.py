"""Audit pages (/audit) for team leads, the works council and admins: the site's audit trail with filters, newest
first, page by page, as CSV; and the ArbZG §16(2) report of work beyond 8 hours a day, on Sundays and on public
holidays, as a page and as CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from web import audit, models
from web.access import visible_agents
from web.auth import roles_required
from web.db import db_session, get_db
from web.roster_pages import STATUS_LABELS

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 50
ACTION_LABELS = {
    "create": _l("version created"), "edit": _l("shift changed"), "override": _l("shift changed, rule overridden"),
    "submit": _l("submitted for approval"), "approve": _l("approved"), "reject": _l("sent back"),
    "publish": _l("published"), "supersede": _l("superseded"), "swap": _l("shift swapped"),
    "forecast_override_add": _l("forecast override added"),
    "forecast_override_delete": _l("forecast override deleted"),
    "time_off_approve": _l("time off approved"), "time_off_reject": _l("time off turned down"),
}


def _filter_error(exc: audit.FilterError) -> str:
    """The filter's problem in the reader's language."""
    if exc.kind == "date":
        return _("%(value)s is not a date; give YYYY-MM-DD.", value=exc.value)
    if exc.kind == "order":
        return _("The period ends before it starts; give an end on or after the start.")
    if exc.kind == "range":
        return _("The period is longer than %(days)s days; choose a shorter one.", days=audit.MAX_REPORT_DAYS)
    if exc.kind == "text":
        return _("%(field)s is too long or holds control characters.", field=exc.field)
    if exc.kind == "action":
        return _("There is no kind of change %(value)s.", value=exc.value)
    return _("%(field)s %(value)s: give a whole number.", field=exc.field, value=exc.value)


def _site(session):
    return audit.audit_site(session, current_user, request.args.get("site"))


def _download(chunks, name: str) -> Response:
    return Response(chunks, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


# --- the audit trail -------------------------------------------------------------------------------------------

@bp.get("")
@roles_required(*audit.READERS)
def index():
    session = db_session()
    site = _site(session)
    versions = audit.site_versions(session, site)
    context: dict[str, Any] = {
        "site": site, "actions": ACTION_LABELS, "versions": versions,
        "agents": visible_agents(session, current_user, site.id), "users": audit.recorded_users(session, site),
        "form": {key: request.args.get(key, "") for key in ("from", "to", "agent", "user", "action", "version")},
        "site_arg": request.args.get("site") or None,
    }
    try:
        flt = audit.parse_filter(request.args)
        page, _per_page = audit.parse_page({"page": request.args.get("page", "")}, PER_PAGE, PER_PAGE)
    except audit.FilterError as exc:
        return render_template("audit/index.html", error=_filter_error(exc), result=None, **context), 400
    result = audit.audit_page(session, current_user, site, flt, page, PER_PAGE)
    zone = ZoneInfo(site.timezone)
    numbers = {v.id: v.number for v in versions}
    rows = [(e, _readable(e, e.before, zone, numbers), _readable(e, e.after, zone, numbers))
            for e in result.entries]
    args = flt.args() | ({"site": context["site_arg"]} if context["site_arg"] else {})
    return render_template("audit/index.html", error=None, result=result, rows=rows, args=args, **context)


@bp.get("/export.csv")
@roles_required(*audit.READERS)
def export_csv():
    session = db_session()
    site = _site(session)
    try:
        flt = audit.parse_filter(request.args)
    except audit.FilterError as exc:
        abort(400, description=_filter_error(exc))
    database, user, site_id, zone = get_db(), current_user._get_current_object(), site.id, ZoneInfo(site.timezone)

    def rows():
        # A session of its own, closed when the download ends (or is broken off): the request's session is
        # closed when the view returns, before the rows are read.
        with database.session() as own:
            site_row = own.get(models.Site, site_id)
            yield from audit.audit_rows(audit.iter_entries(own, user, site_row, flt), zone)

    return _download(audit.csv_stream(audit.AUDIT_COLUMNS, rows()), f"audit-{site.slug}.csv")


def _readable(entry: audit.Entry, value: dict | None, zone: ZoneInfo, numbers: dict[int, int]) -> str:
    """Before or after as the page shows it, in the reader's language."""
    if value is None:
        return _("no shift") if entry.action in ("edit", "override") else ""
    if audit.is_shift(value):
        return audit.shift_text(value, zone, entry.date, break_word=_("break"))
    parts = []
    if "queue" in value and "percent" in value:
        parts.append(_("%(queue)s from %(start)s to %(end)s: %(change)s %%", queue=value["queue"],
                       start=value.get("start", ""), end=value.get("end", ""), change=f"{value['percent']:+g}"))
    if value.get("status"):
        parts.append(str(STATUS_LABELS.get(value["status"], value["status"])))
    if value.get("shifts") is not None:
        parts.append(ngettext("%(num)d shift", "%(num)d shifts", value["shifts"]))
    if value.get("based_on") is not None:
        parts.append(_("copy of version %(n)s", n=numbers.get(value["based_on"], f"#{value['based_on']}")))
    if value.get("by") is not None:
        parts.append(_("replaced by version %(n)s", n=numbers.get(value["by"], f"#{value['by']}")))
    known = {"queue", "percent", "start", "end", "id", "status", "shifts", "based_on", "by"}
    parts += [f"{key}: {value[key]}" for key in sorted(value) if key not in known]
    return ", ".join(parts)


# --- ArbZG §16(2): work beyond 8 hours -------------------------------------------------------------------------

def _period(site) -> tuple[dt.date, dt.date]:
    return audit.parse_period(request.args, dt.datetime.now(ZoneInfo(site.timezone)).date())


@bp.get("/hours")
@roles_required(*audit.READERS)
def hours():
    session = db_session()
    site = _site(session)
    site_arg = request.args.get("site") or None
    try:
        start, end = _period(site)
    except audit.FilterError as exc:
        form = {key: request.args.get(key, "") for key in ("from", "to")}
        return render_template("audit/hours.html", site=site, form=form, error=_filter_error(exc), report=None,
                               site_arg=site_arg), 400
    report = audit.hours_report(session, current_user, site, start, end)
    form = {"from": start.isoformat(), "to": end.isoformat()}
    csv_args = form | ({"site": site_arg} if site_arg else {})
    return render_template("audit/hours.html", site=site, form=form, error=None, report=report, site_arg=site_arg,
                           csv_args=csv_args)


@bp.get("/hours.csv")
@roles_required(*audit.READERS)
def hours_csv():
    session = db_session()
    site = _site(session)
    try:
        start, end = _period(site)
    except audit.FilterError as exc:
        abort(400, description=_filter_error(exc))
    report = audit.hours_report(session, current_user, site, start, end)
    return _download(audit.csv_stream(audit.HOURS_COLUMNS, audit.hours_rows(report)),
                     f"hours-{site.slug}-{start.isoformat()}-{end.isoformat()}.csv")


@bp.app_template_filter("hm")
def hours_minutes(minutes: int) -> str:
    """Minutes as h:mm (540 → 9:00)."""
    return f"{minutes // 60}:{minutes % 60:02d}"
