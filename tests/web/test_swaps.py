"""Shift swaps: offered, accepted and approved into the published roster (pages and calendar feeds follow), refused
with the roster checker's reason, nobody acting on a swap that is not theirs, and automatic approval."""

from __future__ import annotations

import datetime as dt
import io

import holidays
import pytest
from sqlalchemy import select

from scheduler.roster import Roster
from tests.web.published_rosters import SITE, shift
from web import imports, models
from web.db import get_db
from web.roster_store import publish, save_version

AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nB2,Ben,Nord,billing,16,5\nD4,Dora,Nord,billing,8,5\nC3,Cleo,Sued,billing,16,5\n")
PW = "pw-swaps"
BRANDENBURG = holidays.country_holidays("DE", subdiv="BB")


def _quiet_monday() -> dt.date:
    """A Monday two to three weeks ahead (the pages use the real date) with no holiday from the Sunday before."""
    today = dt.datetime.now(dt.UTC).date()
    day = today + dt.timedelta(days=14 + 7 - today.weekday())
    while any(day + dt.timedelta(days=i) in BRANDENBURG for i in range(-1, 7)):
        day += dt.timedelta(days=7)
    return day


MONDAY = _quiet_monday()
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + dt.timedelta(days=i) for i in (1, 2, 3))
SUNDAY_BEFORE = MONDAY - dt.timedelta(days=1)


@pytest.fixture
def site(app, actions):
    """Anna works Monday to Wednesday (24 h of 16), Ben Thursday (8 h of 16), Dora (8 h) the Sunday before until
    22:30 and nothing this week; Cleo is of team Sued. Nora leads Nord, Sven Sued."""
    with app.app_context(), get_db().session() as session:
        row = imports.import_site(session, io.BytesIO(SITE.encode()), name="site.toml")
        imports.import_agents(session, row.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")
        session.flush()
        before = [shift("D4", SUNDAY_BEFORE, "14:00", "22:30", ("18:00", "18:30"))]
        publish(session, save_version(session, row.id, MONDAY - dt.timedelta(days=7), 7, Roster(tuple(before)),
                                      created_by="nora"), "nora")
        week = [shift("A1", d) for d in (MONDAY, TUESDAY, WEDNESDAY)] + [shift("B2", THURSDAY)]
        publish(session, save_version(session, row.id, MONDAY, 7, Roster(tuple(week)), created_by="nora"), "nora")
        agents = {a.agent_id: a.id for a in session.scalars(select(models.Agent))}
    for login, agent_id in (("anna", "A1"), ("ben", "B2"), ("dora", "D4"), ("cleo", "C3")):
        actions.add_user(login, "agent", PW, agent_pk=agents[agent_id])
    actions.add_user("nora", "lead", PW, teams=["Nord"])
    actions.add_user("sven", "lead", PW, teams=["Sued"])
    with app.app_context(), get_db().session() as session:
        for user in session.scalars(select(models.User).where(models.User.username.in_(("anna", "ben")))):
            user.calendar_token = f"tok-{user.username}-" + "x" * 30
    return agents


def _as(client, actions, login: str) -> None:
    if client.get("/me").status_code == 200:
        actions.logout()
    actions.login(login, PW)
    client.get("/lang/en?next=/login")


def _offer(client, actions, day: dt.date, target: str, status: int = 302):
    response = client.post("/my/swaps", data={"csrf_token": actions.csrf_token("/my/swaps"), "day": day.isoformat(),
                                              "target": target, "note": ""})
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def _swap_id(app, day: dt.date) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(models.SwapRequest.id).where(models.SwapRequest.date == day)).one()


def _post(client, actions, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": actions.csrf_token(page), **data})


def _shift_count(client) -> int:
    return client.get(f"/my/shifts?week={MONDAY.isoformat()}").get_data(as_text=True).count("08:00–16:30")


def _feed(client, login: str) -> str:
    return client.get(f"/calendar/tok-{login}-{'x' * 30}.ics").get_data(as_text=True)


def test_an_accepted_and_approved_swap_moves_the_shift_in_the_published_roster(app, client, actions, site):
    _as(client, actions, "anna")
    assert _shift_count(client) == 3
    _offer(client, actions, TUESDAY, str(site["B2"]))
    swap = _swap_id(app, TUESDAY)
    _as(client, actions, "ben")
    assert f'id="offer-{swap}"' in client.get("/my/swaps").get_data(as_text=True)
    assert _post(client, actions, f"/my/swaps/{swap}/accept", "/my/swaps").status_code == 302
    _as(client, actions, "sven")  # a lead of another team neither sees nor decides it
    assert f'id="swap-{swap}"' not in client.get("/swaps").get_data(as_text=True)
    assert _post(client, actions, f"/swaps/{swap}/decide", "/swaps", decision="approve").status_code == 403
    _as(client, actions, "nora")
    assert f'id="swap-{swap}"' in client.get("/swaps").get_data(as_text=True)
    assert _post(client, actions, f"/swaps/{swap}/decide", "/swaps", decision="approve").status_code == 302
    with app.app_context(), get_db().session() as session:
        assert session.get(models.SwapRequest, swap).status == "approved"
        change = session.scalars(select(models.RosterChange).where(models.RosterChange.action == "swap")).one()
        assert (change.agent_id, change.date, change.created_by, change.before["agent"]) == ("B2", TUESDAY, "nora",
                                                                                             "A1")
    _as(client, actions, "anna")
    assert _shift_count(client) == 2
    _as(client, actions, "ben")
    assert _shift_count(client) == 2
    day = TUESDAY.strftime("%Y%m%d")
    assert f"shift-B2-{day}@" in _feed(client, "ben")
    assert f"shift-A1-{day}@" not in _feed(client, "anna")
    told = client.get("/api/v1/notifications").get_json()["notifications"]  # ben, as both agents are told
    assert told[0]["message"].startswith(f"The swap of the shift on {TUESDAY.strftime('%d.%m.%Y')} between ")
    assert told[0]["message"].endswith(" is approved; your shifts and calendars show it.")
    with app.app_context(), get_db().session() as session:
        waiting = session.scalars(select(models.Notification).where(models.Notification.kind == "swap_accepted"))
        leads = {session.get(models.User, n.user_id).username for n in waiting}
    assert "nora" in leads and "sven" not in leads


def test_a_swap_that_breaks_the_colleagues_rest_is_refused_with_the_reason(app, client, actions, site):
    _as(client, actions, "anna")
    page = _offer(client, actions, MONDAY, str(site["D4"]), status=409).get_data(as_text=True)
    assert "The swap is refused" in page and "ArbZG §5" in page and "Dora" in page
    # Offered to anyone, Dora is refused when she tries to take it; the roster stays as it was.
    _offer(client, actions, MONDAY, "anyone")
    swap = _swap_id(app, MONDAY)
    _as(client, actions, "dora")
    page = client.post(f"/my/swaps/{swap}/accept", data={"csrf_token": actions.csrf_token("/my/swaps")},
                       follow_redirects=True).get_data(as_text=True)
    assert "The swap is refused" in page and "ArbZG §5" in page
    with app.app_context(), get_db().session() as session:
        assert session.get(models.SwapRequest, swap).status == "offered"
    client.get("/lang/de?next=/login")
    page = client.post(f"/my/swaps/{swap}/accept", data={"csrf_token": actions.csrf_token("/my/swaps")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Der Tausch ist abgelehnt" in page and "ArbZG §5" in page


def test_nobody_acts_on_another_agents_swap(app, client, actions, site):
    _as(client, actions, "anna")
    _offer(client, actions, TUESDAY, str(site["B2"]))
    swap = _swap_id(app, TUESDAY)
    for login in ("dora", "cleo"):  # a colleague it is not addressed to, an agent of another team
        _as(client, actions, login)
        assert f'id="offer-{swap}"' not in client.get("/my/swaps").get_data(as_text=True)
        assert _post(client, actions, f"/my/swaps/{swap}/accept", "/my/swaps").status_code == 403
    _as(client, actions, "ben")
    assert _post(client, actions, f"/my/swaps/{swap}/cancel", "/my/swaps").status_code == 403
    with app.app_context(), get_db().session() as session:
        assert session.get(models.SwapRequest, swap).status == "offered"
    _as(client, actions, "anna")
    assert _post(client, actions, f"/my/swaps/{swap}/cancel", "/my/swaps").status_code == 302
    with app.app_context(), get_db().session() as session:
        assert session.get(models.SwapRequest, swap).status == "cancelled"


def test_the_leads_rule_approves_a_clean_swap_at_once(app, client, actions, site):
    with app.app_context(), get_db().session() as session:
        session.add(models.TimeOffRule(site_id=session.scalars(select(models.Site)).one().id, auto_approve=False,
                                       min_service_level=0.8, min_days_ahead=14, vacation_days=30,
                                       swap_auto_approve=True, updated_by="nora"))
    _as(client, actions, "anna")
    _offer(client, actions, WEDNESDAY, "anyone")
    swap = _swap_id(app, WEDNESDAY)
    _as(client, actions, "ben")
    assert f'id="offer-{swap}"' in client.get("/my/swaps").get_data(as_text=True)
    assert _post(client, actions, f"/my/swaps/{swap}/accept", "/my/swaps").status_code == 302
    with app.app_context(), get_db().session() as session:
        row = session.get(models.SwapRequest, swap)
        assert (row.status, row.decided_by, row.taker.agent_id) == ("approved", "auto", "B2")
    assert _shift_count(client) == 2
    assert f"shift-B2-{WEDNESDAY:%Y%m%d}@" in _feed(client, "ben")
