"""Forecast jobs through the API: submit, wait, read the stored run; overrides; refusals and cancellation."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.demo_data import generate_demo, write_demo
from web import imports
from web.db import get_db

END = dt.date(2026, 11, 22)  # a Sunday: the history ends on the Saturday before


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return write_demo(generate_demo("small", end=END, weeks=12), tmp_path_factory.mktemp("demo"))


@pytest.fixture
def planner(app, actions, demo_files):
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, demo_files["site.toml"])
        imports.import_history(session, site.slug, demo_files["history.csv"])
        imports.import_events(session, site.slug, demo_files["events.csv"])
    actions.add_user("planner", "planner", "pw")
    actions.login("planner", "pw")
    return actions


def _post(client, actions, path, body):
    return client.post(path, json=body, headers={"X-CSRFToken": actions.csrf_token("/me")})


def _run(app, client, actions, params) -> dict:
    response = _post(client, actions, "/api/v1/jobs", {"kind": "forecast", "params": params})
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    app.extensions["wfm_jobs"].wait(job_id, timeout=120)
    return client.get(f"/api/v1/jobs/{job_id}").get_json()


def test_forecast_job_stores_a_run_with_every_open_interval(app, client, planner):
    job = _run(app, client, planner, {"start": "2026-11-23", "weeks": 1})
    assert job["status"] == "succeeded" and job["progress"] == 1.0, job
    run = client.get(f"/api/v1/forecasts/{job['result']['run_id']}").get_json()
    values = run["values"]
    # Mon-Fri 08:00-20:00 (48 quarter-hours) and Sat 09:00-14:00 (20) for four queues.
    assert len(values) == 4 * (5 * 48 + 20)
    assert {v["queue"] for v in values} == {"billing", "technical", "chat", "email"}
    assert values[0]["interval_start"] == "2026-11-23T08:00:00+01:00"
    assert all(v["offered_p10"] <= v["offered_p90"] for v in values)
    assert set(run["forecast"]["details"]["choices"]) == {"billing", "technical", "chat", "email"}
    csv = client.get(f"/api/v1/forecasts/{job['result']['run_id']}?format=csv&queue=chat")
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "queue,interval_start,offered,aht_s,offered_p10,offered_p90" and len(lines) == 1 + 5 * 48 + 20


def test_override_changes_the_next_forecast_of_its_queue_and_days(app, client, planner):
    before = _run(app, client, planner, {"start": "2026-11-23", "weeks": 1, "method": "mean_6_weeks"})
    created = _post(client, planner, "/api/v1/overrides", {"queue": "billing", "start": "2026-11-24",
                                                           "end": "2026-11-24", "percent": 25, "reason": "letters"})
    assert created.status_code == 201 and created.get_json()["created_by"] == "planner"
    after = _run(app, client, planner, {"start": "2026-11-23", "weeks": 1, "method": "mean_6_weeks"})
    old = client.get(f"/api/v1/forecasts/{before['result']['run_id']}?queue=billing").get_json()["values"]
    new = client.get(f"/api/v1/forecasts/{after['result']['run_id']}?queue=billing").get_json()["values"]
    ratios = {o["interval_start"][:10]: round(n["offered"] / o["offered"], 6)
              for o, n in zip(old, new, strict=True) if o["offered"] > 0}
    assert ratios["2026-11-24"] == 1.25 and ratios["2026-11-23"] == 1.0 and ratios["2026-11-25"] == 1.0


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "23.11.2026"}, "start '23.11.2026' is not a date; give YYYY-MM-DD"),
    ({"start": "2026-11-23", "weeks": 0}, "weeks 0: give a whole number of weeks from 1 to 104"),
    ({"start": "2026-11-23", "method": "magic"}, "method 'magic': use one of auto, calendar"),
])
def test_bad_forecast_parameters_are_refused_before_anything_runs(client, planner, params, message):
    response = _post(client, planner, "/api/v1/jobs", {"kind": "forecast", "params": params})
    assert response.status_code == 400
    assert response.get_json()["error"] == "Bad Request" and response.get_json()["message"].startswith(message)


def test_unknown_job_kind_is_refused(client, planner):
    response = _post(client, planner, "/api/v1/jobs", {"kind": "teleport", "params": {}})
    assert response.status_code == 400 and "unknown job kind 'teleport'" in response.get_json()["message"]


def test_override_for_unknown_queue_is_refused(client, planner):
    response = _post(client, planner, "/api/v1/overrides", {"queue": "fax", "start": "2026-11-24",
                                                            "end": "2026-11-24", "percent": 5})
    assert response.status_code == 400 and "unknown queue 'fax'" in response.get_json()["message"]


def test_agents_cannot_start_forecasts(client, actions, demo_files, app):
    actions.add_user("ag", "agent", "pw")
    actions.login("ag", "pw")
    response = _post(client, actions, "/api/v1/jobs", {"kind": "forecast", "params": {"start": "2026-11-23"}})
    assert response.status_code == 403 and response.get_json()["error"] == "Forbidden"


def test_missing_job_is_404_json(client, planner):
    response = client.get("/api/v1/jobs/no-such-job")
    assert response.status_code == 404 and response.get_json()["message"] == "no job no-such-job"


def test_jobs_left_running_by_a_stopped_server_are_marked_failed(app):
    from web import models
    from web.jobs import fail_orphans

    with app.app_context(), get_db().session() as session:
        session.add(models.Job(id="j1", kind="forecast", status="running", params={}, created_by="x"))
        session.add(models.Job(id="j2", kind="forecast", status="succeeded", params={}, created_by="x"))
    assert fail_orphans(app.extensions["wfm_db"]) == 1
    with app.app_context(), get_db().session() as session:
        assert session.get(models.Job, "j1").status == "failed"
        assert "server stopped" in session.get(models.Job, "j1").error
        assert session.get(models.Job, "j2").status == "succeeded"


def test_cancelling_a_queued_job_stops_it_before_it_runs(app):
    from web import models
    from web.jobs import request_cancel

    with app.app_context(), get_db().session() as session:
        session.add(models.Job(id="q1", kind="forecast", status="queued", params={}, created_by="x"))
    job = request_cancel(app.extensions["wfm_db"], "q1")
    assert job.status == "cancelled" and job.cancel_requested
    app.extensions["wfm_jobs"].enqueue("q1")
    app.extensions["wfm_jobs"].wait("q1", timeout=10)
    with app.app_context(), get_db().session() as session:
        assert session.get(models.Job, "q1").status == "cancelled"
