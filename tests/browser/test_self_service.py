"""Acceptance test of agent self-service in a real browser: an agent asks for a day off and offers a shift to a
colleague of the team, the colleague takes it, the team lead grants the day off and approves the swap; both agents'
"my shifts" pages and calendar feeds follow. The UI runs in English here (its texts are the message ids)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import holidays
import pytest
from icalendar import Calendar
from sqlalchemy import select

from scheduler.roster import Roster, Shift
from scheduler.shift_edit import build_shift
from tests.browser.conftest import log_in, screenshot
from web import models, roster_store
from web.db import get_db

TZ = ZoneInfo("Europe/Berlin")  # the demo site's zone
BRANDENBURG = holidays.country_holidays("DE", subdiv="BB")
# Two billing agents of Team Nord, no earliest start, no days-off wishes, no absence ahead in the demo. The owner's
# 20 h contract allows 18 h to 22 h (±10 %), the taker's 30 h 27 h to 33 h; the owner works 22 h, the taker 28 h,
# and the 4 h Tuesday shift makes it 18 h and 32 h, so the roster checker (contract hours, the 8 h daily average,
# days a week, rest) has nothing against the swap.
OWNER, TAKER = "A019", "A013"
CONTRACTS = {OWNER: 20.0, TAKER: 30.0}
TIMES = "08:00–12:00"  # the Tuesday shift, 4 h without a break
PHONE = {"width": 375, "height": 812}


def quiet_monday() -> dt.date:
    """A Monday three to four weeks ahead (clear of the week the roles test publishes), no holiday from the Sunday
    before to the Sunday after."""
    today = dt.datetime.now(TZ).date()
    day = today + dt.timedelta(days=21 - today.weekday())
    while any(day + dt.timedelta(days=i) in BRANDENBURG for i in range(-1, 8)):
        day += dt.timedelta(days=7)
    return day


MONDAY = quiet_monday()
TUESDAY = MONDAY + dt.timedelta(days=1)
DAY_OFF = MONDAY + dt.timedelta(days=8)  # the Tuesday after, outside the week the swap is checked in


def shift(agent_id: str, day: dt.date, end: str, pause: bool = True) -> Shift:
    """From 08:00 to `end`, with a break 12:00-12:30 when `pause`."""
    clock = dt.time.fromisoformat
    return build_shift(agent_id, day, clock("08:00"), clock(end), "billing",
                       [(clock("12:00"), clock("12:30"))] if pause else [], "Europe/Berlin")


@pytest.fixture(scope="module")
def week(live_server) -> dict:
    """Publish the week: the owner Monday to Thursday (Tuesday 08:00-12:00, the other days 6 h), the taker
    Monday, Wednesday, Thursday and Friday 7 h."""
    day = {name: MONDAY + dt.timedelta(days=i) for i, name in enumerate(("mon", "tue", "wed", "thu", "fri"))}
    shifts = [shift(OWNER, TUESDAY, "12:00", pause=False)]
    shifts += [shift(OWNER, day[d], "14:30") for d in ("mon", "wed", "thu")]
    shifts += [shift(TAKER, day[d], "15:30") for d in ("mon", "wed", "thu", "fri")]
    with live_server.app.app_context(), get_db().session() as session:
        site = session.scalars(select(models.Site)).one()
        agents = {a.agent_id: a for a in session.scalars(select(models.Agent).where(
            models.Agent.agent_id.in_((OWNER, TAKER))))}
        assert agents[OWNER].team == agents[TAKER].team
        assert {k: float(a.weekly_hours) for k, a in agents.items()} == CONTRACTS
        version = roster_store.save_version(session, site.id, MONDAY, 7, Roster(tuple(shifts)), created_by="lead")
        roster_store.publish(session, version, "lead")
        names = {k: a.name for k, a in agents.items()}
        pks = {k: a.id for k, a in agents.items()}
        slug = site.slug
    return {"names": names, "pks": pks, "slug": slug}


def open_as(new_page, live_server, agent_or_login: str, path: str, **size):
    page = new_page(**size)
    login = agent_or_login.lower()
    log_in(page, login, live_server.passwords[login])
    page.goto(f"/lang/en?next={path}")
    assert page.get_attribute("html", "lang") == "en"
    return page


def flash(page) -> str:
    return page.inner_text("main p.flash")


def my_shift_days(page) -> dict[str, str]:
    page.goto(f"/my/shifts?week={MONDAY.isoformat()}")
    return dict(page.eval_on_selector_all(
        "li.my-day[data-date]",
        "lis => lis.filter(li => li.querySelector('.my-times')).map(li => "
        "[li.dataset.date, li.querySelector('.my-times strong').textContent])"))


def feed_uids(page) -> set[str]:
    page.goto("/my/calendar")
    page.click("form[action$='/my/calendar/token'] button[type=submit]")
    page.wait_for_selector("#feed-https")
    feed = page.request.get(urlparse(page.input_value("#feed-https")).path)
    assert feed.status == 200
    return {str(e["UID"]) for e in Calendar.from_ical(feed.body()).walk("VEVENT")}


def test_agent_asks_for_a_day_off_and_swaps_a_shift_the_lead_approves(live_server, new_page, week):
    uid = {agent_id: f"shift-{agent_id}-{TUESDAY:%Y%m%d}@{week['slug']}.wfm" for agent_id in (OWNER, TAKER)}
    tuesday = TUESDAY.isoformat()

    # The owner, on a phone: before, the Tuesday shift is theirs; then the day off and the offer.
    owner = open_as(new_page, live_server, OWNER, "/my/time-off", **PHONE)
    assert my_shift_days(owner)[tuesday] == TIMES
    assert uid[OWNER] in feed_uids(owner)
    owner.goto("/my/time-off")
    owner.fill("#first", DAY_OFF.isoformat())
    owner.fill("#last", DAY_OFF.isoformat())
    owner.select_option("#kind", "vacation")
    owner.fill("#note", "Family visit")
    owner.click("form:has(#first) button[type=submit]")
    owner.wait_for_url("**/my/time-off")
    assert flash(owner) == "Request sent to your team lead."
    with live_server.app.app_context(), get_db().session() as session:
        request = session.scalars(select(models.TimeOffRequest).where(
            models.TimeOffRequest.agent_pk == week["pks"][OWNER])).one()
        request_id = request.id
        assert (request.start_date, request.end_date, request.status) == (DAY_OFF, DAY_OFF, "requested")
        assert "auto_approval_off" in request.checks["reasons"]  # the demo site leaves it to the lead
    assert owner.inner_text(f"#request-{request_id} .status") == "Pending"

    owner.goto("/my/swaps")
    owner.select_option("#day", tuesday)
    owner.select_option("#target", str(week["pks"][TAKER]))
    owner.click("form:has(#day) button[type=submit]")
    owner.wait_for_url("**/my/swaps")
    assert flash(owner) == f"Shift offered ({tuesday})."
    with live_server.app.app_context(), get_db().session() as session:
        swap_id = session.scalars(select(models.SwapRequest.id).where(models.SwapRequest.date == TUESDAY)).one()
    assert owner.inner_text(f"#swap-{swap_id} .status") == "Offered"
    assert week["names"][TAKER] in owner.inner_text(f"#swap-{swap_id}")
    owner.context.close()

    # The colleague takes it.
    taker = open_as(new_page, live_server, TAKER, "/my/swaps", **PHONE)
    assert tuesday not in my_shift_days(taker)
    assert uid[TAKER] not in feed_uids(taker)
    taker.goto("/my/swaps")
    offer = taker.locator(f"#offer-{swap_id}")
    assert f"{tuesday} {TIMES}" in offer.inner_text()
    assert week["names"][OWNER] in offer.inner_text()
    offer.locator("button[type=submit]").click()
    taker.wait_for_url("**/my/swaps")
    assert flash(taker) == "Offer accepted; it waits for the team lead."
    assert taker.locator(f"#offer-{swap_id}").count() == 0
    assert tuesday not in my_shift_days(taker)  # not before the lead approves
    taker.context.close()

    # The team lead grants the day off and approves the swap.
    lead = open_as(new_page, live_server, "lead", "/time-off")
    card = lead.locator(f"#request-{request_id}")
    assert week["names"][OWNER] in card.inner_text()
    card.locator("select").select_option("approve")
    card.locator("button[type=submit]").click()
    lead.wait_for_url("**/time-off")
    assert flash(lead) == "Request approved; the absence is entered."
    assert lead.locator(f"#request-{request_id}").count() == 0

    lead.goto("/swaps")
    card = lead.locator(f"#swap-{swap_id}")
    assert card.locator("h2").inner_text().startswith(f"{tuesday} {TIMES}: {week['names'][OWNER]} → "
                                                      f"{week['names'][TAKER]}")
    card.locator("select").select_option("approve")
    card.locator("button[type=submit]").click()
    lead.wait_for_url("**/swaps")
    assert flash(lead) == "Swap approved; the published roster shows it."
    assert lead.locator(f"#swap-{swap_id}").count() == 0
    lead.context.close()
    with live_server.app.app_context(), get_db().session() as session:
        assert session.get(models.SwapRequest, swap_id).status == "approved"
        request = session.get(models.TimeOffRequest, request_id)
        assert (request.status, request.decided_by, request.absence_id is not None) == ("approved", "lead", True)
        rows = {(r.agent_id, r.date) for r in session.scalars(select(models.RosterShift).join(models.RosterVersion)
                                                                   .where(models.RosterVersion.status == "published",
                                                                          models.RosterShift.date == TUESDAY))}
        assert (TAKER, TUESDAY) in rows and (OWNER, TUESDAY) not in rows

    # Both agents see the change on "my shifts" and in their calendar feeds.
    owner = open_as(new_page, live_server, OWNER, "/my/time-off", **PHONE)
    assert owner.inner_text(f"#request-{request_id} .status") == "Approved"
    owner.goto("/my/swaps")
    assert owner.inner_text(f"#swap-{swap_id} .status") == "Swapped"
    days = my_shift_days(owner)
    assert tuesday not in days and len(days) == 3
    assert uid[OWNER] not in feed_uids(owner)

    taker = open_as(new_page, live_server, TAKER, "/my/shifts", **PHONE)
    days = my_shift_days(taker)
    assert days[tuesday] == TIMES and len(days) == 5
    screenshot(taker, "agent-swapped-shift")
    assert uid[TAKER] in feed_uids(taker)
