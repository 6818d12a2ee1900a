"""The calendar feed: published shifts of the token's owner as iCalendar, local times with the DST change right,
tokens that can be regenerated and revoked, no login, no token in the log."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext
from icalendar import Calendar
from sqlalchemy import select

from tests.web.published_rosters import FRIDAY, MONDAY, PASSWORD, save, setup_site, shift, user
from web import calendar_feed
from web.calendar_ics import transitions, vtimezone
from web.db import get_db
from web.models import RosterVersion, User

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def rosters(app, actions, monkeypatch):
    monkeypatch.setattr(calendar_feed, "local_today", lambda zone: dt.date(2026, 11, 20))
    setup_site(app, actions)
    friday_week = save(app, FRIDAY - dt.timedelta(days=4), [shift("A1", FRIDAY), shift("B2", FRIDAY, "09:00")])
    save(app, MONDAY, [shift("A1", MONDAY, "11:00", "19:30", ("15:00", "15:30")), shift("B2", MONDAY)])
    monday_week = save(app, MONDAY, [shift("A1", MONDAY), shift("B2", MONDAY, "09:00", "17:30")])
    save(app, MONDAY, [shift("A1", MONDAY + dt.timedelta(days=1))], published=False)
    return {"friday": friday_week, "monday": monday_week}


def feed_url(actions, client, login: str) -> str:
    """Log in, make the calendar address, log out again: the feed needs no session."""
    actions.login(login, PASSWORD)
    client.post("/my/calendar/token", data={"csrf_token": actions.csrf_token("/my/calendar")})
    token = user(actions.app, login).calendar_token
    logout(actions, client)
    return f"/calendar/{token}.ics"


def set_locale(app, login: str, code: str | None) -> None:
    with app.app_context(), get_db().session() as session:
        session.scalars(select(User).where(User.username == login)).one().locale = code


def logout(actions, client) -> None:
    client.post("/logout", data={"csrf_token": actions.csrf_token("/my/settings")})  # "/" redirects agents


def events(response) -> list:
    return sorted(Calendar.from_ical(response.data).walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))


def test_the_feed_holds_the_published_shifts_in_local_time_across_the_dst_change(app, actions, client, rosters):
    url = feed_url(actions, client, "anna")
    set_locale(app, "anna", "en")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    calendar = Calendar.from_ical(response.data)
    assert (str(calendar["VERSION"]), str(calendar["X-WR-CALNAME"])) == ("2.0", "Shifts of Anna")
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    friday, monday = events(response)  # not Tuesday's draft, not the superseded 11:00 Monday, not Ben's
    for event, day, offset in ((friday, FRIDAY, 2), (monday, MONDAY, 1)):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert (start.date(), start.time(), end.time()) == (day, dt.time(8), dt.time(16, 30))
        assert start.utcoffset() == end.utcoffset() == dt.timedelta(hours=offset)
        assert str(event["UID"]) == f"shift-A1-{day:%Y%m%d}@test-center.wfm"
        assert str(event["SUMMARY"]) == "Shift 08:00–16:30"
    assert str(friday["DESCRIPTION"]).splitlines() == ["08:00–12:00 Billing", "12:00–12:30 Break",
                                                       "12:30–16:30 Billing", "", "Working time: 8:00 h"]
    with app.app_context(), get_db().session() as session:
        published = session.get(RosterVersion, rosters["monday"]).published_at
    assert monday.decoded("LAST-MODIFIED") == published.replace(microsecond=0)


def test_the_feed_speaks_its_owners_language_german_unless_set_otherwise(app, actions, client, rosters):
    url = feed_url(actions, client, "anna")
    client.get("/lang/en?next=/login")  # the requester's language does not matter, the owner's does
    with app.test_request_context(), force_locale("de"):
        german = gettext("Shift %(times)s", times="08:00–16:30")
    assert [str(e["SUMMARY"]) for e in events(client.get(url))] == [german] * 2
    actions.login("anna", PASSWORD)
    client.post("/my/settings", data={"language": "en", "csrf_token": actions.csrf_token("/my/settings")})
    logout(actions, client)
    client.get("/lang/de?next=/login")
    assert [str(e["SUMMARY"]) for e in events(client.get(url))] == ["Shift 08:00–16:30"] * 2


def test_the_feed_reaches_four_weeks_back(actions, client, rosters, monkeypatch):
    url = feed_url(actions, client, "anna")
    monkeypatch.setattr(calendar_feed, "local_today", lambda zone: dt.date(2026, 11, 21))
    assert [e.decoded("DTSTART").date() for e in events(client.get(url))] == [MONDAY]


def test_a_token_shows_its_owners_shifts_whoever_asks(actions, client, rosters):
    url = feed_url(actions, client, "ben")
    actions.login("anna", PASSWORD)
    assert [str(e["UID"]).split("@")[0] for e in events(client.get(url))] == ["shift-B2-20261023",
                                                                              "shift-B2-20261026"]


def test_a_new_token_or_revoking_it_ends_the_old_address_and_unknown_ones_say_nothing(actions, client, rosters):
    old = feed_url(actions, client, "anna")
    actions.login("anna", PASSWORD)
    client.post("/my/calendar/token", data={"csrf_token": actions.csrf_token("/my/calendar")})
    new = f"/calendar/{user(actions.app, 'anna').calendar_token}.ics"
    page = client.get("/my/calendar").get_data(as_text=True)
    assert f"https://localhost{new}" in page and f"webcal://localhost{new}" in page
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    client.post("/my/calendar/revoke", data={"csrf_token": actions.csrf_token("/my/calendar")})
    revoked, unknown = client.get(new), client.get("/calendar/no-such-token.ics")
    assert revoked.status_code == unknown.status_code == 404 and revoked.data == unknown.data
    assert client.post("/my/calendar/token").status_code == 400  # no CSRF token


def test_a_failing_feed_does_not_write_the_token_to_the_log(actions, client, rosters, monkeypatch, caplog):
    url = feed_url(actions, client, "anna")
    token = url.removeprefix("/calendar/").removesuffix(".ics")

    def broken(*args, **kwargs):
        raise RuntimeError(f"cannot build the feed at {url}")

    monkeypatch.setattr(calendar_feed, "calendar_bytes", broken)
    assert client.get(url).status_code == 500
    assert "cannot build the feed at /calendar/[token].ics" in caplog.text and token not in caplog.text


def test_the_vtimezone_gives_the_zones_offsets_at_every_hour():
    component = vtimezone("Europe/Berlin", dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    zone = component.to_tz(lookup_tzid=False)  # read back from the VTIMEZONE alone, as a calendar app does
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    while moment < dt.datetime(2026, 12, 31, tzinfo=dt.UTC):
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(BERLIN).utcoffset(), moment
        moment += dt.timedelta(minutes=30)
    # RFC 5545 reads an onset in the offset before the change: 02:00 in winter time, 03:00 in summer time.
    changes = transitions("Europe/Berlin", dt.date(2026, 1, 1), dt.date(2027, 1, 1))[1:]
    hours = [(f"{t.onset:%Y-%m-%d %H:%M}", t.offset_from.seconds // 3600, t.offset_to.seconds // 3600)
             for t in changes]
    assert hours == [("2026-03-29 02:00", 1, 2), ("2026-10-25 03:00", 2, 1)]
