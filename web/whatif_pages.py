"""Planner what-if pages: a site's scenarios (written as scenario TOML), their capacity plans, side-by-side
comparisons, the peak-week full run job and sweeps with their cost/service-level frontier."""

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
from wtforms import DateField, FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forecasts.site import Site
from scheduler.capacity import scenario_site
from scheduler.scenario import Scenario, ScenarioError
from web import jobs, models
from web.access import user_site
from web.auth import roles_required
from web.charts import BandChart, ScatterChart, band_chart, scatter_chart
from web.db import db_session
from web.repository import events_frame, site_config
from web.rostering import latest_run_covering
from web.whatif_service import (
    DEFAULT_TIME_LIMIT_S,
    WHATIF_SWEEP,
    WHATIF_WEEK,
    StoredPlan,
    check_sweep_params,
    next_monday,
    parse_axes,
    plan_of,
    plan_peak_weeks,
    read_scenario,
    save_scenario,
    scenario_runs,
    site_scenarios,
    sweep_grid,
    sweep_peak_weeks,
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


class SweepForm(FlaskForm):
    # The axes are checked by the service (parse_axes, check_sweep_params, sweep_grid), naming the bad line or path.
    axes = TextAreaField(_l("Axes: one a line, path = values"))
    target_percent = FloatField(_l("Target service level (%)"), default=80,
                                validators=[InputRequired(), NumberRange(1, 99.9)])


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
                   problems: list[str], show_plan: bool = False, sweep_form: SweepForm | None = None,
                   sweep_problems: list[str] | None = None, sweep_peaks: list[dt.date] | None = None):
    config = site_config(site)
    try:
        parsed = read_scenario(row.toml, config, row.name)
    except ScenarioError as exc:  # the site changed since the scenario was saved
        parsed, problems = None, problems or exc.problems
    bill_weeks = plan_peak_weeks(events_frame(session, site), parsed) if parsed is not None else ()
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
    sweeps = scenario_runs(session, row.id, WHATIF_SWEEP)
    shown_sweep = _shown_run(sweeps, "sweep")
    return render_template("whatif/scenario.html", site=site, row=row, form=form, problems=problems,
                           sweep_form=sweep_form or SweepForm(formdata=None, axes=_default_axes(parsed, config)),
                           sweep_problems=sweep_problems or [], bill_weeks=bill_weeks,
                           sweep_peaks=bill_weeks if sweep_peaks is None else sweep_peaks, sweeps=sweeps,
                           shown_sweep=shown_sweep, sweep=_sweep_view(shown_sweep) if shown_sweep else None,
                           scenario=parsed, show_plan=show_plan, stored=stored, plan_problem=plan_problem,
                           charts=_plan_charts(stored, config) if stored else None, weeks=weeks,
                           run_form=run_form, runs=runs, shown_run=shown,
                           run_weeks={j.id: _iso_day((j.params or {}).get("week")) for j in runs},
                           result_days=[(_iso_day(d.get("date")), d) for d in (shown.result or {}).get("days", [])]
                           if shown else [])


def _shown_run(runs: list[models.Job], parameter: str = "job") -> models.Job | None:
    """The run asked for with ?job= (?sweep= for sweeps; of this scenario), else the newest that succeeded."""
    wanted = request.args.get(parameter)
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


# --- sweeps -----------------------------------------------------------------------------------------------------

def _default_axes(scenario: Scenario | None, site: Site) -> str:
    """A grid to start from: a chatbot's share of the first deflected queue (or the site's first queue) and, when
    the scenario has staff groups, the first group's head count."""
    queue = scenario.deflection[0].queue if scenario and scenario.deflection else site.queue_names[0]
    lines = [f"deflection.{queue}.share = 0, 0.1, 0.2, 0.3"]
    if scenario and scenario.staff:
        lines.append(f"staff.{scenario.staff[0].name}.count = 0, 5, 10, 20")
    return "\n".join(lines)


@bp.post("/<int:scenario_id>/sweep")
@roles_required(*PLANNERS)
def start_sweep(scenario_id: int):
    """Check the axes against the stored scenario and start the whatif_sweep job (its page shows progress)."""
    session = db_session()
    site, row = _stored(session, scenario_id)
    form = SweepForm()
    chosen = request.form.getlist("peak_week")
    problems: list[str] = []
    if not form.validate_on_submit():
        problems = [f"{form[name].label.text}: {'; '.join(errors)}" if name != "csrf_token"
                    else _("The form was incomplete; reload the page and try again.")
                    for name, errors in form.errors.items()]
    else:
        try:
            config = site_config(site)
            parsed = read_scenario(row.toml, config, row.name)
            grid = parse_axes(form.axes.data or "")
            if not grid:
                raise ValueError(_("give at least one line: a path, = and its values"))
            params = check_sweep_params({"scenario_id": row.id, "grid": grid, "target": form.target_percent.data / 100,
                                         "peak_weeks": chosen, "site": site.slug,
                                         "created_by": current_user.username})
            sweep_grid(parsed, config, params["grid"])
            sweep_peak_weeks(parsed, None, params["peak_weeks"])
            job = jobs.submit(current_app.extensions["wfm_jobs"], WHATIF_SWEEP, params, current_user.username)
        except ScenarioError as exc:
            problems = exc.problems
        except ValueError as exc:
            problems = [str(exc)]
    if problems:
        return _scenario_page(session, site, row, ScenarioForm(formdata=None, name=row.name, toml=row.toml), [],
                              sweep_form=form, sweep_problems=problems,
                              sweep_peaks=[d for d in map(_iso_day, chosen) if d is not None]), 400
    return redirect(url_for("planning.job", job_id=job.id))


def _sweep_view(job: models.Job) -> dict | None:
    """A finished sweep for its page: the scatter of plan cost against peak service level, and the points sorted
    by cost (unknown cost last), each with its axis values as text."""
    result = job.result
    if job.status != "succeeded" or not result:
        return None
    points, axes = result["points"], result["axes"]
    drawn = [i for i, p in enumerate(points) if p["cost_eur"] is not None and p["peak_service_level"] is not None]
    place = {i: k for k, i in enumerate(drawn)}
    chart: ScatterChart | None = scatter_chart(
        [(points[i]["cost_eur"], points[i]["peak_service_level"] * 100, _point_label(points[i], axes))
         for i in drawn],
        frontier=[place[i] for i in result["frontier_index"] if i in place],
        highlight=place.get(result["cheapest_index"]), target=result["target"] * 100)
    order = sorted(range(len(points)), key=lambda i: (points[i]["cost_eur"] is None, points[i]["cost_eur"] or 0, i))
    cheapest = result["cheapest_index"]
    return {"result": result, "chart": chart, "frontier": set(result["frontier_index"]), "cheapest": cheapest,
            "cheapest_values": _values_text(points[cheapest], axes) if cheapest is not None else None,
            "peak_weeks": [_iso_day(w) for w in result["peak_weeks"]],
            "rows": [(i, points[i], [_axis_text(points[i]["values"][a]) for a in axes]) for i in order]}


def _axis_text(value: object) -> str:
    day = _iso_day(value) if isinstance(value, str) else None
    return _day(day) if day else format_decimal(value)


def _values_text(point: dict, axes: list[str]) -> str:
    return ", ".join(f"{a} = {_axis_text(point['values'][a])}" for a in axes)


def _point_label(point: dict, axes: list[str]) -> str:
    return _("%(values)s: %(cost)s €, peak service level %(level)s %%", values=_values_text(point, axes),
             cost=format_decimal(point["cost_eur"], "#,##0"), level=_number(point["peak_service_level"] * 100))
