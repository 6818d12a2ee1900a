"""Planner what-if pages: a site's scenarios (written as scenario TOML), their capacity plans, side-by-side
comparisons and the peak-week full run job."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange

from forecasts.site import Site
from scheduler.capacity import scenario_site
from scheduler.scenario import Scenario, ScenarioError
from web import jobs, models
from web.access import user_site
from web.auth import roles_required
from web.charts import BandChart, band_chart
from web.db import db_session
from web.repository import site_config
from web.rostering import latest_run_covering
from web.whatif_service import (
    DEFAULT_TIME_LIMIT_S,
    WHATIF_WEEK,
    StoredPlan,
    next_monday,
    plan_of,
    read_scenario,
    save_scenario,
    scenario_runs,
    site_scenarios,
    weeks_of,
)

bp = Blueprint("whatif", __name__, url_prefix="/planning/whatif")

PLANNERS = ("lead", "planner")  # admin always passes roles_required
TEMPLATE_WEEKS = 26


class ScenarioForm(FlaskForm):
    # The name and the text are checked by the service, which reports every problem with its key at once.
    name = StringField(_l("Name"))
    toml = TextAreaField(_l("Scenario (TOML)"))


class FullRunForm(FlaskForm):
    week = DateField(_l("Week (its Monday)"), validators=[DataRequired()])
    time_limit_s = IntegerField(_l("Time limit (seconds)"), default=DEFAULT_TIME_LIMIT_S,
                                validators=[DataRequired(), NumberRange(1, 3600)])


# --- the list and new scenarios ---------------------------------------------------------------------------------

@bp.get("")
@roles_required(*PLANNERS)
def index():
    session = db_session()
    site = user_site(session, current_user)
    form = ScenarioForm(formdata=None, toml=_template(site))
    return render_template("whatif/index.html", site=site, scenarios=site_scenarios(session, site.id), form=form,
                           problems=[])


@bp.post("")
@roles_required(*PLANNERS)
def create():
    session = db_session()
    site = user_site(session, current_user)
    form = ScenarioForm()
    problems = _form_problems(form)
    if not problems:
        try:
            row = save_scenario(session, site, form.name.data or "", form.toml.data or "", current_user.username)
        except ScenarioError as exc:
            problems = exc.problems
        else:
            session.commit()
            flash(_("Scenario %(name)s saved.", name=row.name), "info")
            return redirect(url_for("whatif.scenario", scenario_id=row.id))
    session.rollback()
    return render_template("whatif/index.html", site=site, scenarios=site_scenarios(session, site.id), form=form,
                           problems=problems), 400


def _template(site: models.Site) -> str:
    """A scenario file for the site with every kind of change written out as a comment, starting next Monday."""
    config = site_config(site)
    start = next_monday(dt.datetime.now(ZoneInfo(site.timezone)).date())
    return render_template("whatif/scenario_toml.html", site=config, start=start, weeks=TEMPLATE_WEEKS,
                           queue=config.queue_names[0], later=start + dt.timedelta(weeks=4),
                           until=start + dt.timedelta(weeks=8) - dt.timedelta(days=1))


def _form_problems(form: FlaskForm) -> list[str]:
    if form.validate_on_submit():
        return []
    return [_("The form was incomplete; reload the page and try again.")]


# --- one scenario -----------------------------------------------------------------------------------------------

def _stored(session: Session, scenario_id: int) -> tuple[models.Site, models.Scenario]:
    site = user_site(session, current_user)
    row = session.get(models.Scenario, scenario_id)
    if row is None or row.site_id != site.id:
        abort(404, description=_("There is no scenario %(id)s for this site.", id=scenario_id))
    return site, row


@bp.get("/<int:scenario_id>")
@roles_required(*PLANNERS)
def scenario(scenario_id: int):
    session = db_session()
    site, row = _stored(session, scenario_id)
    form = ScenarioForm(formdata=None, name=row.name, toml=row.toml)
    return _scenario_page(session, site, row, form, [], show_plan=request.args.get("plan") == "1")


@bp.post("/<int:scenario_id>")
@roles_required(*PLANNERS)
def change(scenario_id: int):
    """Save the text ("save"), or save it and show its capacity plan ("run")."""
    session = db_session()
    site, row = _stored(session, scenario_id)
    form = ScenarioForm()
    action = request.form.get("action")
    problems = _form_problems(form)
    if not problems and action not in ("save", "run"):
        problems = [_("Choose Save or Run capacity plan.")]
    if not problems:
        try:
            save_scenario(session, site, form.name.data or "", form.toml.data or "", current_user.username, row)
        except ScenarioError as exc:
            problems = exc.problems
    if problems:
        session.rollback()
        return _scenario_page(session, site, session.get(models.Scenario, scenario_id), form, problems), 400
    session.commit()
    if action == "save":
        flash(_("Scenario %(name)s saved.", name=row.name), "info")
        return redirect(url_for("whatif.scenario", scenario_id=row.id))
    parsed = read_scenario(row.toml, site_config(site), row.name)
    if latest_run_covering(session, site.id, parsed.start, 7 * parsed.weeks) is None:
        # Capacity plans take a second once the forecast is there; the forecast itself is the slow part.
        job = jobs.submit(current_app.extensions["wfm_jobs"], "forecast",
                          {"start": parsed.start.isoformat(), "weeks": parsed.weeks, "method": "auto",
                           "site": site.slug, "created_by": current_user.username}, current_user.username)
        flash(_("No stored forecast covers %(start)s to %(end)s, so a forecast of these %(weeks)s weeks was "
                "started. Run the capacity plan again when it is done.", start=_day(parsed.start),
                end=_day(parsed.end), weeks=parsed.weeks), "info")
        return redirect(url_for("planning.job", job_id=job.id))
    return redirect(url_for("whatif.scenario", scenario_id=row.id, plan=1))


def _scenario_page(session: Session, site: models.Site, row: models.Scenario, form: ScenarioForm,
                   problems: list[str], show_plan: bool = False):
    config = site_config(site)
    try:
        parsed = read_scenario(row.toml, config, row.name)
    except ScenarioError as exc:  # the site changed since the scenario was saved
        parsed, problems = None, problems or exc.problems
    stored, plan_problem = None, None
    if parsed is not None and show_plan:
        try:
            stored = plan_of(session, site, parsed)
        except ValueError as exc:  # e.g. the covering forecast misses open days of the plan
            plan_problem = str(exc)
    runs = scenario_runs(session, row.id)
    shown = _shown_run(runs)
    weeks = parsed.week_starts if parsed is not None else []
    peaks = stored.peak_weeks if stored else ()
    run_form = FullRunForm(formdata=None, week=peaks[0] if peaks else (weeks[0] if weeks else None))
    return render_template("whatif/scenario.html", site=site, row=row, form=form, problems=problems,
                           scenario=parsed, show_plan=show_plan, stored=stored, plan_problem=plan_problem,
                           charts=_plan_charts(stored, config) if stored else None, weeks=weeks,
                           run_form=run_form, runs=runs, shown_run=shown,
                           run_weeks={j.id: _iso_day((j.params or {}).get("week")) for j in runs},
                           result_days=[(_iso_day(d.get("date")), d) for d in (shown.result or {}).get("days", [])]
                           if shown else [])


def _shown_run(runs: list[models.Job]) -> models.Job | None:
    """The run asked for with ?job= (of this scenario), else the newest that succeeded."""
    wanted = request.args.get("job")
    for run in runs:
        if (run.id == wanted) if wanted else run.status == "succeeded":
            return run
    return None


def _iso_day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _day(day: dt.date) -> str:
    return format_date(day)


def _plan_charts(stored: StoredPlan, site: Site) -> dict[str, BandChart | None]:
    weeks = stored.plan.weeks
    xs = [w.toordinal() for w in weeks["week_start"]]
    marks = [(w.toordinal(), _("peak week %(day)s", day=_day(w))) for w in stored.peak_weeks]
    fte = {_("Required FTE"): list(zip(xs, weeks["required_fte"], strict=True)),
           _("Available FTE"): list(zip(xs, weeks["available_fte"], strict=True))}
    service = {_("Service level (%)"): _percent_points(xs, weeks["service_level"])}
    for target, queues in _targets(stored.scenario, site).items():
        service[_("Target %(percent)s %% (%(queues)s)", percent=_number(target * 100), queues=", ".join(queues))] = \
            [(x, target * 100) for x in xs]
    ticks = _ticks(list(weeks["week_start"]))
    return {"fte": band_chart(fte, [], x_ticks=ticks, marks=marks),
            "service": band_chart(service, [], x_ticks=ticks, marks=marks)}


def _targets(scenario: Scenario, site: Site) -> dict[float, list[str]]:
    """The scenario's service-level targets and the queues that have each."""
    targets: dict[float, list[str]] = {}
    for queue in scenario_site(site, scenario).queues:
        targets.setdefault(queue.service_level, []).append(queue.name)
    return targets


def _number(value: float) -> str:
    return format_decimal(value, "#,##0.#")


def _percent_points(xs: list[int], values) -> list[tuple[float, float]]:
    return [(x, float(v) * 100) for x, v in zip(xs, values, strict=True) if v == v]  # NaN: no contacts that week


def _ticks(mondays: list[dt.date]) -> list[tuple[float, dt.date]]:
    every = max(1, len(mondays) // 12)  # about a dozen labels, whatever the plan's length
    return [(w.toordinal(), w) for i, w in enumerate(mondays) if i % every == 0]


@bp.post("/<int:scenario_id>/full-run")
@roles_required(*PLANNERS)
def full_run(scenario_id: int):
    session = db_session()
    site, row = _stored(session, scenario_id)
    form = FullRunForm()
    if not form.validate_on_submit():
        problems = [f"{form[name].label.text}: {'; '.join(errors)}" for name, errors in form.errors.items()]
        flash(_("The full run was not started: %(problems)s", problems=" · ".join(problems)), "error")
        return redirect(url_for("whatif.scenario", scenario_id=row.id)), 400
    week = form.week.data - dt.timedelta(days=form.week.data.weekday())
    try:
        parsed = read_scenario(row.toml, site_config(site), row.name)
        if not parsed.start <= week <= parsed.end:
            raise ValueError(_("the week of %(day)s lies outside the plan (%(start)s to %(end)s)", day=_day(week),
                               start=_day(parsed.start), end=_day(parsed.end)))
        job = jobs.submit(current_app.extensions["wfm_jobs"], WHATIF_WEEK,
                          {"scenario_id": row.id, "week": week.isoformat(), "time_limit_s": form.time_limit_s.data,
                           "site": site.slug, "created_by": current_user.username}, current_user.username)
    except ValueError as exc:
        flash(_("The full run was not started: %(problems)s", problems=str(exc)), "error")
        return redirect(url_for("whatif.scenario", scenario_id=row.id)), 400
    return redirect(url_for("planning.job", job_id=job.id))


# --- compare ----------------------------------------------------------------------------------------------------

@bp.get("/compare")
@roles_required(*PLANNERS)
def compare():
    session = db_session()
    site = user_site(session, current_user)
    config = site_config(site)
    ids = list(dict.fromkeys(request.args.getlist("ids", type=int)))
    if len(ids) < 2:
        flash(_("Choose two or more scenarios to compare."), "error")
        return redirect(url_for("whatif.index"))
    plans: list[StoredPlan] = []
    plan_ids: list[int] = []
    missing: list[tuple[models.Scenario, str]] = []
    for scenario_id in ids:
        row = _stored(session, scenario_id)[1]
        try:
            stored = plan_of(session, site, read_scenario(row.toml, config, row.name))
        except ScenarioError as exc:
            missing.append((row, "; ".join(exc.problems)))
            continue
        except ValueError as exc:  # e.g. the covering forecast misses open days of the plan
            missing.append((row, str(exc)))
            continue
        if stored is None:
            missing.append((row, _("no stored forecast covers its plan; run its capacity plan to start one")))
        else:
            plans.append(stored)
            plan_ids.append(row.id)
    weeks = weeks_of(plans)
    return render_template("whatif/compare.html", site=site, plans=plans, missing=missing, weeks=weeks,
                           by_week=[_week_lookup(p) for p in plans], scenario_ids=plan_ids,
                           peak_weeks=sorted({w for p in plans for w in p.peak_weeks}),
                           charts=_compare_charts(plans, weeks) if plans else None)


def _week_lookup(stored: StoredPlan) -> dict[dt.date, dict]:
    return {row["week_start"]: row for row in stored.plan.weeks.to_dict("records")}


def _compare_charts(plans: list[StoredPlan], weeks: list[dt.date]) -> dict[str, BandChart | None]:
    fte, service = {}, {}
    peaks = sorted({w for p in plans for w in p.peak_weeks})
    for p in plans:
        xs = [w.toordinal() for w in p.plan.weeks["week_start"]]
        fte[_("%(name)s: required", name=p.scenario.name)] = list(zip(xs, p.plan.weeks["required_fte"], strict=True))
        fte[_("%(name)s: available", name=p.scenario.name)] = list(zip(xs, p.plan.weeks["available_fte"],
                                                                         strict=True))
        service[p.scenario.name] = _percent_points(xs, p.plan.weeks["service_level"])
    marks = [(w.toordinal(), _("peak week %(day)s", day=_day(w))) for w in peaks]
    ticks = _ticks(weeks)
    return {"fte": band_chart(fte, [], x_ticks=ticks, marks=marks),
            "service": band_chart(service, [], x_ticks=ticks, marks=marks)}
