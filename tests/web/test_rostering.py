"""Roster jobs through the API: forecast, then a roster for the week with progress, explanation and shifts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.demo_data import generate_demo, write_demo
from web import imports, models
from web.db import get_db
from web.rostering import check_roster_params

END = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return write_demo(generate_demo("small", end=END, weeks=12), tmp_path_factory.mktemp("demo"))


@pytest.fixture
def lead(app, actions, demo_files):
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, demo_files["site.toml"])
        imports.import_history(session, site.slug, demo_files["history.csv"])
        imports.import_events(session, site.slug, demo_files["events.csv"])
        imports.import_agents(session, site.slug, demo_files["agents.csv"])
        imports.import_absences(session, site.slug, demo_files["absences.csv"])
    actions.add_user("lead", "lead", "pw")
    actions.login("lead", "pw")
    return actions


def _run(app, client, actions, kind, params) -> dict:
    response = client.post("/api/v1/jobs", json={"kind": kind, "params": params},
                           headers={"X-CSRFToken": actions.csrf_token("/me")})
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    app.extensions["wfm_jobs"].wait(job_id, timeout=300)
    return client.get(f"/api/v1/jobs/{job_id}").get_json()


def test_a_roster_job_forecasts_the_week_when_needed_and_stores_a_draft_version(app, client, lead):
    job = _run(app, client, lead, "roster", {"start": "2026-11-23", "time_limit_s": 8, "seed": 1})
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["status"] in ("FEASIBLE", "OPTIMAL") and result["shifts"]
    assert result["under_agent_intervals"] <= result["required_agent_intervals"]
    first = result["shifts"][0]
    assert first["date"] >= "2026-11-23" and first["segments"][0]["start"] < first["segments"][-1]["end"]
    with app.app_context(), get_db().session() as session:
        run = session.get(models.ForecastRun, result["forecast_run"])
        version = session.get(models.RosterVersion, result["version_id"])
        assert (run.start_date, run.days) == (dt.date(2026, 11, 23), 7)
        assert (version.status, version.week_start, version.forecast_run) == ("draft", dt.date(2026, 11, 23), run.id)
        assert len(version.shifts) == len(result["shifts"])


def test_a_roster_job_told_not_to_forecast_fails_with_the_reason(app, client, lead):
    job = _run(app, client, lead, "roster", {"start": "2027-03-01", "time_limit_s": 2, "forecast_if_missing": False})
    assert job["status"] == "failed"
    assert "no stored forecast covers 2027-03-01 to 2027-03-07" in job["error"]


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "next monday"}, "start 'next monday' is not a date; give YYYY-MM-DD"),
    ({"start": "2026-11-23", "days": 0}, "days 0: give a whole number of days from 1 to 28"),
    ({"start": "2026-11-23", "time_limit_s": 0}, "time_limit_s 0: give seconds from 1 to 3600"),
    ({"start": "2026-11-23", "seed": "x"}, "seed 'x': give a whole number"),
    ({"start": "2026-11-23", "forecast_if_missing": "yes"}, "forecast_if_missing 'yes': give true or false"),
])
def test_bad_roster_parameters_are_refused(params, message):
    with pytest.raises(ValueError) as error:
        check_roster_params(params)
    assert str(error.value) == message


def test_a_roster_job_split_by_team_stores_one_checked_roster_of_all_teams(app, client, lead):
    job = _run(app, client, lead, "roster", {"start": "2026-11-23", "time_limit_s": 12, "seed": 1,
                                             "decompose": "team"})
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["explanation"][0].startswith("round 1: ")
    assert result["under_agent_intervals"] <= result["required_agent_intervals"]
    with app.app_context(), get_db().session() as session:
        version = session.get(models.RosterVersion, result["version_id"])
        assert len(version.shifts) == len(result["shifts"]) > 0
        team_of = dict(session.execute(select(models.Agent.agent_id, models.Agent.team)).all())
    assert len({team_of[shift["agent_id"]] for shift in result["shifts"]}) > 1  # every team's part is in it


def test_an_unknown_decomposition_is_refused():
    with pytest.raises(ValueError, match="decompose 'district': give auto"):
        check_roster_params({"start": "2026-11-23", "decompose": "district"})
