"""Data in and numbers out through the API: file imports with row-precise refusals that store nothing, and the
staffing requirements of a stored forecast."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from scheduler.staffing import staff
from tests.web.api_fixtures import MONDAY, load_site, make_forecast_run, send
from tests.web.site_fixture import GOOD_HISTORY, SITE_TOML
from web import models
from web.db import get_db
from web.forecasting import forecast_values
from web.repository import find_site, site_config

HEADER = "agent_id,name,team,skills,weekly_hours,max_days_per_week\n"


@pytest.fixture
def lead(app, actions):
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    return actions


def _count(app, model) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _post_raw(client, actions, kind: str, text: str, content_type: str = "text/csv"):
    return client.post(f"/api/v1/imports/{kind}", data=text.encode(), content_type=content_type,
                       headers={"X-CSRFToken": actions.csrf_token("/me")})


def test_a_site_then_agents_are_imported_from_raw_bodies(app, client, lead):
    site = _post_raw(client, lead, "site", SITE_TOML, "application/toml")
    assert site.status_code == 200
    assert (site.get_json()["site"], site.get_json()["queues"]) == ("test-center", ["billing", "email"])
    agents = _post_raw(client, lead, "agents", HEADER + "A1,Anna,Nord,billing,16,5\n")
    assert agents.status_code == 200
    assert agents.get_json()["message"] == "imported 1 agents rows from agents.csv: 1 new, 0 updated"
    assert _count(app, models.Agent) == 1


def test_a_multipart_history_upload_is_stored(app, client, lead):
    load_site(app)
    response = client.post("/api/v1/imports/history", data={"file": (io.BytesIO(GOOD_HISTORY.encode()), "h.csv")},
                           content_type="multipart/form-data", headers={"X-CSRFToken": lead.csrf_token("/me")})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["file"], response.get_json()["rows"]) == ("h.csv", 3)
    assert _count(app, models.HistoryRow) == 3


def test_an_import_with_a_bad_row_names_its_line_and_stores_nothing(app, client, lead):
    load_site(app)
    before = _count(app, models.Agent)
    response = _post_raw(client, lead, "agents", HEADER + "C1,Carl,Nord,billing,16,5\nC2,Cleo,Sued,billing,lots,5\n")
    assert response.status_code == 400
    body = response.get_json()
    assert body["problems"] == ["agents.csv line 3, column weekly_hours: 'lots' is not a number; give contract hours "
                                "per week, e.g. 40"]
    assert body["message"] == ("agents.csv was refused and nothing of it was stored; fix the problems listed and "
                               "send it again")
    assert _count(app, models.Agent) == before  # the good row C1 was not stored either


def test_a_bad_site_file_lists_its_problems(app, client, lead):
    response = _post_raw(client, lead, "site", SITE_TOML.replace('"Europe/Berlin"', '"Mars/Olympus"'),
                         "application/toml")
    assert response.status_code == 400 and any("Mars/Olympus" in p for p in response.get_json()["problems"])
    assert _count(app, models.Site) == 0


def test_imports_are_for_team_leads_and_known_kinds(app, client, actions):
    actions.add_user("planner", "planner", "pw")
    actions.login("planner", "pw")
    assert _post_raw(client, actions, "agents", HEADER).status_code == 403
    actions.logout()
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    assert _post_raw(client, actions, "payroll", "x").status_code == 404
    empty = _post_raw(client, actions, "agents", "")
    assert empty.status_code == 400 and "the request has no file" in empty.get_json()["message"]


def test_staffing_numbers_equal_staff_on_the_same_forecast(app, client, lead):
    load_site(app)
    run_id = make_forecast_run(app, [20, 30, 10, 0])
    body = client.get(f"/api/v1/staffing?forecast_run={run_id}").get_json()
    with app.app_context(), get_db().session() as session:
        expected = staff(forecast_values(session, run_id), site_config(find_site(session)))
    assert [r["interval_start"] for r in body["requirements"]] == [t.isoformat() for t in expected["interval_start"]]
    assert [r["agents_required"] for r in body["requirements"]] == list(expected["agents_required"])
    assert [r["agents_scheduled"] for r in body["requirements"]] == list(expected["agents_scheduled"])
    assert body["requirements"][0]["interval_start"] == "2026-12-07T08:00:00+01:00"
    later = client.get(f"/api/v1/staffing?forecast_run={run_id}&start={MONDAY.replace(day=8)}&days=1").get_json()
    assert later["requirements"] == []  # the run's values are all on Monday


def test_staffing_refusals_name_the_parameter(app, client, lead):
    load_site(app)
    run_id = make_forecast_run(app, [20])
    assert client.get("/api/v1/staffing").get_json()["message"].startswith("give ?forecast_run=ID")
    assert client.get(f"/api/v1/staffing?forecast_run={run_id + 1}").status_code == 404
    fax = client.get(f"/api/v1/staffing?forecast_run={run_id}&queue=fax")
    assert fax.status_code == 400 and fax.get_json()["message"].startswith("queue 'fax' is not a queue")
    early = client.get(f"/api/v1/staffing?forecast_run={run_id}&start=2026-01-01")
    assert early.status_code == 400 and "covers 2026-12-07 to 2026-12-13" in early.get_json()["message"]


def test_staffing_is_not_for_agents(app, client, actions):
    load_site(app)
    actions.add_user("agent", "agent", "pw")
    actions.login("agent", "pw")
    assert send(client, actions, "GET", "/api/v1/staffing?forecast_run=1").status_code == 403
