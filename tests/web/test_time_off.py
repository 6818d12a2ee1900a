"""Time off: auto-approval by the lead's rules, the lead's decision making the Absence the roster run reads, and
nobody acting on a request that is not theirs."""

from __future__ import annotations

import datetime as dt
import re

import holidays
import pytest
from sqlalchemy import select

from scheduler.roster import Roster
from tests.web.api_fixtures import BERLIN, day_shift, load_site
from web import models
from web.db import get_db
from web.roster_store import publish, save_version
from web.rostering import stored_absences
from web.time_off import Asked, submit


def _working_monday() -> dt.date:
    """A Monday far enough ahead that the pages (which use the real date) accept it, it and Tuesday no holidays."""
    today = dt.datetime.now(BERLIN).date()
    day = today + dt.timedelta(days=35 - today.weekday())
    while day in BRANDENBURG or day + dt.timedelta(days=1) in BRANDENBURG:
        day += dt.timedelta(days=7)
    return day


BRANDENBURG = holidays.country_holidays("DE", subdiv="BB")
DAY = _working_monday()
NEXT = DAY + dt.timedelta(days=1)
TODAY = DAY - dt.timedelta(days=30)
PW = "pw-time-off"


@pytest.fixture
def site(app, actions):
    """A1, A3 (Nord) and B2 (Sued) each work 08:00–16:00 on DAY and NEXT; 3 calls of 300 s a quarter-hour from
    08:00 to 10:00 (one Erlang): two agents give a service level of 69 %, one gives none."""
    load_site(app)
    with app.app_context(), get_db().session() as session:
        row = session.scalars(select(models.Site)).one()
        shifts = [day_shift(a, d) for a in ("A1", "A3", "B2") for d in (DAY, NEXT)]
        publish(session, save_version(session, row.id, DAY, 7, Roster(tuple(shifts)), created_by="t"), "t")
        run = models.ForecastRun(site_id=row.id, start_date=DAY, days=7, method="test", created_by="t")
        session.add(run)
        session.flush()
        for day in (DAY, NEXT):
            first = dt.datetime.combine(day, dt.time(8), BERLIN)
            session.add_all([models.ForecastValue(run_id=run.id, queue="billing", offered=3.0, aht_s=300.0,
                                                  interval_start=first + dt.timedelta(minutes=15 * i),
                                                  offered_p10=2.0, offered_p90=4.0) for i in range(8)])
        session.add(models.TimeOffRule(site_id=row.id, auto_approve=True, min_service_level=0.6, min_days_ahead=14,
                                       vacation_days=30, updated_by="nora"))
        agents = {a.agent_id: a.id for a in session.scalars(select(models.Agent))}
    for login, agent_id in (("anna", "A1"), ("arne", "A3"), ("ben", "B2")):
        actions.add_user(login, "agent", PW, agent_pk=agents[agent_id])
    actions.add_user("nora", "lead", PW, teams=["Nord"])
    actions.add_user("sven", "lead", PW, teams=["Sued"])
    return agents


def _ask(app, agent_id: str, day: dt.date, **details) -> tuple[int, str, dict]:
    with app.app_context(), get_db().session() as session:
        agent = session.scalars(select(models.Agent).where(models.Agent.agent_id == agent_id)).one()
        if details:
            agent.details = {**(agent.details or {}), **details}
        row = submit(session, agent, Asked(day, day, None, None, "vacation", "family"), TODAY)
        return row.id, row.status, row.checks


def _absences(app) -> list:
    with app.app_context(), get_db().session() as session:
        return stored_absences(session, session.scalars(select(models.Site)).one().id)


def test_auto_approval_follows_the_leads_rules(app, site):
    first, status, checks = _ask(app, "A1", DAY, vacation_days=1)
    assert status == "approved" and checks["reasons"] == []
    assert checks["days"] == 1 and checks["left"] == 1
    (day,) = checks["staffing"]["days"]
    assert day["without"] == pytest.approx(0.6881, abs=1e-3)  # two agents left for one Erlang
    # A1's leave counts now: without Arne only Ben works, the service level would fall to nothing.
    _, status, checks = _ask(app, "A3", DAY)
    assert status == "requested" and checks["reasons"] == ["staffing"]
    assert checks["staffing"]["days"][0]["without"] == 0.0 and checks["staffing"]["days"][0]["short"] > 0
    # Staffing holds on the next day, but A1's single vacation day is used up.
    _, status, checks = _ask(app, "A1", NEXT)
    assert status == "requested" and checks["reasons"] == ["allowance"]
    assert (checks["used"], checks["left"]) == (1, 0)
    absences = _absences(app)
    assert [(a.agent_id, a.start, a.reason) for a in absences] == [
        ("A1", dt.datetime.combine(DAY, dt.time(), BERLIN), "vacation")]


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_a_leads_approval_makes_the_absence_the_next_roster_run_reads(app, client, actions, site):
    _ask(app, "A1", DAY)  # approved: now A3 would leave only Ben
    request_id, status, _ = _ask(app, "A3", DAY)
    assert status == "requested"
    actions.login("nora", PW)
    client.get("/lang/en?next=/login")
    page = client.get("/time-off").get_data(as_text=True)
    assert f'id="request-{request_id}"' in page and "the service level would fall below the target" in page
    response = client.post(f"/time-off/{request_id}/decide", data={
        "csrf_token": _token(client, "/time-off"), "decision": "approve", "note": "covered by Ben's overtime"})
    assert response.status_code == 302
    assert ("A3", dt.datetime.combine(DAY, dt.time(), BERLIN)) in [(a.agent_id, a.start) for a in _absences(app)]
    with app.app_context(), get_db().session() as session:
        row = session.get(models.TimeOffRequest, request_id)
        assert (row.status, row.decided_by, row.decision_note) == ("approved", "nora", "covered by Ben's overtime")
        # The lead's decision is in the audit trail.
        change = session.scalars(select(models.RosterChange).where(models.RosterChange.version_id.is_(None))).one()
        assert (change.action, change.agent_id, change.date, change.created_by, change.reason) == (
            "time_off_approve", "A3", DAY, "nora", "covered by Ben's overtime")


def test_a_lead_of_another_team_cannot_decide(app, client, actions, site):
    _ask(app, "A1", DAY)
    request_id, status, _ = _ask(app, "A3", DAY)
    assert status == "requested"
    actions.login("sven", PW)
    assert f'id="request-{request_id}"' not in client.get("/time-off").get_data(as_text=True)
    response = client.post(f"/time-off/{request_id}/decide", data={
        "csrf_token": _token(client, "/time-off"), "decision": "approve", "note": ""})
    assert response.status_code == 403
    with app.app_context(), get_db().session() as session:
        assert session.get(models.TimeOffRequest, request_id).status == "requested"


def test_an_agent_sees_and_cancels_only_their_own_requests(app, client, actions, site):
    _ask(app, "A1", DAY)
    others, status, _ = _ask(app, "A3", DAY)
    assert status == "requested"
    actions.login("anna", PW)
    client.get("/lang/en?next=/login")
    page = client.get("/my/time-off").get_data(as_text=True)
    assert "Approved" in page and f'id="request-{others}"' not in page
    response = client.post(f"/my/time-off/{others}/cancel", data={"csrf_token": _token(client, "/my/time-off")})
    assert response.status_code == 404
    assert client.post(f"/time-off/{others}/decide", data={"csrf_token": _token(client, "/my/time-off"),
                                                          "decision": "approve"}).status_code == 403
    actions.logout()
    actions.login("arne", PW)
    response = client.post(f"/my/time-off/{others}/cancel", data={"csrf_token": _token(client, "/my/time-off")})
    assert response.status_code == 302
    with app.app_context(), get_db().session() as session:
        assert session.get(models.TimeOffRequest, others).status == "cancelled"


def test_an_agent_asks_for_hours_off_on_the_page_and_sees_it_approved(app, client, actions, site):
    actions.login("ben", PW)
    response = client.post("/my/time-off", data={
        "csrf_token": _token(client, "/my/time-off"), "first": DAY.isoformat(), "last": DAY.isoformat(),
        "start_time": "08:00", "end_time": "10:00", "kind": "other", "note": "dentist"})
    assert response.status_code == 302
    page = client.get("/my/time-off").get_data(as_text=True)
    # Anna and Arne cover Ben's two hours (69 % ≥ 60 %); other time off takes no vacation days. German by default.
    assert "08:00–10:00" in page and "Genehmigt" in page and "Freistellung genehmigt." in page
    with app.app_context(), get_db().session() as session:
        row = session.scalars(select(models.TimeOffRequest)).one()
        assert row.checks["days"] == 0 and row.checks["reasons"] == []
    assert [(a.agent_id, a.start, a.end) for a in _absences(app)] == [
        ("B2", dt.datetime.combine(DAY, dt.time(8), BERLIN), dt.datetime.combine(DAY, dt.time(10), BERLIN))]


def test_a_request_in_the_past_is_refused_with_the_reason(app, client, actions, site):
    actions.login("ben", PW)
    yesterday = (dt.datetime.now(BERLIN).date() - dt.timedelta(days=1)).isoformat()
    response = client.post("/my/time-off", data={
        "csrf_token": _token(client, "/my/time-off"), "first": yesterday, "last": yesterday, "kind": "vacation"})
    assert response.status_code == 400
    assert "cannot start in the past" in response.get_data(as_text=True)


def test_a_lead_sets_the_rules(app, client, actions, site):
    actions.login("nora", PW)
    response = client.post("/time-off/rules", data={
        "csrf_token": _token(client, "/time-off/rules"), "min_service_level": "0.75", "min_days_ahead": "7",
        "vacation_days": "28"})
    assert response.status_code == 302
    with app.app_context(), get_db().session() as session:
        rule = session.scalars(select(models.TimeOffRule)).one()
        assert (rule.auto_approve, rule.min_service_level, rule.min_days_ahead, rule.vacation_days,
                rule.updated_by) == (False, 0.75, 7, 28, "nora")


def _api(client, actions, method: str, path: str, body: dict | None = None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": actions.csrf_token("/me")})


def test_the_api_asks_lists_cancels_and_decides_within_the_same_limits(app, client, actions, site):
    _ask(app, "A1", DAY)
    actions.login("arne", PW)
    response = _api(client, actions, "POST", "/api/v1/me/time-off",
                    {"first": DAY.isoformat(), "kind": "vacation", "note": "wedding"})
    assert response.status_code == 201
    asked = response.get_json()["request"]
    assert (asked["status"], asked["checks"]["reasons"], asked["from"]) == ("requested", ["staffing"], None)
    assert asked["checks"]["staffing"]["days"][0]["without"] == 0.0
    assert [r["id"] for r in client.get("/api/v1/me/time-off").get_json()["requests"]] == [asked["id"]]
    bad = _api(client, actions, "POST", "/api/v1/me/time-off", {"first": DAY.isoformat(), "from": "10:00"})
    assert bad.status_code == 400 and "both times" in bad.get_json()["message"]
    actions.logout()
    actions.login("anna", PW)
    assert _api(client, actions, "POST", f"/api/v1/me/time-off/{asked['id']}/cancel").status_code == 404
    assert asked["id"] not in [r["id"] for r in client.get("/api/v1/me/time-off").get_json()["requests"]]
    actions.logout()
    actions.login("sven", PW)
    assert client.get("/api/v1/time-off").get_json()["requests"] == []
    decision = {"approve": True, "note": "ok"}
    assert _api(client, actions, "POST", f"/api/v1/time-off/{asked['id']}/decision", decision).status_code == 403
    actions.logout()
    actions.login("nora", PW)
    assert [r["id"] for r in client.get("/api/v1/time-off").get_json()["requests"]] == [asked["id"]]
    response = _api(client, actions, "POST", f"/api/v1/time-off/{asked['id']}/decision", decision)
    assert response.status_code == 200 and response.get_json()["request"]["status"] == "approved"
    assert ("A3", dt.datetime.combine(DAY, dt.time(), BERLIN)) in [(a.agent_id, a.start) for a in _absences(app)]
    again = _api(client, actions, "POST", f"/api/v1/time-off/{asked['id']}/decision", decision)
    assert again.status_code == 409
