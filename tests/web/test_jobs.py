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


@jobs.job_kind("test_message", _check)
def _message(ctx: jobs.JobContext, database, params: dict) -> dict:
    ctx.progress(0.5, jobs.N_("objective %(objective)s, bound %(bound)s, gap %(gap_share)s, %(seconds)s s"),
                 objective=1234567.0, bound=1200000.0, gap_share=0.0277, seconds=12.4)
    STARTED.set()
    RELEASE.wait(timeout=30)
    return {}


def test_a_progress_message_is_stored_in_english_and_read_in_the_readers_language(app, client, actions):
    STARTED.clear()
    RELEASE.clear()
    job = jobs.submit(app.extensions["wfm_jobs"], "test_message", {}, "tester")
    assert STARTED.wait(timeout=30)
    assert _job(app, job.id).message == "objective 1,234,567, bound 1,200,000, gap 2.8%, 12 s"
    actions.add_user("tester", "lead", "pw")
    actions.login("tester", "pw")
    german = client.get(f"/api/v1/jobs/{job.id}").get_json()["message_local"]
    assert german == "Zielwert 1.234.567, Schranke 1.200.000, Lücke 2,8\xa0%, 12 s"
    client.get("/lang/en")
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["message_local"] == \
        "objective 1,234,567, bound 1,200,000, gap 2.8%, 12 s"
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job.id, timeout=30)
    client.get("/lang/de")
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["message_local"] == "fertig"


def test_the_same_job_submitted_again_while_it_runs_is_the_same_job(app):
    job_id = _start(app, {"tag": "twice"})
    again = jobs.submit(app.extensions["wfm_jobs"], "test_steps", {"tag": "twice"}, "someone else")
    other = jobs.submit(app.extensions["wfm_jobs"], "test_steps", {"tag": "other"}, "tester")
    assert again.id == job_id and other.id != job_id
    RELEASE.set()
    for waiting in (job_id, other.id):
        app.extensions["wfm_jobs"].wait(waiting, timeout=30)
    assert _job(app, job_id).attempts == 1
    later = jobs.submit(app.extensions["wfm_jobs"], "test_steps", {"tag": "twice"}, "tester")
    assert later.id != job_id  # once finished, the same parameters are a new job
    app.extensions["wfm_jobs"].wait(later.id, timeout=30)


def test_a_job_past_its_deadline_is_marked_failed_and_its_late_result_is_not_stored(app, client, actions,
                                                                                  monkeypatch):
    monkeypatch.delenv("WFM_JOB_TIME_MARGIN", raising=False)
    job_id = _start(app, {"time_limit_s": 5})
    with app.extensions["wfm_db"].session() as session:
        job = session.get(models.Job, job_id)
        assert job.deadline_at is not None
        job.deadline_at = models.utc_now() - jobs.dt.timedelta(seconds=1)
    actions.add_user("tester", "lead", "pw")
    actions.login("tester", "pw")
    shown = client.get(f"/api/v1/jobs/{job_id}").get_json()  # reading the job notices it is overdue
    assert shown["status"] == "failed" and "ran past its time limit of 605 s" in shown["error"]
    RELEASE.set()  # the job itself carries on to its next progress report, where it learns it was stopped
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    assert (_job(app, job_id).status, _job(app, job_id).result) == ("failed", None)


def test_a_job_started_a_second_time_by_a_duplicate_delivery_does_not_run_again(app):
    job_id = _start(app, {})
    assert jobs.execute(app.extensions["wfm_db"], job_id) is None  # running in a live process (this one)
    RELEASE.set()
    app.extensions["wfm_jobs"].wait(job_id, timeout=30)
    assert jobs.execute(app.extensions["wfm_db"], job_id) is None  # finished
    assert _job(app, job_id).attempts == 1
