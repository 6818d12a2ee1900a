"""The in-process job runner: progress is stored, a running job stops when cancelled, errors are kept."""

from __future__ import annotations

import threading

from web import jobs, models
from web.db import get_db

STARTED = threading.Event()
RELEASE = threading.Event()


def _check(params: dict) -> dict:
    return params


@jobs.job_kind("test_steps", _check)
def _steps(ctx: jobs.JobContext, database, params: dict) -> dict:
    ctx.progress(0.5, "half way")
    STARTED.set()
    RELEASE.wait(timeout=30)
    ctx.progress(0.9, "almost")  # a cancel request is noticed here
    if params.get("fail"):
        raise ValueError("the input was wrong; fix it")
    return {"answer": 42}


def _job(app, job_id: str) -> models.Job:
    with app.app_context(), get_db().session() as session:
        return session.get(models.Job, job_id)


def _start(app, params: dict) -> str:
    STARTED.clear()
    RELEASE.clear()
    job = jobs.submit(app.extensions["wfm_jobs"], "test_steps", params, "tester")
    assert STARTED.wait(timeout=30)
    return job.id


def test_a_job_reports_progress_and_its_result(app):
    job_id = _start(app, {})
    running = _job(app, job_id)
    assert (running.status, running.progress, running.message) == ("running", 0.5, "half way")
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    done = _job(app, job_id)
    assert (done.status, done.progress, done.result) == ("succeeded", 1.0, {"answer": 42})


def test_a_running_job_stops_at_its_next_progress_report_when_cancelled(app):
    job_id = _start(app, {})
    jobs.request_cancel(app.extensions["wfm_db"], job_id)
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    assert _job(app, job_id).status == "cancelled" and _job(app, job_id).result is None


def test_a_refused_input_fails_the_job_with_its_message(app):
    job_id = _start(app, {"fail": True})
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    failed = _job(app, job_id)
    assert (failed.status, failed.error) == ("failed", "the input was wrong; fix it")


def test_the_job_api_shows_a_job_to_its_creator_and_hides_it_from_agents(app, client, actions):
    job_id = _start(app, {})
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    actions.add_user("tester", "lead", "pw")
    actions.login("tester", "pw")
    assert client.get(f"/api/v1/jobs/{job_id}").get_json()["result"] == {"answer": 42}
    actions.logout()
    actions.add_user("someone", "agent", "pw")
    actions.login("someone", "pw")
    hidden = client.get(f"/api/v1/jobs/{job_id}")
    assert hidden.status_code == 404 and "answer" not in hidden.get_data(as_text=True)
