"""Acceptance test of the web app in a real browser, one flow per role, in order (each flow needs the one before):
the team lead computes, checks, tries a refused edit on and publishes next week's roster; the agent sees exactly
their published shifts (phone), team and calendar feed; the agent is kept out of the lead's pages; the planner
sees the forecast and requirements the roster job made.

What the pages show is compared with the database, and German UI texts with the catalogue (whatever it says
today), so the tests stay exact while translations are being filled in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, format_date, gettext, ngettext
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import log_in, screenshot
from web import models, roster_store
from web.db import get_db

TZ = ZoneInfo("Europe/Berlin")  # the demo site's zone
JOB_TIMEOUT_MS = 120_000  # forecast and a 10 s solve take ~20 s; a busy CI machine gets room
PHONE = {"width": 375, "height": 812}
# The roster checker's rest rule as its catalogue entry; the page shows its German translation.
REST_RULE = ("%(who)s: only %(rest)s rest between the shift ending %(end)s and the one starting %(start)s; "
             "ArbZG §5 requires %(need)s")
REST_MINUTES = 10 * 60 + 30  # the edit leaves 10 h 30 min rest; ArbZG §5 wants 11 h
DONE = "#job[data-status=succeeded], #job[data-status=failed], #job[data-status=cancelled]"


@pytest.fixture(scope="module")
def state() -> dict:
    """What one flow leaves for the next: the published version, the agent chosen."""
    return {}


@contextmanager
def db(live_server) -> Iterator[Session]:
    with live_server.app.app_context(), get_db().session() as session:
        yield session


def de(live_server, message: str, **values) -> str:
    """The German UI text of a message, as the server renders it."""
    with live_server.app.test_request_context(), force_locale("de"):
        return gettext(message, **values)


def de_plural(live_server, singular: str, plural: str, num: int) -> str:
    with live_server.app.test_request_context(), force_locale("de"):
        return ngettext(singular, plural, num)


def de_date(live_server, day: dt.date, pattern: str) -> str:
    with live_server.app.test_request_context(), force_locale("de"):
        return format_date(day, pattern)


def clock(moment: dt.datetime) -> str:
    return f"{moment.astimezone(TZ):%H:%M}"


def times(row: models.RosterShift) -> str:
    return f"{clock(row.start)}–{clock(row.end)}"


def checker_day(live_server, day: dt.date) -> str:
    """A day in a German checker sentence, as the other dates of the pages ("Di. 01.12.")."""
    return de_date(live_server, day, "EEE dd.MM.")


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def next_monday() -> dt.date:
    today = dt.datetime.now(TZ).date()
    return today + dt.timedelta(days=7 - today.weekday())


def read_grid(page) -> dict[str, dict[str, str | None]]:
    """agent id -> ISO date -> the grid cell's 'HH:MM–HH:MM' (None: no shift)."""
    return page.eval_on_selector_all(
        "table.roster-grid tbody tr[data-agent-id]",
        """rows => Object.fromEntries(rows.map(row => [row.dataset.agentId, Object.fromEntries(
               [...row.querySelectorAll('td[data-date]')].map(td => {
                   const t = td.querySelector('.times');
                   return [td.dataset.date, t ? t.textContent : null];
               }))]))""")


def version_shifts(session: Session, version_id: int) -> list[models.RosterShift]:
    return list(session.scalars(select(models.RosterShift).where(models.RosterShift.version_id == version_id)))


def published_rows(session: Session, agent_id: str) -> list[models.RosterShift]:
    return list(session.scalars(select(models.RosterShift).join(models.RosterVersion).where(
        models.RosterVersion.status == roster_store.PUBLISHED, models.RosterShift.agent_id == agent_id)))


# --- 1. team lead -------------------------------------------------------------------------------------------

def test_lead_computes_checks_and_publishes_next_weeks_roster(live_server, new_page, state):
    page = new_page()
    log_in(page, "lead", live_server.passwords["lead"])
    week = next_monday()
    page.goto("/rosters")
    assert page.get_attribute("html", "lang") == "de"
    assert page.input_value("#week_start") == week.isoformat()
    screenshot(page, "lead-rosters")

    page.fill("#time_limit_s", "10")
    page.fill("#seed", "1")
    page.click("form[action$='/rosters/generate'] button[type=submit]")
    page.wait_for_url(re.compile(r"/planning/jobs/[^/]+$"))
    job_id = page.get_attribute("#job", "data-job-id")
    assert page.url.endswith(f"/planning/jobs/{job_id}")
    assert page.get_attribute("#job", "data-status") in ("queued", "running")

    # job.js polls the job API about once a second, writes progress and message into the page, and reloads it
    # when the status changes; the test never reloads it, so whatever changes below is the script's doing.
    polls = []
    page.on("response", lambda r: polls.append(r.status) if r.url.endswith(f"/api/v1/jobs/{job_id}") else None)
    page.wait_for_selector(f"#job[data-status=running], {DONE}", timeout=JOB_TIMEOUT_MS)
    rendered = page.evaluate("window.renderedMessage = document.querySelector('[data-field=message]').textContent")
    # The solver's reports ("objective …, bound …, gap …") come after the forecast, while the status stays running.
    page.wait_for_selector(f"#job[data-status=running] [data-field=message]:text-matches('^objective '), {DONE}",
                           timeout=JOB_TIMEOUT_MS)
    if page.get_attribute("#job", "data-status") == "running":  # else the solve ended before a report was seen
        assert page.evaluate("window.renderedMessage") == rendered  # the same document: not reloaded
        assert page.inner_text("#job [data-field=message]") != rendered
        assert float(page.eval_on_selector("#job progress", "bar => bar.value")) > 0
    screenshot(page, "lead-job")
    page.wait_for_selector(DONE, timeout=JOB_TIMEOUT_MS)
    assert page.get_attribute("#job", "data-status") == "succeeded", page.inner_text("#job")
    assert polls and set(polls) == {200}
    with db(live_server) as session:
        job = session.get(models.Job, job_id)
        version = session.get(models.RosterVersion, job.result["version_id"])
        assert (job.kind, job.params["start"], job.params["time_limit_s"], job.params["seed"]) == \
            ("roster", week.isoformat(), 10, 1)
        assert (version.week_start, version.days, version.status) == (week, 7, roster_store.DRAFT)
        run = session.get(models.ForecastRun, version.forecast_run)
        assert (run.start_date, run.days, run.created_by) == (week, 7, "lead")  # the job forecast the week first
        version_id, number, lock = version.id, version.number, version.lock_version
        shifts = version_shifts(session, version_id)
        agents = {a.agent_id: a.name for a in session.scalars(select(models.Agent))}
        queues = [q.name for q in session.get(models.Site, version.site_id).queues]
    assert page.get_attribute("#job a.result", "href") == f"/rosters/{version_id}"

    page.click("#job a.result")
    page.wait_for_url(f"**/rosters/{version_id}")
    grid = read_grid(page)
    days = [(week + dt.timedelta(days=i)).isoformat() for i in range(7)]
    expected = {agent_id: dict.fromkeys(days) for agent_id in agents}
    for row in shifts:
        expected[row.agent_id][row.date.isoformat()] = times(row)
    assert grid == expected
    assert any(any(cells.values()) for cells in grid.values())
    screenshot(page, "lead-grid", docs=True)

    page.goto(f"/rosters/{version_id}/coverage")
    # The week's Monday: every queue open, one chart each, scheduled and required as step lines.
    assert page.locator("section.coverage h3").all_inner_texts() == [
        f"{queue} · {de_date(live_server, week, 'EEE dd.MM.yyyy')}" for queue in queues]
    assert page.locator("section.coverage svg.ro-chart").count() == len(queues)
    assert page.locator("svg.ro-chart path.scheduled[d^='M']").count() == len(queues)
    assert page.locator("svg.ro-chart path.required[d^='M']").count() == len(queues)
    screenshot(page, "lead-coverage", docs=True)

    # An agent working days d and d+1, d+1 starting 08:00-10:00 (the earliest such start: the edit stays in the day).
    by_key = {(r.agent_id, r.date): r for r in shifts}
    candidates = sorted(((nxt.start, r.agent_id, r.date) for (agent_id, day), r in by_key.items()
                         if (nxt := by_key.get((agent_id, day + dt.timedelta(days=1)))) is not None
                         and "08:00" <= clock(nxt.start) <= "10:00"), key=lambda c: (clock(c[0]), c[1], c[2]))
    assert candidates, "no agent works two days in a row with the second starting 08:00-10:00"
    next_start, agent_id, day = candidates[0]
    old_label = times(by_key[(agent_id, day)])
    # Elapsed time, not wall-clock arithmetic (a DST night would shift it): from UTC, then read locally.
    new_end = (next_start.astimezone(dt.UTC) - dt.timedelta(minutes=REST_MINUTES)).astimezone(TZ)
    new_start = new_end - dt.timedelta(hours=9)  # 8 h 30 min of work with the break: only the rest is at issue
    pause = new_start + dt.timedelta(hours=4)
    message = de(live_server, REST_RULE, who=agents[agent_id], rest=duration(REST_MINUTES),
                 end=f"{checker_day(live_server, day)} {new_end:%H:%M}",
                 start=f"{checker_day(live_server, day + dt.timedelta(days=1))} {clock(next_start)}", need="11 h")
    assert "Ruhezeit" in message and "ArbZG §5" in message, "the rest rule has no German translation"

    page.goto(f"/rosters/{version_id}/shift/{agent_id}/{day.isoformat()}")
    assert (page.input_value("#start"), page.input_value("#end")) == tuple(old_label.split("–"))
    page.fill("#start", f"{new_start:%H:%M}")
    page.fill("#end", f"{new_end:%H:%M}")
    page.fill("#break1_start", f"{pause:%H:%M}")
    page.fill("#break1_end", f"{pause + dt.timedelta(minutes=30):%H:%M}")
    page.fill("#break2_start", "")
    page.fill("#break2_end", "")
    with page.expect_response(lambda r: r.request.method == "POST" and "/shift/" in r.url) as answer:
        page.click("button[name=action][value=save]")
    assert answer.value.status == 422
    page.wait_for_load_state()
    # Each finding is "<strong>kind:</strong> sentence"; the sentence is the <li>'s last text node.
    found = page.eval_on_selector_all("section[role=status] li",
                                      "lis => lis.map(li => li.lastChild.textContent.trim())")
    assert message in found
    assert message in page.inner_text("section[role=alert]")
    screenshot(page, "lead-edit-refused")

    page.goto(f"/rosters/{version_id}")
    assert read_grid(page)[agent_id][day.isoformat()] == old_label
    with db(live_server) as session:
        version = session.get(models.RosterVersion, version_id)
        assert version.lock_version == lock
        assert {(r.agent_id, r.date, r.start, r.end) for r in version_shifts(session, version_id)} == \
            {(r.agent_id, r.date, r.start, r.end) for r in shifts}

    assert page.locator("form[action$='/publish']").count() == 1, \
        "no publish button on the draft: does the demo site now want the works council's approval first?"
    page.click("form[action$='/publish'] button[type=submit]")
    page.wait_for_url(f"**/rosters/{version_id}")
    with db(live_server) as session:
        version = session.get(models.RosterVersion, version_id)
        assert (version.status, version.published_by) == (roster_store.PUBLISHED, "lead")
        findings = roster_store.check_version(session, version)
    flash = de(live_server, "Version %(n)s is published; agents see it now.", n=number)
    if findings:
        flash += " " + de_plural(live_server,
                                 "%(num)d finding that does not block publishing is listed on the check page.",
                                 "%(num)d findings that do not block publishing are listed on the check page.",
                                 len(findings))
    assert page.inner_text("main > p.flash.info") == flash
    assert page.inner_text(".sub .ro-status.published") == de(live_server, "published")
    assert page.locator("form[action$='/publish']").count() == 0
    screenshot(page, "lead-published")
    state.update(version_id=version_id, week=week, agents=agents)


# --- 2. agent -----------------------------------------------------------------------------------------------

@pytest.fixture
def published(state) -> dict:
    assert "version_id" in state, "the lead's flow (run first in this module) did not publish a roster"
    return state


def test_agent_sees_exactly_their_published_shifts(live_server, new_page, published):
    week = published["week"]
    with db(live_server) as session:
        rostered = sorted({r.agent_id for r in version_shifts(session, published["version_id"])})
        agent_id = rostered[0]
        rows = published_rows(session, agent_id)
        team = session.scalars(select(models.Agent).where(models.Agent.agent_id == agent_id)).one().team
        members = list(session.scalars(select(models.Agent).where(models.Agent.team == team)
                                       .order_by(models.Agent.name, models.Agent.agent_id)))
        team_rows = {m.agent_id: published_rows(session, m.agent_id) for m in members}
    assert rows and all(week <= r.date < week + dt.timedelta(days=7) for r in rows)
    published["agent_id"] = agent_id
    page = new_page(**PHONE)
    log_in(page, agent_id.lower(), live_server.passwords[agent_id.lower()])

    page.goto(f"/my/shifts?week={week.isoformat()}")
    shown = page.eval_on_selector_all(
        "li.my-day[data-date]",
        "lis => lis.filter(li => li.querySelector('.my-times')).map(li => "
        "[li.dataset.date, li.querySelector('.my-times strong').textContent])")
    assert dict(shown) == {r.date.isoformat(): times(r) for r in rows}
    assert len(shown) == len(rows)
    # Four weeks from the one asked for: the published week's other days are days off, later ones unpublished.
    assert page.locator("li.my-day[data-date]").count() == 4 * 7
    assert page.eval_on_selector_all("li.my-day:has(.my-off)", "lis => lis.map(li => li.dataset.date)") == \
        [d.isoformat() for d in (week + dt.timedelta(days=i) for i in range(7)) if d not in {r.date for r in rows}]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "agent-my-shifts", docs=True)

    page.goto(f"/my/team?week={week.isoformat()}")
    table = page.eval_on_selector_all(
        "table.my-team tbody tr",
        "trs => trs.map(tr => [tr.classList.contains('my-me'), tr.querySelector('th').textContent, "
        "[...tr.querySelectorAll('td')].map(td => td.textContent)])")
    days = [week + dt.timedelta(days=i) for i in range(7)]
    expected = []
    for member in members:
        mine = {r.date: times(r) for r in team_rows[member.agent_id]}
        expected.append([member.agent_id == agent_id, member.name, [mine.get(d, "–") for d in days]])
    assert table == expected
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    page.goto("/my/calendar")
    page.click("form[action$='/my/calendar/token'] button[type=submit]")
    page.wait_for_selector("#feed-https")
    feed = page.request.get(urlparse(page.input_value("#feed-https")).path)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert sorted((e["UID"], e.decoded("DTSTART"), e.decoded("DTEND")) for e in events) == \
        sorted((f"shift-{agent_id}-{r.date:%Y%m%d}@kundenservice-potsdam.wfm", r.start, r.end) for r in rows)


# --- 3. agent kept out --------------------------------------------------------------------------------------

def test_agent_cannot_open_the_leads_pages(live_server, new_page, published):
    login = published.get("agent_id", "A001").lower()
    page = new_page(**PHONE)
    log_in(page, login, live_server.passwords[login])
    for path in (f"/rosters/{published['version_id']}", "/rosters"):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.inner_text("main h1").startswith("403")
    assert page.locator("table.roster-grid").count() == 0


# --- 4. planner ---------------------------------------------------------------------------------------------

def test_planner_sees_forecast_and_requirements(live_server, new_page, published):
    with db(live_server) as session:
        version = session.get(models.RosterVersion, published["version_id"])
        run = session.get(models.ForecastRun, version.forecast_run)
        queues = sorted(q.name for q in session.scalars(select(models.Queue)))
    page = new_page()
    log_in(page, "planner", live_server.passwords["planner"])

    page.goto("/planning/forecast")
    assert page.input_value("select[name=run]") == str(run.id)
    assert page.locator("svg.band-chart").count() == 2  # contacts per day, intraday
    assert page.locator("svg.band-chart polyline").count() >= 2
    assert page.locator("svg.band-chart polygon.band").count() == 2
    screenshot(page, "planner-forecast", docs=True)

    page.goto("/planning/requirements")
    assert page.input_value("select[name=week]") == published["week"].isoformat()
    assert page.locator("main h2").all_inner_texts() == queues  # one heat map per queue, in name order
    for heat in page.locator("table.heat").all():
        assert heat.locator("tbody tr").count() == 7
    screenshot(page, "planner-requirements")
