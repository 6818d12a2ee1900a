"""Planner pages: forecast with its band, requirement heat maps, and the job progress page."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from flask import url_for
from sqlalchemy import select

from forecasts.site import parse_site
from scheduler.staffing import staff
from tests.web.site_fixture import GOOD_HISTORY, SITE_TOML
from web import imports, models
from web.db import get_db
from web.planning_pages import clock, requirement_grid

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = dt.date(2026, 12, 14)  # the forecast's first day; GOOD_HISTORY holds Monday 7 December
WEDNESDAY = "queue,interval_start,offered\nbilling,2026-12-09T09:00:00+01:00,5\n"
EVENTS = "date,event,queue,size\n2026-12-14,bill_mailing,billing,5000\n"
# (queue, interval start, offered, p10, p90, aht_s)
VALUES = [("billing", dt.datetime(2026, 12, 14, 8, 0, tzinfo=BERLIN), 10.0, 8.0, 12.0, 300.0),
          ("billing", dt.datetime(2026, 12, 14, 8, 15, tzinfo=BERLIN), 20.0, 16.0, 25.0, 300.0),
          ("billing", dt.datetime(2026, 12, 14, 8, 30, tzinfo=BERLIN), 30.0, 24.0, 36.0, 300.0),
          ("billing", dt.datetime(2026, 12, 15, 8, 0, tzinfo=BERLIN), 40.0, 30.0, 50.0, 300.0),
          ("email", dt.datetime(2026, 12, 14, 8, 0, tzinfo=BERLIN), 4.0, 2.0, 6.0, 600.0)]


@pytest.fixture
def run_id(app) -> int:
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_history(session, site.slug, io.BytesIO(GOOD_HISTORY.encode()), name="history.csv")
        imports.import_history(session, site.slug, io.BytesIO(WEDNESDAY.encode()), name="wednesday.csv")
        imports.import_events(session, site.slug, io.BytesIO(EVENTS.encode()), name="events.csv")
        run = models.ForecastRun(site_id=site.id, start_date=MONDAY, days=7, method="auto", created_by="planner")
        session.add(run)
        session.flush()
        session.add_all(models.ForecastValue(run_id=run.id, queue=q, interval_start=t,
                                             offered=o, offered_p10=lo, offered_p90=hi, aht_s=aht)
                        for q, t, o, lo, hi, aht in VALUES)
        return run.id


def _login(actions, role: str, **kwargs) -> None:
    actions.add_user(role, role, "pw", **kwargs)
    actions.login(role, "pw")
    actions.client.get("/lang/en")


@pytest.mark.parametrize("role", ["lead", "planner", "admin"])
@pytest.mark.parametrize("path", ["/planning/forecast", "/planning/requirements"])
def test_planners_open_the_pages(client, actions, run_id, role, path):
    _login(actions, role)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ["agent", "council"])
@pytest.mark.parametrize("path", ["/planning/forecast", "/planning/requirements"])
def test_agents_and_the_council_may_not(client, actions, run_id, role, path):
    _login(actions, role)
    assert client.get(path).status_code == 403


def test_the_forecast_page_shows_the_runs_numbers(client, actions, run_id):
    _login(actions, "planner")
    page = client.get(f"/planning/forecast?run={run_id}&queue=billing").get_data(as_text=True)
    monday = _row(page, "Mon 14.12.2026")
    assert monday[1:5] == ["", "60.0", "48.0", "73.0"] and monday[5] == "bill mailing"  # sums of 3 intervals
    assert _row(page, "Mon 7.12.2026")[1:3] == ["22", ""]  # history 10 + 12, before the forecast starts
    assert _row(page, "Tue 8.12.2026")[1] == "0"  # inside the history: a day without rows was closed
    assert _row(page, "Sun 6.12.2026")[1] == _row(page, "Sun 13.12.2026")[1] == ""  # outside it: unknown
    assert '<polygon class="band"' in page and "band: sum of interval p10/p90" in page.lower()
    # The intraday table: Monday's intervals with the history of the Monday before.
    assert _row(page, "08:15") == ["08:15", "20.0", "16.0", "25.0", "12.0"]


def test_the_intraday_day_is_chosen(client, actions, run_id):
    _login(actions, "lead")
    page = client.get(f"/planning/forecast?run={run_id}&queue=billing&day=2026-12-15").get_data(as_text=True)
    assert _row(page, "08:00") == ["08:00", "40.0", "30.0", "50.0", ""]  # no Tuesday history


def test_an_unknown_run_is_404(client, actions, run_id):
    _login(actions, "lead")
    assert client.get(f"/planning/forecast?run={run_id + 1}").status_code == 404


def test_the_forecast_form_starts_a_job_and_goes_to_its_page(app, client, actions, run_id):
    _login(actions, "planner")
    token = actions.csrf_token("/planning/forecast")
    response = client.post("/planning/forecast/run", data={"start": "2026-12-21", "weeks": "1", "method": "auto",
                                                           "csrf_token": token})
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    app.extensions["wfm_jobs"].wait(job_id, timeout=120)
    with app.app_context(), get_db().session() as session:
        job = session.get(models.Job, job_id)
        assert (job.kind, job.params["start"], job.params["weeks"], job.created_by) == \
            ("forecast", "2026-12-21", 1, "planner")


def test_the_requirements_page_shows_what_staff_computes(app, client, actions, run_id):
    with app.app_context(), get_db().session() as session:
        site = parse_site(session.scalars(select(models.Site)).one().config_toml)
    frame = pd.DataFrame([(q, pd.Timestamp(t), o, aht, lo, hi) for q, t, o, lo, hi, aht in VALUES],
                         columns=["queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90"])
    needs = staff(frame, site)
    at = needs[(needs["queue"] == "billing") & (needs["interval_start"] == pd.Timestamp("2026-12-14 08:15",
                                                                                          tz="Europe/Berlin"))]
    expected = int(at["agents_required"].iloc[0])
    monday_hours = needs[(needs["queue"] == "billing")
                         & (needs["interval_start"].dt.date == MONDAY)]["agents_required"].sum() / 4
    _login(actions, "lead")
    page = client.get(f"/planning/requirements?run={run_id}&queue=billing&week=2026-12-16").get_data(as_text=True)
    assert expected > 0 and f'title="Mon 14.12. 08:15: {expected}">{expected}</td>' in page
    assert f'<td class="num total">{monday_hours:.1f}</td>' in page
    assert "<h2>email</h2>" not in page  # one queue chosen


def test_the_requirement_grid_keeps_both_hours_of_the_fall_back_night():
    utc = dt.UTC
    needs = pd.DataFrame({"interval_start": pd.to_datetime([
        dt.datetime(2026, 10, 19, 6, 0, tzinfo=utc), dt.datetime(2026, 10, 19, 6, 15, tzinfo=utc),  # Mon 08:00
        dt.datetime(2026, 10, 25, 0, 0, tzinfo=utc), dt.datetime(2026, 10, 25, 1, 0, tzinfo=utc),  # 02:00 twice
    ]).tz_convert("Europe/Berlin"), "agents_required": [3, 5, 1, 2]})
    grid, labels = requirement_grid(needs, dt.date(2026, 10, 19), BERLIN, 15)
    assert labels == ["02:00", "02:00 (2)", "08:00", "08:15"]
    cells = {row.label: [c.value for c in row.cells] for row in grid.rows}
    assert cells[dt.date(2026, 10, 19)] == [None, None, 3.0, 5.0]
    assert cells[dt.date(2026, 10, 25)] == [1.0, 2.0, None, None]
    assert [row.total for row in grid.rows] == [2.0, 0, 0, 0, 0, 0, 0.75]


# --- jobs ---------------------------------------------------------------------------------------------------

def _job(app, **fields) -> str:
    values = {"id": str(uuid.uuid4()), "kind": "roster", "status": "running", "progress": 0.4,
              "message": "objective 1,234, bound 1,000, gap 18.9%, 12 s", "params": {"start": "2026-12-14"},
              "created_by": "someone", "started_at": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=65), **fields}
    with app.app_context(), get_db().session() as session:
        session.add(models.Job(**values))
    return values["id"]


def test_the_job_page_shows_progress_and_message(app, client, actions, run_id):
    job_id = _job(app)
    _login(actions, "planner")
    page = client.get(f"/planning/jobs/{job_id}").get_data(as_text=True)
    assert '<progress max="1" value="0.4000"' in page and '<span data-field="percent">40 %</span>' in page
    assert "objective 1,234, bound 1,000, gap 18.9%, 12 s" in page
    assert re.search(r'data-field="elapsed">1:0[5-9]<', page)
    assert f'data-job-id="{job_id}"' in page and 'http-equiv="refresh"' in page


def test_cancel_sets_the_request(app, client, actions, run_id):
    job_id = _job(app)
    _login(actions, "lead")
    token = actions.csrf_token(f"/planning/jobs/{job_id}")
    response = client.post(f"/planning/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/planning/jobs/{job_id}"
    with app.app_context(), get_db().session() as session:
        assert session.get(models.Job, job_id).cancel_requested is True


def test_cancel_needs_the_csrf_token(app, client, actions, run_id):
    job_id = _job(app)
    _login(actions, "lead")
    assert client.post(f"/planning/jobs/{job_id}/cancel").status_code == 400
    with app.app_context(), get_db().session() as session:
        assert session.get(models.Job, job_id).cancel_requested is False


def test_a_finished_roster_job_links_to_its_version(app, client, actions, run_id):
    job_id = _job(app, status="succeeded", progress=1.0, message="done", result={"version_id": 7},
                  finished_at=dt.datetime.now(dt.UTC))
    _login(actions, "lead")
    page = client.get(f"/planning/jobs/{job_id}").get_data(as_text=True)
    with app.test_request_context():
        expected = url_for("rosters.version", version_id=7) if "rosters.version" in app.view_functions \
            else "/rosters/7"
    assert expected.startswith("/rosters/") and f'href="{expected}"' in page
    assert "<script" not in page and 'http-equiv="refresh"' not in page  # finished: nothing polls


def test_a_finished_forecast_job_links_to_its_run(app, client, actions, run_id):
    job_id = _job(app, kind="forecast", status="succeeded", progress=1.0, result={"run_id": run_id})
    _login(actions, "planner")
    page = client.get(f"/planning/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/planning/forecast?run={run_id}"' in page


def test_a_failed_job_shows_its_error(app, client, actions, run_id):
    job_id = _job(app, status="failed", error="no stored forecast covers 2027-03-01 to 2027-03-07")
    _login(actions, "planner")
    assert "no stored forecast covers 2027-03-01 to 2027-03-07" in client.get(f"/planning/jobs/{job_id}").get_data(
        as_text=True)


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("council", 403), ("lead", 403), ("admin", 200)])
def test_who_sees_a_job_of_another_site(app, client, actions, run_id, role, status):
    with app.app_context(), get_db().session() as session:
        imports.import_site(session, io.BytesIO(SITE_TOML.replace("Test Center", "Other").encode()), name="o.toml")
    job_id = _job(app, params={"site": "other"})
    _login(actions, role)
    assert client.get(f"/planning/jobs/{job_id}").status_code == status


def test_the_creator_sees_a_job_and_agents_never(app, client, actions, run_id):
    job_id = _job(app, params={"site": "other-site-that-is-gone"}, created_by="planner")
    _login(actions, "planner")
    assert client.get(f"/planning/jobs/{job_id}").status_code == 200
    actions.logout()
    _login(actions, "agent")
    assert client.get(f"/planning/jobs/{_job(app)}").status_code == 403


def test_job_js_is_a_static_script_and_the_page_has_no_inline_script(app, client, actions, run_id):
    script = client.get("/static/job.js")
    body = script.get_data(as_text=True)
    script.close()  # the file stays open until the response is closed
    assert script.status_code == 200 and "javascript" in script.mimetype and "fetch(" in body
    _login(actions, "lead")
    page = client.get(f"/planning/jobs/{_job(app)}").get_data(as_text=True)
    tags = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert tags == [(' src="/static/job.js" defer', "")]


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (65.9, "1:05"), (3600 + 61, "1:01:01")])
def test_clock(seconds, text):
    assert clock(seconds) == text


def _row(page: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`, tags stripped."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r}")
