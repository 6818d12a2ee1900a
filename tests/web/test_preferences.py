"""Agents enter their wishes and availability; the next roster run reads them, and a roster version says how many
wishes it meets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.web.published_rosters import MONDAY, PASSWORD, save, setup_site, shift
from web import models
from web.db import get_db
from web.rostering import stored_agents


@pytest.fixture
def site(app, actions):
    setup_site(app, actions)


def _save(client, actions, **data):
    token = actions.csrf_token("/my/preferences")
    form = {"csrf_token": token, "preferred": "", "earliest": "", "latest": "", **data}
    return client.post("/my/preferences", data=form)


def test_an_agents_wishes_and_availability_reach_the_next_roster_run(app, client, actions, site):
    actions.login("anna", PASSWORD)
    response = _save(client, actions, preferred="early", day_off=["2", "4"], earliest="07:00", latest="17:00")
    assert response.status_code == 302
    with app.app_context(), get_db().session() as session:
        site_id = session.scalars(select(models.Site.id)).one()
        anna = next(a for a in stored_agents(session, site_id) if a.agent_id == "A1")
    assert (anna.preferred_shift, anna.days_off_wish) == ("early", (2, 4))
    assert (anna.earliest_start, anna.latest_end) == (dt.time(7), dt.time(17))
    page = client.get("/my/preferences").get_data(as_text=True)
    assert 'value="early" checked' in page and 'value="2" checked' in page and 'value="07:00"' in page


@pytest.mark.parametrize(("data", "message"), [
    ({"earliest": "18:00", "latest": "08:00"}, "Der früheste Beginn muss vor dem spätesten Ende liegen."),
    ({"earliest": "7 Uhr"}, "7 Uhr ist keine Uhrzeit; geben Sie HH:MM an."),
    ({"day_off": ["0", "1", "2", "3", "4"]}, "Wünschen Sie höchstens vier Wochentage frei"),
])
def test_impossible_wishes_are_refused_with_the_reason_and_nothing_is_stored(app, client, actions, site, data,
                                                                             message):
    actions.login("anna", PASSWORD)
    response = _save(client, actions, **data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context(), get_db().session() as session:
        anna = session.scalars(select(models.Agent).where(models.Agent.agent_id == "A1")).one()
        assert "earliest_start" not in (anna.details or {})


def test_a_roster_version_says_how_many_wishes_it_meets(app, client, actions, site):
    actions.login("anna", PASSWORD)
    _save(client, actions, preferred="early")  # anna's two shifts: one early (08:00), one not (11:00)
    version = save(app, MONDAY, [shift("A1", MONDAY), shift("A1", MONDAY + dt.timedelta(days=1), "11:00", "19:30")],
                   published=False)
    actions.logout()
    actions.login("lea", PASSWORD)
    page = client.get(f"/rosters/{version}").get_data(as_text=True)
    assert "Erfüllte Wünsche" in page and "50 % der Wünsche der Mitarbeitenden (1 von 2)" in page
