"""Agents' pages: only published shifts, only their own in full, of the team names and times; settings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.web.published_rosters import FRIDAY, MONDAY, PASSWORD, save, setup_site, shift, user
from web import models
from web.db import get_db

WEEK_BEFORE = MONDAY - dt.timedelta(days=7)


@pytest.fixture
def rosters(app, actions):
    setup_site(app, actions)
    save(app, WEEK_BEFORE, [shift("A1", FRIDAY)])
    superseded = [shift("A1", MONDAY), shift("B2", MONDAY, "09:00", "17:30")]
    save(app, MONDAY, superseded)
    save(app, MONDAY, [shift("A1", MONDAY, "10:00", "18:30", ("14:00", "14:30")),
                       shift("B2", MONDAY, "09:00", "17:30"),
                       shift("C3", MONDAY, "11:00", "19:30", ("15:00", "15:30"))])
    save(app, MONDAY, [shift("A1", MONDAY + dt.timedelta(days=1), "07:00", "15:30", ("11:00", "11:30"))],
         published=False)


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def english(client) -> None:
    client.get("/lang/en?next=/login")


def test_my_shifts_show_exactly_my_published_shifts_in_local_time(actions, client, rosters):
    actions.login("anna", PASSWORD)
    english(client)
    response = client.get("/my/shifts?week=2026-10-21")
    page = text_of(response)
    assert response.status_code == 200
    # Friday in summer time (06:00 UTC stored) and Monday in winter time (09:00 UTC stored) both read local.
    assert "08:00–12:00 Billing · 12:00–12:30 Break · 12:30–16:30 Billing" in page
    assert "10:00–14:00 Billing · 14:00–14:30 Break · 14:30–18:30 Billing" in page
    assert page.count("10:00–18:30") == 1
    assert "09:00–17:30" not in page and "11:00–19:30" not in page  # Ben's and Cleo's shifts
    assert "07:00" not in page  # the draft's shift
    assert page.count("08:00–16:30") == 1  # Friday's; the superseded Monday shift is gone
    assert page.count("· 8:00 h work ") == 2
    assert "8:00 h worked of 16 h in the contract" in page
    assert "Day off" in page and "Not published yet" in page  # Tuesday 27 Oct; the week of 2 November


def test_weeks_page_one_at_a_time_from_the_monday_of_the_given_day(actions, client, rosters):
    actions.login("anna", PASSWORD)
    page = client.get("/my/shifts?week=2026-10-28").get_data(as_text=True)
    assert 'href="/my/shifts?week=2026-10-19" rel="prev"' in page
    assert 'href="/my/shifts?week=2026-11-02" rel="next"' in page
    assert "10:00–18:30" in page and "08:00–16:30" not in page  # Friday 23 Oct lies before the first week
    for bad in ("next-tuesday", "0001-01-01", "9999-12-31"):
        assert client.get(f"/my/team?week={bad}").status_code == 400


def test_the_team_view_shows_names_and_times_of_my_team_only(app, actions, client, rosters):
    with app.app_context(), get_db().session() as session:
        ben = session.scalars(select(models.Agent).where(models.Agent.agent_id == "B2")).one()
        session.add(models.Absence(agent_pk=ben.id, start=dt.datetime(2026, 10, 27, 7, tzinfo=dt.UTC),
                                   end=dt.datetime(2026, 10, 28, 7, tzinfo=dt.UTC), reason="Kur"))
    actions.login("anna", PASSWORD)
    english(client)
    response = client.get("/my/team?week=2026-10-26")
    page = text_of(response)
    assert response.status_code == 200
    assert re.search(r"Anna 10:00–18:30 – – – – – –", page)
    assert re.search(r"Ben 09:00–17:30 – – – – – –", page)
    assert "Cleo" not in page and "11:00" not in page  # another team
    for private in ("Billing", "billing", "Break", "Kur", "contract"):
        assert private not in page


def test_a_login_without_an_agent_gets_a_clear_404(actions, client, rosters):
    actions.login("lea", PASSWORD)
    for path in ("/my/shifts", "/my/team", "/my/calendar"):
        response = client.get(path)
        assert response.status_code == 404
        assert "not linked to an agent" in response.get_data(as_text=True)
    assert client.get("/my/settings").status_code == 200  # settings are for everybody


def test_the_start_page_of_an_agent_is_my_shifts(actions, client, rosters):
    actions.login("anna", PASSWORD)
    assert client.get("/").headers["Location"] == "/my/shifts"


def test_choosing_english_in_the_settings_changes_the_pages_and_is_stored(app, actions, client, rosters):
    actions.login("anna", PASSWORD)
    assert "Abmelden" in client.get("/my/shifts").get_data(as_text=True)
    token = actions.csrf_token("/my/settings")
    assert client.post("/my/settings", data={"language": "en", "csrf_token": token}).status_code == 302
    page = client.get("/my/shifts").get_data(as_text=True)
    assert "Log out" in page and "Abmelden" not in page
    assert user(app, "anna").locale == "en"
    assert client.post("/my/settings", data={"language": "fr", "csrf_token": token}).status_code == 400
