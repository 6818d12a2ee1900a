"""The roster API: who sees which roster and shift, edits checked by the roster checker with exact answers
(200, 400, 403, 404, 409, 422), the way from draft to published, coverage, agents and the agent's own shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.evaluate import evaluate
from scheduler.shift_edit import build_shift
from scheduler.staffing import staff
from tests.web.api_fixtures import (
    MONDAY,
    agent_pk,
    day_shift,
    load_site,
    make_forecast_run,
    make_version,
    send,
)
from web.db import get_db
from web.forecasting import forecast_values
from web.models import RosterVersion
from web.repository import find_site, site_config
from web.roster_store import roster_of

TUESDAY, WEDNESDAY = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
SATURDAY, SUNDAY = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)


@pytest.fixture
def site(app):
    load_site(app)


@pytest.fixture
def lead(app, actions, site):
    """Logged in as the team lead of team Nord."""
    actions.add_user("nord", "lead", "pw", teams=["Nord"])
    actions.login("nord", "pw")
    return actions


@pytest.fixture
def anna(app, actions, site):
    """Logged in as agent A1 (Anna, team Nord)."""
    actions.add_user("anna", "agent", "pw", agent_pk=agent_pk(app, "A1"))
    actions.login("anna", "pw")
    return actions


def _week(agent: str) -> list:
    return [day_shift(agent, MONDAY), day_shift(agent, TUESDAY)]


def _edit(client, actions, version_id, agent, day, body, query=""):
    return send(client, actions, "PUT", f"/api/v1/rosters/{version_id}/shifts/{agent}/{day}{query}", body)


def test_an_edit_is_saved_and_moves_the_lock_version_on(app, client, lead):
    version_id = make_version(app, _week("A1"))
    response = _edit(client, lead, version_id, "A1", MONDAY, {
        "start": "09:00", "end": "17:00", "activity": "billing", "breaks": [["13:00", "13:30"]], "lock_version": 1})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["saved"], body["lock_version"], body["overridden"]) == (True, 2, [])
    assert [(s["start"], s["end"], s["activity"]) for s in body["shift"]["segments"]] == [
        ("2026-12-07T09:00:00+01:00", "2026-12-07T13:00:00+01:00", "billing"),
        ("2026-12-07T13:00:00+01:00", "2026-12-07T13:30:00+01:00", "break"),
        ("2026-12-07T13:30:00+01:00", "2026-12-07T17:00:00+01:00", "billing")]
    shown = client.get(f"/api/v1/rosters/{version_id}").get_json()
    assert shown["roster"]["lock_version"] == 2
    assert [(s["agent_id"], s["date"], s["start"]) for s in shown["shifts"]] == [
        ("A1", "2026-12-07", "2026-12-07T09:00:00+01:00"), ("A1", "2026-12-08", "2026-12-08T08:00:00+01:00")]


def test_an_edit_into_an_11_hour_rest_violation_is_refused_with_the_rule_and_sentence(app, client, lead):
    version_id = make_version(app, [build_shift("A1", SATURDAY, dt.time(9), dt.time(14), "billing", [],
                                                "Europe/Berlin")])
    response = _edit(client, lead, version_id, "A1", SUNDAY, {
        "start": "00:00", "end": "05:00", "activity": "billing", "reason": "I insist", "lock_version": 1})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Unprocessable Entity" and body["needs_reason"] is False
    rest = [v for v in body["violations"] if v["rule"] == "rest_between_shifts"]
    assert rest and rest[0]["agent_id"] == "A1" and rest[0]["hard"] is True and "only 10 h" in rest[0]["message"]
    # The English sentence and, for clients that translate it, its template and parameters.
    assert rest[0]["template"] == ("%(who)s: only %(rest)s rest between the shift ending %(end)s and the one "
                                   "starting %(start)s; ArbZG §5 requires %(need)s")
    assert rest[0]["params"] == {"who": "Anna", "rest": 600, "end": "2026-12-12T14:00:00+01:00",
                                 "start": "2026-12-13T00:00:00+01:00", "need": 660}
    assert "only 10 h" in body["message"]
    assert client.get(f"/api/v1/rosters/{version_id}").get_json()["roster"]["lock_version"] == 1


def test_an_override_needs_a_reason_and_is_then_saved(app, client, lead):
    version_id = make_version(app, _week("A1"))
    third = {"start": "08:00", "end": "16:00", "activity": "billing", "breaks": [["12:00", "12:30"]],
             "lock_version": 1}  # 3 × 7.5 h = 22.5 h against a 16 h contract
    refused = _edit(client, lead, version_id, "A1", WEDNESDAY, third)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["needs_reason"] is True and [v["rule"] for v in body["violations"]] == ["weekly_contract_hours"]
    assert body["message"].startswith("needs a reason to override: ")
    assert body["message"].endswith('send the edit again with a "reason" to override')
    saved = _edit(client, lead, version_id, "A1", WEDNESDAY, {**third, "reason": "year-end peak"})
    assert saved.status_code == 200
    assert saved.get_json()["lock_version"] == 2
    assert [v["rule"] for v in saved.get_json()["overridden"]] == ["weekly_contract_hours"]


def test_a_dry_run_reports_what_the_edit_would_break_and_saves_nothing(app, client, lead):
    version_id = make_version(app, _week("A1"))
    response = _edit(client, lead, version_id, "A1", WEDNESDAY, {
        "start": "08:00", "end": "16:00", "activity": "billing", "breaks": [["12:00", "12:30"]], "lock_version": 1},
        query="?dry_run=1")
    body = response.get_json()
    assert response.status_code == 200
    assert (body["saved"], body["allowed"], body["needs_reason"]) == (False, False, True)
    assert [v["rule"] for v in body["overridable"]] == ["weekly_contract_hours"] and body["blocking"] == []
    assert body["lock_version"] == 1


def test_a_stale_lock_version_is_refused_with_the_current_one_and_the_current_shift(app, client, lead):
    version_id = make_version(app, _week("A1"))
    assert send(client, lead, "DELETE", f"/api/v1/rosters/{version_id}/shifts/A1/{TUESDAY}?lock_version=1&reason=sick"
                ).status_code == 200
    response = _edit(client, lead, version_id, "A1", MONDAY, {"start": "10:00", "end": "14:00", "activity": "billing",
                                                             "lock_version": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "Conflict" and body["lock_version"] == 2
    assert (body["current_shift"]["start"], body["current_shift"]["end"]) == ("2026-12-07T08:00:00+01:00",
                                                                             "2026-12-07T16:00:00+01:00")
    assert "reload" in body["message"]
    [missed] = body["changes_since"]  # the DELETE of Tuesday, which moved the roster from edit 1 to 2
    assert (missed["action"], missed["agent_id"], missed["date"], missed["after"]) == ("override", "A1",
                                                                                       TUESDAY.isoformat(),
                                                                                       None)
    assert missed["before"]["segments"] and missed["reason"].startswith("sick")


def test_an_edit_without_lock_version_or_with_a_bad_time_is_bad_input(app, client, lead):
    version_id = make_version(app, _week("A1"))
    missing = _edit(client, lead, version_id, "A1", MONDAY, {"start": "08:00", "end": "12:00", "activity": "billing"})
    assert missing.status_code == 400 and missing.get_json()["message"].startswith("lock_version: give")
    bad = _edit(client, lead, version_id, "A1", MONDAY, {"start": "8 Uhr", "end": "12:00", "activity": "billing",
                                                         "lock_version": 1})
    assert bad.status_code == 400 and bad.get_json()["message"].startswith("start '8 Uhr' is not a time")
    no_token = client.put(f"/api/v1/rosters/{version_id}/shifts/A1/{MONDAY}", json={"lock_version": 1})
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "Bad Request"
    assert "CSRF" in no_token.get_json()["message"]


def test_the_lead_of_team_nord_cannot_edit_an_agent_of_team_sued(app, client, lead):
    version_id = make_version(app, _week("B2"))
    response = _edit(client, lead, version_id, "B2", MONDAY, {"start": "08:00", "end": "12:00", "activity": "billing",
                                                             "lock_version": 1})
    assert response.status_code == 403
    assert response.get_json()["message"] == "agent B2 is in team Sued, which you do not lead; ask that team's lead"
    assert client.get(f"/api/v1/rosters/{version_id}").get_json()["shifts"] == []  # nor see Sued's shifts


def test_an_agent_gets_404_for_an_unpublished_roster_and_sees_only_their_own_shifts_in_full(app, client, anna):
    draft = make_version(app, _week("A1") + _week("A3") + _week("B2"))
    hidden, unknown = client.get(f"/api/v1/rosters/{draft}"), client.get(f"/api/v1/rosters/{draft + 100}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json()["message"] == unknown.get_json()["message"].replace(str(draft + 100), str(draft))
    assert client.get(f"/api/v1/rosters?week={MONDAY}").get_json()["rosters"] == []
    published = make_version(app, _week("A1") + _week("A3") + _week("B2"), published=True)
    body = client.get(f"/api/v1/rosters/{published}").get_json()
    assert "summary" not in body["roster"]
    assert sorted((s["agent_id"], s["date"], "segments" in s) for s in body["shifts"]) == [
        ("A1", "2026-12-07", True), ("A1", "2026-12-08", True), ("A3", "2026-12-07", False),
        ("A3", "2026-12-08", False)]
    assert [r["id"] for r in client.get(f"/api/v1/rosters?week={WEDNESDAY}").get_json()["rosters"]] == [published]


def test_an_agent_may_not_edit_check_or_approve(app, client, anna):
    version_id = make_version(app, _week("A1"), published=True)
    assert _edit(client, anna, version_id, "A1", MONDAY, {"lock_version": 1}).status_code == 403
    assert client.get(f"/api/v1/rosters/{version_id}/check").status_code == 403
    assert send(client, anna, "POST", f"/api/v1/rosters/{version_id}/approve").status_code == 403


def test_agents_are_listed_as_far_as_the_user_may_see_them(app, client, actions, site):
    actions.add_user("nord", "lead", "pw", teams=["Nord"])
    actions.login("nord", "pw")
    assert [a["agent_id"] for a in client.get("/api/v1/agents").get_json()["agents"]] == ["A1", "A3"]
    assert client.get("/api/v1/agents/B2").status_code == 404
    assert client.get("/api/v1/agents/A3").get_json()["agent"]["name"] == "Arne"
    actions.logout()
    actions.add_user("council", "council", "pw")
    actions.login("council", "pw")
    assert [a["agent_id"] for a in client.get("/api/v1/agents").get_json()["agents"]] == ["A1", "A3", "B2"]
    actions.logout()
    actions.add_user("anna", "agent", "pw", agent_pk=agent_pk(app, "A1"))
    actions.login("anna", "pw")
    assert [a["agent_id"] for a in client.get("/api/v1/agents").get_json()["agents"]] == ["A1"]
    assert client.get("/api/v1/agents/A3").status_code == 404


def test_me_and_my_published_shifts(app, client, anna):
    make_version(app, [day_shift("A1", MONDAY, 10, 18, 13)])  # a draft: not shown
    make_version(app, _week("A1") + _week("A3"), published=True)
    me = client.get("/api/v1/me").get_json()
    assert (me["user"]["role"], me["agent"]["agent_id"], me["site"]) == ("agent", "A1", "test-center")
    body = client.get(f"/api/v1/me/shifts?from={MONDAY}&to={MONDAY}").get_json()
    assert [(s["date"], s["start"], s["work_minutes"]) for s in body["shifts"]] == [
        ("2026-12-07", "2026-12-07T08:00:00+01:00", 450)]
    assert client.get(f"/api/v1/me/shifts?from={TUESDAY}&to={MONDAY}").status_code == 400


def test_a_roster_goes_through_approval_to_publication(app, client, actions, site):
    with app.app_context(), get_db().session() as session:
        find_site(session).approval_required = True
    version_id = make_version(app, _week("A1"))
    actions.add_user("teamlead", "lead", "pw")
    actions.login("teamlead", "pw")
    early = send(client, actions, "POST", f"/api/v1/rosters/{version_id}/publish")
    assert early.status_code == 409 and "works council" in early.get_json()["message"]
    stale = send(client, actions, "POST", f"/api/v1/rosters/{version_id}/submit", {"lock_version": 7})
    assert stale.status_code == 409 and stale.get_json()["lock_version"] == 1
    submitted = send(client, actions, "POST", f"/api/v1/rosters/{version_id}/submit", {"lock_version": 1})
    assert submitted.get_json()["roster"]["status"] == "awaiting_approval"
    actions.logout()
    actions.add_user("council", "council", "pw")
    actions.login("council", "pw")
    assert send(client, actions, "POST", f"/api/v1/rosters/{version_id}/reject", {}).status_code == 400
    assert send(client, actions, "POST", f"/api/v1/rosters/{version_id}/approve").get_json()["roster"]["status"] == \
        "approved"
    actions.logout()
    actions.login("teamlead", "pw")
    published = send(client, actions, "POST", f"/api/v1/rosters/{version_id}/publish")
    assert published.status_code == 200 and published.get_json()["roster"]["status"] == "published"
    copy = send(client, actions, "POST", f"/api/v1/rosters/{version_id}/copy")
    assert copy.status_code == 201 and copy.get_json()["roster"]["number"] == 2
    assert copy.headers["Location"] == f"/api/v1/rosters/{copy.get_json()['roster']['id']}"


def test_publishing_a_roster_with_a_hard_violation_lists_it(app, client, lead):
    night = build_shift("A1", SUNDAY, dt.time(0), dt.time(5), "billing", [], "Europe/Berlin")
    saturday = build_shift("A1", SATURDAY, dt.time(9), dt.time(14), "billing", [], "Europe/Berlin")
    version_id = make_version(app, [saturday, night])
    response = send(client, lead, "POST", f"/api/v1/rosters/{version_id}/publish")
    assert response.status_code == 422
    assert "rest_between_shifts" in [v["rule"] for v in response.get_json()["violations"]]
    check = client.get(f"/api/v1/rosters/{version_id}/check").get_json()
    assert check["hard"] >= 1 and "rest_between_shifts" in [v["rule"] for v in check["violations"]]


def test_coverage_compares_the_roster_with_the_staffing_of_its_forecast(app, client, lead):
    run_id = make_forecast_run(app, [20, 30, 10, 0])
    version_id = make_version(app, [day_shift("A1", MONDAY)], forecast_run=run_id)
    body = client.get(f"/api/v1/rosters/{version_id}/coverage").get_json()
    with app.app_context(), get_db().session() as session:
        site = site_config(find_site(session))
        expected = evaluate(roster_of(session.get(RosterVersion, version_id)),
                            staff(forecast_values(session, run_id), site), site).intervals
    assert [r["required"] for r in body["intervals"]] == list(expected["agents_required"])
    assert [r["scheduled"] for r in body["intervals"]] == [1.0, 1.0, 1.0, 1.0]
    assert [r["projected_service_level"] for r in body["intervals"]][:3] == \
        list(expected["projected_service_level"])[:3]
    assert body["intervals"][3]["offered"] == 0.0
    unplanned = make_version(app, [day_shift("A1", MONDAY)])
    missing = client.get(f"/api/v1/rosters/{unplanned}/coverage")
    assert missing.status_code == 400 and "?forecast_run=ID" in missing.get_json()["message"]
