"""Team lead's roster pages (/rosters): versions, the week grid, rule check, day timeline, coverage, shift edits,
approval and publishing, exports."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from scheduler.roster import Roster, Shift
from scheduler.shift_edit import ShiftInputError
from scheduler.staffing import staff
from scheduler.wishes import wishes_met
from web import jobs, models, roster_store
from web.access import may_edit_agent, visible_agents, visible_teams
from web.api_support import site_agents
from web.audit import plain_text
from web.auth import roles_required
from web.db import db_session
from web.forecasting import forecast_values
from web.repository import find_site, site_config
from web.roster_export import XLSX_MIMETYPE, export_name, roster_csv, roster_xlsx
from web.roster_store import PublishRefused, RosterStateError, ShiftRefused, StaleVersion
from web.roster_views import (
    GridAgent,
    coverage_days,
    coverage_frame,
    coverage_points,
    day_timeline,
    day_totals,
    filter_agents,
    form_from_post,
    form_of_shift,
    grid_agent,
    grid_rows,
    lock_of_form,
    period_days,
    queue_colours,
    shift_of_form,
    step_chart,
)
from web.rostering import check_roster_params, stored_agents
from web.violation_text import publish_refused_text, shift_refused_text

bp = Blueprint("rosters", __name__, url_prefix="/rosters")

READERS = ("lead", "planner", "council")  # admin always passes roles_required
EDITORS = ("lead",)
APPROVERS = ("council",)
STATUS_LABELS = {
    roster_store.DRAFT: _l("draft"), roster_store.AWAITING: _l("awaiting approval"),
    roster_store.APPROVED: _l("approved"), roster_store.PUBLISHED: _l("published"),
    roster_store.SUPERSEDED: _l("superseded"),
}
LIMIT_RANGE = (5, 600)  # seconds a lead may give the solver from this page


@bp.context_processor
def _labels():
    return {"status_label": lambda status: STATUS_LABELS.get(status, status)}


def _is(*roles: str) -> bool:
    return current_user.role == "admin" or current_user.role in roles


def _site(session: Session) -> models.Site:
    if current_user.site_id:
        site = session.get(models.Site, current_user.site_id)
        if site is not None:
            return site
    return find_site(session)


def _version(session: Session, version_id: int) -> models.RosterVersion:
    version = session.get(models.RosterVersion, version_id)
    if version is None or (current_user.site_id and version.site_id != current_user.site_id):
        abort(404, description=_("There is no roster version %(id)s.", id=version_id))
    return version


def _day(version: models.RosterVersion, text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        abort(400, description=_("%(value)s is not a date; give YYYY-MM-DD.", value=text))
    if day not in period_days(version.week_start, version.days):
        abort(404, description=_("%(day)s is not a day of this roster.", day=text))
    return day


def _agents(session: Session, version: models.RosterVersion) -> list[GridAgent]:
    """The stored agents the user may see (a lead: those of their teams)."""
    return [grid_agent(a) for a in visible_agents(session, current_user, version.site_id)]


def _shifts(session: Session, version: models.RosterVersion, agent_ids: list[str] | None) -> list[Shift]:
    """The version's shifts in one query, of some agents only when the user sees only some teams."""
    query = select(models.RosterShift).where(models.RosterShift.version_id == version.id)
    if agent_ids is not None:
        query = query.where(models.RosterShift.agent_id.in_(agent_ids))
    return [roster_store.shift_of(row) for row in session.scalars(query)]


def _visible(session: Session, version: models.RosterVersion) -> tuple[list[GridAgent], list[Shift]]:
    """Two queries: the agents the user may see and their shifts; who sees every team also gets rostered agent
    ids that have no stored agent (any more), so no shift is hidden from them."""
    agents = _agents(session, version)
    scoped = visible_teams(current_user) is not None
    shifts = _shifts(session, version, [a.agent_id for a in agents] if scoped else None)
    if not scoped:
        known = {a.agent_id for a in agents}
        agents += [GridAgent(agent_id, agent_id, "", None, known=False)
                   for agent_id in sorted({s.agent_id for s in shifts} - known)]
    return agents, shifts


def _grid_context(session: Session, version: models.RosterVersion, site: models.Site, team: str = "",
                  queue: str = "") -> dict:
    agents, shifts = _visible(session, version)
    days = period_days(version.week_start, version.days)
    shown = filter_agents(agents, team, queue)
    rows = grid_rows(shown, shifts, days, ZoneInfo(site.timezone))
    return {"version": version, "site": site, "days": days, "rows": rows, "totals": day_totals(rows, len(days)),
            "day_labels": [format_date(d, "EEE dd.MM.") for d in days],
            "agents": agents, "shifts": shifts,
            "teams": sorted({a.team for a in agents if a.known}), "queues": [q.name for q in site.queues],
            "team": team, "queue": queue, "agent_count": len(agents)}


# --- versions --------------------------------------------------------------------------------------------------

def _next_monday(site: models.Site) -> dt.date:
    today = dt.datetime.now(ZoneInfo(site.timezone)).date()
    return today + dt.timedelta(days=7 - today.weekday())


def _index_page(session: Session, form: dict[str, str], error: str | None = None, status: int = 200):
    site = _site(session)
    versions = session.scalars(select(models.RosterVersion).where(models.RosterVersion.site_id == site.id)
                               .order_by(models.RosterVersion.week_start.desc(),
                                         models.RosterVersion.number.desc())).all()
    weeks: list[tuple[dt.date, list[models.RosterVersion]]] = []
    for version in versions:
        if not weeks or weeks[-1][0] != version.week_start:
            weeks.append((version.week_start, []))
        weeks[-1][1].append(version)
    return render_template("rosters/index.html", site=site, weeks=weeks, form=form, error=error,
                           can_generate=_is(*EDITORS), limits=LIMIT_RANGE), status


@bp.get("")
@roles_required(*READERS)
def index():
    session = db_session()
    form = {"week_start": _next_monday(_site(session)).isoformat(), "time_limit_s": "60", "seed": "0"}
    return _index_page(session, form)


@bp.post("/generate")
@roles_required(*EDITORS)
def generate():
    session = db_session()
    site = _site(session)
    form = {key: request.form.get(key, "").strip() for key in ("week_start", "time_limit_s", "seed")}
    try:
        params = _generate_params(form)
        params = check_roster_params({**params, "site": site.slug, "created_by": current_user.username})
        job = jobs.submit(current_app.extensions["wfm_jobs"], "roster", params, current_user.username)
    except ValueError as exc:
        return _index_page(session, form, str(exc), 400)
    try:
        target = url_for("planning.job", job_id=job.id)
    except BuildError:  # the planning pages' job page may not be there yet
        target = f"/planning/jobs/{job.id}"
    flash(_("The roster for the week of %(week)s is being computed.", week=params["start"]), "info")
    return redirect(target)


def _generate_params(form: dict[str, str]) -> dict:
    try:
        start = dt.date.fromisoformat(form["week_start"])
    except ValueError:
        raise ValueError(_("Week start %(value)s is not a date; give YYYY-MM-DD.",
                           value=repr(form["week_start"]))) from None
    low, high = LIMIT_RANGE
    try:
        limit = int(form["time_limit_s"])
    except ValueError:
        limit = None
    if limit is None or not low <= limit <= high:
        raise ValueError(_("Time limit %(value)s: give whole seconds from %(low)s to %(high)s.",
                           value=repr(form["time_limit_s"]), low=low, high=high))
    try:
        seed = int(form["seed"] or "0")
    except ValueError:
        raise ValueError(_("Seed %(value)s: give a whole number.", value=repr(form["seed"]))) from None
    return {"start": start.isoformat(), "days": 7, "time_limit_s": limit, "seed": seed}


# --- the grid and its actions ----------------------------------------------------------------------------------

@bp.get("/<int:version_id>")
@roles_required(*READERS)
def version(version_id: int):
    session = db_session()
    row = _version(session, version_id)
    site = session.get(models.Site, row.site_id)
    context = _grid_context(session, row, site, request.args.get("team", ""), request.args.get("queue", ""))
    days = [row.week_start + dt.timedelta(days=i) for i in range(row.days)]
    wishes, _per_agent = wishes_met(roster_store.roster_of(row).shifts, stored_agents(session, site.id), days,
                                    ZoneInfo(site.timezone))
    return render_template("rosters/version.html", **context, actions=_actions(row, site), wishes=wishes,
                           can_edit=_is(*EDITORS) and row.status in roster_store.EDITABLE,
                           editable_teams=visible_teams(current_user))


def _actions(version: models.RosterVersion, site: models.Site) -> list[str]:
    """The state changes the user may make on this version now."""
    out = []
    if _is(*EDITORS) and version.status == roster_store.DRAFT and site.approval_required:
        out.append("submit")
    if _is(*APPROVERS) and version.status == roster_store.AWAITING:
        out += ["approve", "reject"]
    publishable = (roster_store.APPROVED,) if site.approval_required else (roster_store.DRAFT,
                                                                             roster_store.APPROVED)
    if _is(*EDITORS) and version.status in publishable:
        out.append("publish")
    if _is(*EDITORS):
        out.append("copy")
    return out


def _transition(version_id: int, action) -> Response:
    session = db_session()
    row = _version(session, version_id)
    try:
        message, target = action(session, row)
    except RosterStateError as exc:
        session.rollback()
        # The checker's findings in the reader's language; the exception's own text is the API's English.
        flash(publish_refused_text(exc.violations) if isinstance(exc, PublishRefused) else str(exc), "error")
        return redirect(url_for("rosters.version", version_id=version_id))
    session.commit()
    flash(message, "info")
    return redirect(url_for("rosters.version", version_id=target))


@bp.post("/<int:version_id>/submit")
@roles_required(*EDITORS)
def submit(version_id: int):
    def act(session, row):
        roster_store.submit_for_approval(session, row, current_user.username)
        return _("Version %(n)s was submitted for approval.", n=row.number), row.id
    return _transition(version_id, act)


@bp.post("/<int:version_id>/approve")
@roles_required(*APPROVERS)
def approve(version_id: int):
    def act(session, row):
        roster_store.approve(session, row, current_user.username)
        return _("Version %(n)s is approved.", n=row.number), row.id
    return _transition(version_id, act)


@bp.post("/<int:version_id>/reject")
@roles_required(*APPROVERS)
def reject(version_id: int):
    def act(session, row):
        roster_store.reject(session, row, current_user.username, request.form.get("reason", "").strip())
        return _("Version %(n)s was sent back as a draft.", n=row.number), row.id
    return _transition(version_id, act)


@bp.post("/<int:version_id>/publish")
@roles_required(*EDITORS)
def publish(version_id: int):
    def act(session, row):
        findings = roster_store.publish(session, row, current_user.username)
        message = _("Version %(n)s is published; agents see it now.", n=row.number)
        if findings:
            message += " " + ngettext("%(num)d finding that does not block publishing is listed on the check page.",
                                      "%(num)d findings that do not block publishing are listed on the check page.",
                                      len(findings))
        return message, row.id
    return _transition(version_id, act)


@bp.post("/<int:version_id>/copy")
@roles_required(*EDITORS)
def copy(version_id: int):
    def act(session, row):
        draft = roster_store.copy_as_draft(session, row, current_user.username)
        return _("New draft version %(n)s made from version %(m)s.", n=draft.number, m=row.number), draft.id
    return _transition(version_id, act)


@bp.get("/<int:version_id>/check")
@roles_required(*READERS)
def check(version_id: int):
    """The roster checker's findings (on its own page: for 200 agents it takes longer than the grid)."""
    session = db_session()
    row = _version(session, version_id)
    visible = None
    if visible_teams(current_user) is not None:
        visible = {a.agent_id for a in _agents(session, row)}
    findings = [v for v in roster_store.check_version(session, row)
                if visible is None or v.agent_id is None or v.agent_id in visible]
    findings.sort(key=lambda v: not v.hard)  # hard first, rule order kept (the sort is stable)
    blocking = [v for v in findings if v.hard and v.rule not in roster_store.OVERRIDABLE_HARD_RULES]
    return render_template("rosters/check.html", version=row, findings=findings, blocking=blocking)


# --- day timeline and coverage ---------------------------------------------------------------------------------

def _coverage(session: Session, version: models.RosterVersion, site, shifts: list[Shift],
              days: list[dt.date] | None = None):
    """Scheduled against required per queue and interval on `days` (default: the version's), from the
    version's forecast; the note says why there is no requirement when there is none."""
    days = days or period_days(version.week_start, version.days)
    requirements, note = None, None
    if version.forecast_run is None:
        note = _("This version has no forecast run, so only the scheduled agents are shown.")
    else:
        frame = forecast_values(session, version.forecast_run)
        if frame.empty:
            note = _("Forecast run %(id)s has no values any more; only the scheduled agents are shown.",
                     id=version.forecast_run)
        else:
            local = frame["interval_start"].dt.tz_convert(site.timezone).dt.date
            frame = frame[(local >= days[0]) & (local <= days[-1])]
            try:
                requirements = staff(frame, site)
            except ValueError as exc:
                note = _("The requirements cannot be computed: %(reason)s", reason=str(exc))
    agents = {a.agent_id: a for a in stored_agents(session, version.site_id)}
    return coverage_frame(Roster(tuple(shifts)), site, days, requirements, agents), note


def _coverage_context(frame, site, day: dt.date, queue: str) -> dict:
    queues = [q for q in site.queue_names if not queue or q == queue]
    charts = []
    for name in queues:
        points = coverage_points(frame, name, day, site)
        charts.append({"queue": name, "points": points, "chart": step_chart(points)})
    table = [d for d in coverage_days(frame, site) if d.queue in queues]
    return {"coverage_day": day, "coverage_queue": queue, "charts": charts, "day_table": table,
            "all_queues": list(site.queue_names)}


@bp.get("/<int:version_id>/day/<day>")
@roles_required(*READERS)
def day(version_id: int, day: str):
    session = db_session()
    row = _version(session, version_id)
    date = _day(row, day)
    site = site_config(session.get(models.Site, row.site_id))
    agents, shifts = _visible(session, row)
    timeline = day_timeline(agents, shifts, site, date)
    # Coverage counts everyone on the queue, not only the agents this user may see: it is the site's staffing.
    # Only this day's intervals, so only shifts dated this day or the day before (a night shift) can count.
    nearby = [s for s in _shifts(session, row, None) if date - dt.timedelta(days=1) <= s.date <= date]
    frame, note = _coverage(session, row, site, nearby, [date])
    coverage = _coverage_context(frame, site, date, request.args.get("queue", ""))
    coverage["day_table"] = [d for d in coverage["day_table"] if d.date == date]
    return render_template("rosters/day.html", version=row, day=date, timeline=timeline,
                           colours=queue_colours(site.queue_names), days=period_days(row.week_start, row.days),
                           note=note, **coverage)


@bp.get("/<int:version_id>/coverage")
@roles_required(*READERS)
def coverage(version_id: int):
    session = db_session()
    row = _version(session, version_id)
    date = _day(row, request.args.get("day") or row.week_start.isoformat())
    site = site_config(session.get(models.Site, row.site_id))
    queue = request.args.get("queue", "")
    if queue and queue not in site.queue_names:
        abort(404, description=_("The site has no queue %(q)s.", q=queue))
    frame, note = _coverage(session, row, site, _shifts(session, row, None))
    return render_template("rosters/coverage.html", version=row, note=note,
                           days=period_days(row.week_start, row.days), **_coverage_context(frame, site, date, queue))


# --- editing one shift -----------------------------------------------------------------------------------------

@bp.route("/<int:version_id>/shift/<agent_id>/<day>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_shift(version_id: int, agent_id: str, day: str):
    session = db_session()
    row = _version(session, version_id)
    date = _day(row, day)
    agent = session.scalars(select(models.Agent).where(models.Agent.site_id == row.site_id,
                                                       models.Agent.agent_id == agent_id)).first()
    if agent is None:
        abort(404, description=_("There is no agent %(id)s.", id=agent_id))
    if not may_edit_agent(current_user, agent):
        abort(403, description=_("You may change the shifts of your own teams' agents only."))
    if row.status not in roster_store.EDITABLE:
        abort(409, description=_("Version %(n)s is %(status)s; make a new draft from it to change shifts.",
                                 n=row.number, status=STATUS_LABELS.get(row.status, row.status)))
    site_row = session.get(models.Site, row.site_id)
    site = site_config(site_row)
    activities = [s for s in agent.skills if s in site.queue_names]
    current = next((s for s in _shifts(session, row, [agent_id]) if s.date == date), None)
    mixed = current is not None and len({s.activity for s in current.segments if not s.is_break}) > 1
    page = {"version": row, "agent": agent, "day": date, "activities": activities, "mixed": mixed, "tz": site.tz}
    if request.method == "GET":
        return render_template("rosters/edit_shift.html", form=form_of_shift(current, site.tz, row.lock_version),
                               **page)
    form = form_from_post(request.form)
    try:
        shift = shift_of_form(form, agent_id, date, site.timezone, activities)
        expected = lock_of_form(form)
    except ShiftInputError as exc:
        return render_template("rosters/edit_shift.html", form=form, error=str(exc), **page), 400
    if request.form.get("action") == "check":
        result = roster_store.check_edit(session, row, agent_id, date, shift)
        session.rollback()
        return render_template("rosters/edit_shift.html", form=form, checked=result, **page)
    try:
        roster_store.edit_shift(session, row, agent_id, date, shift, user=current_user.username,
                                reason=form.reason, expected_lock=expected)
    except ShiftRefused as exc:
        session.rollback()
        error = shift_refused_text(exc.check.blocking, exc.check.overridable, exc.needs_reason)
        return render_template("rosters/edit_shift.html", form=form, refused=exc.check, error=error, **page), 422
    except StaleVersion as exc:
        session.rollback()
        from web.audit_pages import ACTION_LABELS  # here: audit_pages imports this module

        stale = _stale_view(session, row, exc.expected, site.timezone)
        error = _("Somebody saved this roster since you opened the form (now at edit %(now)s, you had %(had)s). "
                  "Your change was not saved.", now=exc.current, had=exc.expected)
        return render_template("rosters/edit_shift.html", form=form, error=error, stale=stale,
                               action_labels=ACTION_LABELS, **page), 409
    except RosterStateError as exc:
        session.rollback()
        return render_template("rosters/edit_shift.html", form=form, error=str(exc), **page), 409
    session.commit()
    flash(_("Saved the shift of %(name)s on %(day)s.", name=agent.name, day=date.isoformat()), "info")
    return redirect(url_for("rosters.version", version_id=row.id))


def _stale_view(session, version: models.RosterVersion, read_lock: int, timezone: str) -> list[dict]:
    """The changes a stale form missed, as the page shows them: when (local), who, which agent and day, before
    and after in words."""
    zone = ZoneInfo(timezone)
    agents = site_agents(session, version.site_id)
    return [{"at": c.created_at.astimezone(zone), "user": c.created_by, "action": c.action,
             "agent": agents[c.agent_id].name if c.agent_id in agents else c.agent_id, "date": c.date,
             "before": plain_text(c.before, zone, c.date), "after": plain_text(c.after, zone, c.date)}
            for c in roster_store.changes_since(session, version, read_lock)]


# --- exports ---------------------------------------------------------------------------------------------------

def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/<int:version_id>/export.csv")
@roles_required(*READERS)
def export_csv(version_id: int):
    session = db_session()
    row = _version(session, version_id)
    site = site_config(session.get(models.Site, row.site_id))
    shifts = _visible(session, row)[1]
    return _download(roster_csv(shifts, site), "text/csv", export_name(row.week_start, row.number, "csv"))


@bp.get("/<int:version_id>/export.xlsx")
@roles_required(*READERS)
def export_xlsx(version_id: int):
    session = db_session()
    row = _version(session, version_id)
    site = session.get(models.Site, row.site_id)
    grid = _grid_context(session, row, site)
    data = roster_xlsx(grid["rows"], grid["days"], grid["shifts"], {a.agent_id: a for a in grid["agents"]},
                       ZoneInfo(site.timezone))
    return _download(data, XLSX_MIMETYPE, export_name(row.week_start, row.number, "xlsx"))


@bp.get("/<int:version_id>/print")
@roles_required(*READERS)
def print_view(version_id: int):
    session = db_session()
    row = _version(session, version_id)
    site = session.get(models.Site, row.site_id)
    context = _grid_context(session, row, site, request.args.get("team", ""), request.args.get("queue", ""))
    return render_template("rosters/print.html", **context, now=dt.datetime.now(dt.UTC))
