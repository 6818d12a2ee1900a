"""What-if pages: scenarios checked when saved, a scenario's capacity plan as capacity_plan computes it, compare,
and the peak-week full run job on the tiny test site."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import math
import re

import pandas as pd
import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import func, select

from forecasts.site import parse_site
from scheduler.capacity import capacity_plan
from scheduler.domain import Agent
from scheduler.scenario import parse_scenario
from scheduler.whatif import sweep, totals_of
from tests.web.api_fixtures import BERLIN, MONDAY, load_site
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.whatif_service import check_sweep_params, check_week_params, parse_axes, plan_peak_weeks

WEEK2 = MONDAY + dt.timedelta(days=7)
SITE = parse_site(SITE_TOML)
AGENTS = [Agent(a, a, team, ("billing",), 16, 5) for a, team in (("A1", "Nord"), ("A3", "Nord"), ("B2", "Sued"))]
# Billing 09:00-10:00 every day of the two weeks (the site opens every day): 30 contacts a quarter-hour, 5 min each.
VALUES = [(dt.datetime.combine(MONDAY + dt.timedelta(days=d), dt.time(9, 15 * q), BERLIN), 30.0)
          for d in range(14) for q in range(4)]
PEAK = """[scenario]
name = "ignored: the stored name counts"
start = 2026-12-07
weeks = 2

[[volume]]
queue = "billing"
from = 2026-12-14
to = 2026-12-20
percent = 40

[[staff]]
name = "temps"
count = 2
from = 2026-12-14
weekly_hours = 20
ramp = [{weeks = 1, productivity = 0.5}]
"""
BOT = """[scenario]
start = 2026-12-07
weeks = 2

[[deflection]]
queue = "billing"
share = 0.2
"""


@pytest.fixture
def site(app):
    """The tiny site with agents A1, A3, B2 (16 h each), a two-week forecast run and a bill mailing in week two."""
    load_site(app)
    with app.app_context(), get_db().session() as session:
        row = session.scalars(select(models.Site)).one()
        imports.import_events(session, row.slug, io.BytesIO(b"date,event,queue,size\n2026-12-16,bill_mailing,,900\n"),
                              name="events.csv")
        run = models.ForecastRun(site_id=row.id, start_date=MONDAY, days=14, method="test", created_by="test")
        session.add(run)
        session.flush()
        session.add_all(models.ForecastValue(run_id=run.id, queue="billing", interval_start=t, offered=v, aht_s=300.0,
                                             offered_p10=v, offered_p90=v) for t, v in VALUES)
    return app


def _login(actions, role: str = "planner") -> None:
    actions.add_user(role, role, "pw")
    actions.login(role, "pw")
    actions.client.get("/lang/en")


def _create(client, actions, name: str, text: str):
    return client.post("/planning/whatif", data={"name": name, "toml": text,
                                                 "csrf_token": actions.csrf_token("/planning/whatif")})


def _scenario_id(app, name: str) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(models.Scenario.id).where(models.Scenario.name == name)).one()


def _cells(page: str, attribute: str, key: str) -> list[str]:
    row = re.search(rf'<tr {attribute}="{re.escape(key)}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no row {attribute}={key}"
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


def _expected(text: str):
    starts = pd.to_datetime([t for t, _ in VALUES]).tz_convert(BERLIN)
    frame = pd.DataFrame({"queue": "billing", "interval_start": starts, "offered": [v for _, v in VALUES],
                          "aht_s": 300.0})
    frame["offered_p10"] = frame["offered_p90"] = frame["offered"]
    return capacity_plan(frame, SITE, AGENTS, parse_scenario(text, SITE))


def fte(v: float) -> str:
    return format_decimal(v, "#,##0.0", locale="en")


def pct(v: float) -> str:
    return "–" if math.isnan(v) else format_decimal(v * 100, "#,##0.0", locale="en") + " %"


def whole(v: float, unit: str = "") -> str:
    return "–" if math.isnan(v) else format_decimal(v, "#,##0", locale="en") + unit


def test_a_scenario_with_an_unknown_queue_is_refused_with_its_key_and_nothing_is_stored(client, actions, site):
    _login(actions)
    response = _create(client, actions, "Phone wave", PEAK.replace('queue = "billing"', 'queue = "phone"'))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "The scenario was not saved:" in page
    assert "[[volume]] #1 queue = 'phone': not a queue of the site; use one of billing, email" in page
    assert 'name="name"' in page and "Phone wave" in page  # the planner's text stays in the form
    with site.app_context(), get_db().session() as session:
        assert session.scalar(select(func.count()).select_from(models.Scenario)) == 0


def test_the_new_scenario_form_holds_a_template_for_the_site_that_parses(client, actions, site):
    _login(actions)
    page = client.get("/planning/whatif").get_data(as_text=True)
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    scenario = parse_scenario(text, SITE)
    assert scenario.weeks == 26 and scenario.start.weekday() == 0
    today = dt.datetime.now(BERLIN).date()
    assert today < scenario.start <= today + dt.timedelta(days=7)
    assert "Queues of this site: billing, email" in text and '# queue = "billing"' in text
    assert _create(client, actions, "Template", text).status_code == 302
    assert "What-ifs" in page and 'href="/planning/whatif"' in page  # the nav link


def test_a_scenario_page_shows_the_numbers_its_capacity_plan_gives(client, actions, site):
    _login(actions)
    created = _create(client, actions, "January wave", PEAK)
    scenario_id = _scenario_id(site, "January wave")
    assert created.status_code == 302 and created.headers["Location"].endswith(f"/planning/whatif/{scenario_id}")
    ran = client.post(f"/planning/whatif/{scenario_id}",
                      data={"name": "January wave", "toml": PEAK, "action": "run",
                            "csrf_token": actions.csrf_token(f"/planning/whatif/{scenario_id}")})
    assert ran.headers["Location"].endswith(f"/planning/whatif/{scenario_id}?plan=1")
    page = client.get(ran.headers["Location"]).get_data(as_text=True)
    plan = _expected(PEAK)
    assert plan.weeks["gap_fte"].iloc[0] > 0  # the test means something: week one is short
    for week in plan.weeks.to_dict("records"):
        assert _cells(page, "data-week", week["week_start"].isoformat()) == [
            format_date(week["week_start"], locale="en"), whole(week["offered"]), fte(week["required_fte"]),
            fte(week["available_fte"]), fte(week["gap_fte"]), whole(week["overtime_hours"]), pct(week["service_level"]),
            whole(week["asa_s"], " s"), pct(week["abandon_rate"]), whole(week["under_staffed_hours"]),
            whole(week["paid_hours"]), whole(week["cost_eur"], " €")]
    hire = plan.hires[0]
    assert hire.too_late and hire.needed_from == MONDAY
    assert _cells(page, "data-group", "temps") == ["temps", "2", format_date(WEEK2, locale="en"),
                                                   format_date(MONDAY, locale="en"),
                                                   format_date(hire.latest_start, locale="en"), "starts too late"]
    assert 'class="wi-late"' in page
    extra = re.search(r'data-field="extra-fte">([^<]*)<', page).group(1)
    assert extra == fte(plan.extra_fte_needed)
    assert "1 week with bill mailings: " + format_date(WEEK2, locale="en") in page
    classes = {w: re.search(rf'<tr data-week="{w}" class="([^"]*)"', page).group(1).split() for w in (MONDAY, WEEK2)}
    assert "wi-peak-week" in classes[WEEK2] and "wi-peak-week" not in classes[MONDAY]
    assert page.count("<svg class=\"chart band-chart\"") == 2


def test_running_a_plan_no_forecast_covers_starts_a_forecast_job(client, actions, site, monkeypatch):
    _login(actions)
    later = PEAK.replace("start = 2026-12-07", "start = 2027-03-01").replace("2026-12-14", "2027-03-08") \
        .replace("2026-12-20", "2027-03-14")
    assert _create(client, actions, "Spring", later).status_code == 302
    scenario_id = _scenario_id(site, "Spring")
    submitted = []
    monkeypatch.setattr("web.jobs.InProcessRunner.enqueue", lambda runner, job_id: submitted.append(job_id))
    ran = client.post(f"/planning/whatif/{scenario_id}",
                      data={"name": "Spring", "toml": later, "action": "run",
                            "csrf_token": actions.csrf_token(f"/planning/whatif/{scenario_id}")})
    assert ran.status_code == 302 and ran.headers["Location"].endswith(f"/planning/jobs/{submitted[0]}")
    with site.app_context(), get_db().session() as session:
        job = session.get(models.Job, submitted[0])
        assert (job.kind, job.params["start"], job.params["weeks"]) == ("forecast", "2027-03-01", 2)
    page = client.get(f"/planning/whatif/{scenario_id}?plan=1").get_data(as_text=True)
    assert "No stored forecast covers" in page


def test_compare_shows_both_scenarios_side_by_side(client, actions, site):
    _login(actions)
    _create(client, actions, "January wave", PEAK)
    _create(client, actions, "Chatbot", BOT)
    wave, bot = _scenario_id(site, "January wave"), _scenario_id(site, "Chatbot")
    page = client.get(f"/planning/whatif/compare?ids={wave}&ids={bot}").get_data(as_text=True)
    plans = _expected(PEAK), _expected(BOT)
    assert "January wave" in page and "Chatbot" in page
    required = page[page.index('data-metric="required_fte">'):]
    for i, week in enumerate((MONDAY, WEEK2)):
        assert _cells(required, "data-week", week.isoformat()) == [
            format_date(week, locale="en"), fte(plans[0].weeks["required_fte"].iloc[i]),
            fte(plans[1].weeks["required_fte"].iloc[i])]
    # The peak (week two) beside the whole plan, per scenario.
    paid = [p.weeks["paid_hours"] for p in plans]
    assert _cells(page, "data-metric", "paid_hours") == ["Paid hours", whole(paid[0].iloc[1]), whole(paid[0].sum()),
                                                         whole(paid[1].iloc[1]), whole(paid[1].sum())]
    assert plans[1].weeks["required_fte"].iloc[0] < plans[0].weeks["required_fte"].iloc[0]  # the bot helps


def test_the_full_run_of_a_peak_week_rosters_the_temps_and_evaluates(client, actions, site):
    _login(actions)
    _create(client, actions, "January wave", PEAK)
    scenario_id = _scenario_id(site, "January wave")
    path = f"/planning/whatif/{scenario_id}"
    outside = client.post(f"{path}/full-run", data={"week": "2027-01-04", "time_limit_s": 2,
                                                   "csrf_token": actions.csrf_token(path)})
    assert outside.status_code == 400
    started = client.post(f"{path}/full-run", data={"week": WEEK2.isoformat(), "time_limit_s": 2,
                                                   "csrf_token": actions.csrf_token(path)})
    assert started.status_code == 302 and "/planning/jobs/" in started.headers["Location"]
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    site.extensions["wfm_jobs"].wait(job_id, timeout=120)
    job = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert (result["scenario_id"], result["week"], result["agents"]) == (scenario_id, WEEK2.isoformat(), 3)
    assert result["temps"] == [{"name": "temps", "count": 2, "weekly_hours": 20.0, "productivity": 0.5,
                                "rostered": True}]
    week = result["week_summary"]
    assert set(week) == {"offered", "service_level", "asa_s", "abandon_rate", "under_staffed_hours", "paid_hours",
                         "cost_eur"}
    assert week["offered"] == pytest.approx(30 * 4 * 7 * 1.4)
    assert [d["date"] for d in result["days"]] == [(WEEK2 + dt.timedelta(days=i)).isoformat() for i in range(7)]
    assert sum(d["paid_hours"] for d in result["days"]) == pytest.approx(week["paid_hours"])
    assert sum(d["offered"] for d in result["days"]) == pytest.approx(week["offered"])
    assert result["temp_paid_hours"] > 0  # the temps were rostered
    assert 0 <= week["service_level"] <= 1 and result["queues"][0]["queue"] == "billing"
    page = client.get(f"{path}?job={job_id}").get_data(as_text=True)
    assert "Full run: week of " + format_date(WEEK2, locale="en") in page
    assert _cells(page, "data-day", "week")[6] == whole(week["paid_hours"])
    job_page = client.get(f"/planning/jobs/{job_id}").get_data(as_text=True)
    assert f'href="{path}?job={job_id}#result"' in job_page


@pytest.mark.parametrize(("params", "message"), [
    ({"scenario_id": "1", "week": "2026-12-07"}, "scenario_id '1': give the id of a stored scenario"),
    ({"scenario_id": 1, "week": "soon"}, "week 'soon' is not a date; give the Monday as YYYY-MM-DD"),
    ({"scenario_id": 1, "week": "2026-12-09"}, "week 2026-12-09: give the Monday the week starts, 2026-12-07"),
    ({"scenario_id": 1, "week": "2026-12-07", "time_limit_s": 0}, "time_limit_s 0: give seconds from 1 to 3600"),
])
def test_bad_full_run_parameters_are_refused(params, message):
    with pytest.raises(ValueError) as error:
        check_week_params(params)
    assert str(error.value) == message


def test_peak_weeks_are_the_plan_weeks_with_a_bill_mailing():
    scenario = parse_scenario(BOT, SITE)
    events = pd.DataFrame({"date": [dt.date(2026, 12, 6), dt.date(2026, 12, 9), dt.date(2026, 12, 17),
                                    dt.date(2026, 12, 21)],
                           "event": ["bill_mailing", "price_letter", "bill_mailing", "bill_mailing"]})
    assert plan_peak_weeks(events, scenario) == (WEEK2,)
    assert plan_peak_weeks(events.iloc[:0], scenario) == ()


def test_the_plan_total_and_the_peak_are_the_totals_wfm_whatif_prints(client, actions, site):
    _login(actions)
    _create(client, actions, "January wave", PEAK)
    page = client.get(f"/planning/whatif/{_scenario_id(site, 'January wave')}?plan=1").get_data(as_text=True)
    plan = _expected(PEAK)
    total, peak = totals_of(plan.weeks), totals_of(plan.weeks.iloc[1:])
    assert _cells(page, "data-week", "total") == [
        "Whole plan", whole(total["offered"]), fte(total["required_fte"]), fte(total["available_fte"]),
        fte(total["max_gap_fte"]), whole(total["overtime_hours"]), pct(total["service_level"]),
        whole(total["asa_s"], " s"), pct(total["abandon_rate"]), whole(total["under_staffed_hours"]),
        whole(total["paid_hours"]), whole(total["cost_eur"], " €")]
    assert total["max_gap_fte"] == plan.weeks["gap_fte"].max() > plan.weeks["gap_fte"].mean()  # the largest gap
    assert re.search(r'data-field="peak-worst">([^<]*)<', page).group(1) == pct(peak["min_service_level"])


# --- sweeps --------------------------------------------------------------------------------------------------------

# Temps at 20 h a week and 2,400 € a month from the first week; the stored agents have no pay, so the plan cost is
# the temps' cost alone. The second week (the bill mailing) has 40 % more calls.
SWEPT = """[scenario]
start = 2026-12-07
weeks = 2

[[volume]]
queue = "billing"
from = 2026-12-14
to = 2026-12-20
percent = 40

[[staff]]
name = "temps"
count = 0
from = 2026-12-07
weekly_hours = 20
monthly_pay_eur = 2400
"""
AXES = "deflection.billing.share = 0, 0.5\nstaff.temps.count = 2, 4  # two or four temps"


def _start_sweep(client, actions, scenario_id: int, axes: str, target: str = "80", peaks=()):
    path = f"/planning/whatif/{scenario_id}"
    return client.post(f"{path}/sweep", data={"axes": axes, "target_percent": target, "peak_week": list(peaks),
                                              "csrf_token": actions.csrf_token(path)})


def _jobs(app) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalar(select(func.count()).select_from(models.Job))


@pytest.mark.parametrize(("grid", "message"), [
    (None, 'grid: give one or more paths with their values, e.g. {"deflection.billing.share": [0, 0.1, 0.2], '
           '"staff.temps.count": [0, 5, 10]}'),
    ({"deflection.billing": [0.1]}, "'deflection.billing': not a path to a scenario value; use <table>.<queue or "
                                    "staff name>.<key> (tables volume, handle_time, deflection, service, staff) or "
                                    "staffing.<key>, e.g. deflection.billing.share, staff.temps.count; values: "
                                    "deflection.handle_time_percent, deflection.share, handle_time.percent, "
                                    "service.answer_within_hours, service.answer_within_s, service.patience_s, "
                                    "service.service_level, service.shrinkage, staff.count, staff.from, "
                                    "staff.monthly_pay_eur, staff.until, staff.weekly_hours, "
                                    "staffing.attrition_per_month, staffing.overtime_premium, "
                                    "staffing.overtime_share, volume.per_day, volume.percent"),
    ({"deflection.billing.share": [0, 1.5]}, "deflection.billing.share = 1.5: must lie between 0 and 1"),
    ({"staff.temps.count": ["five"]}, "staff.temps.count = 'five': give a number from 0 to 10000"),
    ({"staff.temps.count": [2.5]}, "staff.temps.count = 2.5: give a whole number"),
    ({"staff.temps.from": ["soon"]}, "staff.temps.from = 'soon': give a date as YYYY-MM-DD"),
    ({"staff.temps.count": []}, "staff.temps.count: give a non-empty list of values, e.g. [0, 0.1, 0.2]"),
    ({"deflection.billing.share": [0, 0.0]}, "deflection.billing.share: 0 is given twice"),
    ({"deflection.billing.share": [i / 100 for i in range(11)], "staff.temps.count": list(range(10))},
     "the grid has 110 points (11 × 10); keep to 100 (fewer values per axis)"),
])
def test_bad_sweep_grids_are_refused_naming_the_path_and_value(grid, message):
    with pytest.raises(ValueError) as error:
        check_sweep_params({"scenario_id": 1, "grid": grid})
    assert str(error.value) == message


@pytest.mark.parametrize(("params", "message"), [
    ({"scenario_id": None}, "scenario_id None: give the id of a stored scenario"),
    ({"target": 80}, "target 80: give a service level from 0.01 to 0.999 (0.8 is 80 %)"),
    ({"peak_weeks": "2026-12-14"}, "peak_weeks '2026-12-14': give a list of days as YYYY-MM-DD (any day of each "
                                   "peak week)"),
    ({"peak_weeks": ["14.12.2026"]}, "peak_weeks: '14.12.2026' is not a date; give YYYY-MM-DD"),
])
def test_bad_sweep_parameters_are_refused(params, message):
    with pytest.raises(ValueError) as error:
        check_sweep_params({"scenario_id": 1, "grid": {"staff.temps.count": [0, 1]}, **params})
    assert str(error.value) == message


def test_sweep_parameters_are_normalised():
    params = check_sweep_params({"scenario_id": 1, "grid": {"staff.temps.from": ["2026-12-09"],
                                                            "deflection.billing.share": [0, 1]},
                                 "peak_weeks": ["2026-12-16", "2026-12-14"], "site": "test-center"})
    assert params == {"scenario_id": 1, "grid": {"staff.temps.from": ["2026-12-09"],
                                                 "deflection.billing.share": [0.0, 1.0]},
                      "target": 0.8, "peak_weeks": ["2026-12-14"], "site": "test-center", "created_by": ""}
    assert check_sweep_params(params) == params  # jobs.submit checks what the page checked once more


def test_the_axes_text_gives_the_grid_line_by_line():
    assert parse_axes('# comment\n\ndeflection.billing.share = 0, 0.1,\n"staff.temps.from" = [2026-12-07]\n') == {
        "deflection.billing.share": [0, 0.1], "staff.temps.from": ["2026-12-07"]}
    with pytest.raises(ValueError, match="^line 2: write a path, = and its values, e.g. deflection.billing.share"):
        parse_axes("staff.temps.count = 1\nstaff.temps.count 2")
    with pytest.raises(ValueError, match="^line 2: staff.temps.count is given twice; give all its values on one"):
        parse_axes("staff.temps.count = 1\nstaff.temps.count = 2")


def test_a_sweep_the_scenario_cannot_take_is_refused_on_its_page_and_no_job_starts(client, actions, site):
    _login(actions)
    _create(client, actions, "Temps", SWEPT)
    scenario_id = _scenario_id(site, "Temps")
    before = _jobs(site)
    for axes, message in [
        ("staff.students.count = 1, 2", "'staff.students.count': the scenario 'Temps' has no [[staff]] with name = "
                                        "'students'; add one to the scenario (the sweep sets its count)"),
        ("deflection.phone.share = 0.1", "'deflection.phone.share': 'phone' is not a queue of the site; use one of "
                                         "billing, email, *"),
        ("staff.temps.count 1, 2", "line 1: write a path, = and its values, e.g. deflection.billing.share = 0, 0.1, "
                                   "0.2"),
        ("", "give at least one line: a path, = and its values"),
    ]:
        response = _start_sweep(client, actions, scenario_id, axes)
        assert response.status_code == 400
        page = html.unescape(response.get_data(as_text=True))
        assert "The sweep was not started:" in page and f"<li>{message}</li>" in page, message
    outside = _start_sweep(client, actions, scenario_id, AXES, peaks=["2027-01-04"])
    assert "<li>peak week 2027-01-04: not a week of the plan (2026-12-07 to 2026-12-20)</li>" in \
        html.unescape(outside.get_data(as_text=True))
    assert _jobs(site) == before


def _sweep_frame() -> pd.DataFrame:
    starts = pd.to_datetime([t for t, _ in VALUES]).tz_convert(BERLIN)
    frame = pd.DataFrame({"queue": "billing", "interval_start": starts, "offered": [v for _, v in VALUES],
                          "aht_s": 300.0})
    frame["offered_p10"] = frame["offered_p90"] = frame["offered"]
    return frame


def test_a_sweep_job_gives_what_the_sweep_gives_and_its_page_shows_the_frontier(client, actions, site):
    _login(actions)
    _create(client, actions, "Temps", SWEPT)
    scenario_id = _scenario_id(site, "Temps")
    page = client.get(f"/planning/whatif/{scenario_id}").get_data(as_text=True)
    # The bill-mailing week is ticked as the peak; the axes start from the scenario's staff group.
    assert re.search(rf'name="peak_week" value="{WEEK2}" checked', page)
    assert not re.search(rf'name="peak_week" value="{MONDAY}" checked', page)
    assert "staff.temps.count = 0, 5, 10, 20" in page
    started = _start_sweep(client, actions, scenario_id, AXES, target="80", peaks=[WEEK2.isoformat()])
    assert started.status_code == 302 and "/planning/jobs/" in started.headers["Location"]
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    site.extensions["wfm_jobs"].wait(job_id, timeout=120)
    job = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "succeeded", job
    result = job["result"]

    scenario = dataclasses.replace(parse_scenario(SWEPT, SITE), name="Temps")
    expected = sweep(scenario, {"deflection.billing.share": [0.0, 0.5], "staff.temps.count": [2, 4]},
                     _sweep_frame(), SITE, AGENTS, [WEEK2], 0.8, workers=1)

    def point(p) -> dict:
        return {"values": dict(p.values), "scenario": p.scenario, "cost_eur": p.cost_eur,
                "peak_cost_eur": p.peak_cost_eur, "peak_service_level": p.peak_service_level,
                "min_peak_service_level": p.min_peak_service_level, "meets_target": p.meets_target,
                "extra_fte_needed": p.extra_fte_needed,
                "first_short_week": p.first_short_week.isoformat() if p.first_short_week else None}
    assert result["points"] == [point(p) for p in expected.points]
    assert result["frontier"] == [point(expected.points[i]) for i in expected.frontier]
    assert result["cheapest_meeting_target"] == point(expected.points[expected.cheapest])
    assert (result["frontier_index"], result["cheapest_index"]) == (list(expected.frontier), expected.cheapest)
    assert (result["axes"], result["target"], result["peak_weeks"], result["peak_source"]) == (
        ["deflection.billing.share", "staff.temps.count"], 0.8, [WEEK2.isoformat()], "chosen")
    # The test means something: two points meet the target, one of them at the lower cost.
    assert [p.meets_target for p in expected.points] == [False, True, True, True]
    assert expected.frontier == (2, 3) and expected.cheapest == 2
    assert expected.points[2].cost_eur < expected.points[1].cost_eur

    page = client.get(f"/planning/whatif/{scenario_id}?sweep={job_id}").get_data(as_text=True)
    best = expected.points[2]
    cheapest = html.unescape(re.sub(r"<[^>]+>", "", re.search(r'data-field="cheapest">(.*?)</p>', page, re.S)
                                    .group(1)))
    assert cheapest == ("Cheapest meeting 80.0 % in every peak week: deflection.billing.share = 0.5, "
                        f"staff.temps.count = 2 · plan cost {whole(best.cost_eur, ' €')}, peak service level "
                        f"{pct(best.peak_service_level)}, worst peak week {pct(best.min_peak_service_level)}")
    rows = re.findall(r'<tr data-point="(\d)" class="([^"]*)"', page)
    assert rows == [("0", ""), ("2", "wi-frontier-row wi-cheapest-row"), ("1", ""), ("3", "wi-frontier-row")]
    assert [_cells(page, "data-point", str(i))[-2:] for i in range(4)] == [
        ["no", ""], ["yes", ""], ["yes", "cheapest meeting the target"], ["yes", "on the frontier"]]
    assert _cells(page, "data-point", "2")[:4] == ["0.5", "2", whole(best.cost_eur, " €"), whole(best.peak_cost_eur,
                                                                                                  " €")]
    svg = re.search(r'<svg class="chart wi-scatter".*?</svg>', page, re.S).group(0)
    assert svg.count('<circle class="wi-dot') == 4 and svg.count("wi-dot-cheapest") == 1
    assert svg.count("wi-dot-frontier") == 2 and '<polyline class="wi-frontier"' in svg
    assert '<line class="wi-target"' in svg
    job_page = client.get(f"/planning/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/planning/whatif/{scenario_id}?sweep={job_id}#sweep-result"' in job_page
