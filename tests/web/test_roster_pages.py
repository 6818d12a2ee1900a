"""The team lead's roster pages: grid, filters, roles, shift edits, approval and publishing, exports, coverage."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from scheduler.roster import Roster
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.roster_store import publish, save_version

MONDAY = dt.date(2026, 12, 7)
TZ = "Europe/Berlin"
AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nB2,Ben,Sued,billing;email,16,5\nC3,Cleo,Nord,email,16,5\n")


def shift(agent: str, day: dt.date, start=(8, 0), end=(16, 0), activity="billing", brk=((12, 0), (12, 30))):
    breaks = [(dt.time(*brk[0]), dt.time(*brk[1]))] if brk else []
    return build_shift(agent, day, dt.time(*start), dt.time(*end), activity, breaks, TZ)


@pytest.fixture
def site(app):
    with app.app_context(), get_db().session() as session:
        row = imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_agents(session, row.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")
        return row.id


def make_version(app, site_id: int, shifts, week_start: dt.date = MONDAY, **kwargs) -> int:
    with app.app_context(), get_db().session() as session:
        version = save_version(session, site_id, week_start, 7, Roster(tuple(shifts)), created_by="lead", **kwargs)
        return version.id


@pytest.fixture
def week(app, site):
    """Anna Mon + Tue 08:00-16:00 on billing, Ben Mon 10:00-18:30 on e-mail."""
    return make_version(app, site, [shift("A1", MONDAY), shift("A1", MONDAY + dt.timedelta(1)),
                                    shift("B2", MONDAY, (10, 0), (18, 30), "email", ((13, 0), (13, 45)))])


def login(actions, role: str, **kwargs) -> None:
    """Log in as a new user of this role, with English pages (German is the default)."""
    actions.add_user(role, role, "pw", **kwargs)
    actions.login(role, "pw")
    actions.client.get("/lang/en")


def post(client, actions, path: str, data: dict, page: str):
    return client.post(path, data={**data, "csrf_token": actions.csrf_token(page)})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_grid_shows_local_times_breaks_and_totals(client, actions, week):
    login(actions, "planner")
    page = text(client.get(f"/rosters/{week}"))
    assert "08:00–16:00" in page and "10:00–18:30" in page
    assert 'title="Breaks: 12:00–12:30"' in page or "12:00–12:30" in page
    assert re.search(r"Anna.*?15[.,]0</td>", page, re.S)  # 2 × 7.5 h planned
    assert f'href="/rosters/{week}/day/2026-12-07"' in page
    assert f'href="/rosters/{week}/check"' in page


@pytest.mark.parametrize("monday", [dt.date(2026, 10, 19), dt.date(2026, 10, 26)])
def test_the_grid_shows_wall_clock_times_on_both_sides_of_the_dst_change(app, client, actions, site, monday):
    # Summer time ends on Sunday 2026-10-25: the same wall-clock shift is an hour later in UTC the week after.
    sunday = monday + dt.timedelta(days=6)
    version = make_version(app, site, [shift("A1", monday), shift("A1", sunday, (0, 0), (5, 0), brk=None)],
                           week_start=monday)
    with app.app_context(), get_db().session() as session:
        rows = session.scalars(select(models.RosterShift).where(models.RosterShift.version_id == version)
                               .order_by(models.RosterShift.date)).all()
        assert rows[0].start.hour == (6 if monday.month == 10 and monday.day == 19 else 7)
        night_hours = (rows[1].end - rows[1].start).total_seconds() / 3600
    assert night_hours == (6 if sunday == dt.date(2026, 10, 25) else 5)  # the night of the change has 25 h
    login(actions, "planner")
    page = text(client.get(f"/rosters/{version}"))
    assert "08:00–16:00" in page and "00:00–05:00" in page


def test_filters_by_team_and_by_queue(client, actions, week):
    login(actions, "planner")
    nord = text(client.get(f"/rosters/{week}?team=Nord"))
    assert "Anna" in nord and "Cleo" in nord and "Ben" not in nord
    email = text(client.get(f"/rosters/{week}?queue=email"))
    assert "Ben" in email and "Cleo" in email and "Anna" not in email


def test_a_lead_sees_and_edits_only_the_agents_of_their_teams(client, actions, week):
    login(actions, "lead", teams=("Sued",))
    page = text(client.get(f"/rosters/{week}"))
    assert "Ben" in page and "Anna" not in page
    assert f"/rosters/{week}/shift/B2/2026-12-07" in page
    assert client.get(f"/rosters/{week}/shift/A1/2026-12-07").status_code == 403
    assert client.get(f"/rosters/{week}/shift/B2/2026-12-07").status_code == 200
    rows = list(csv.reader(io.StringIO(text(client.get(f"/rosters/{week}/export.csv")))))
    assert {r[0] for r in rows[1:]} == {"B2"}


def test_a_planner_reads_but_cannot_change_anything(client, actions, week):
    login(actions, "planner")
    page = text(client.get(f"/rosters/{week}"))
    assert "/shift/" not in page and "/publish" not in page and "/copy" not in page
    assert 'action="/rosters/generate"' not in text(client.get("/rosters"))
    assert post(client, actions, f"/rosters/{week}/publish", {}, "/rosters").status_code == 403
    assert post(client, actions, f"/rosters/{week}/shift/A1/2026-12-07",
                {"day_off": "1", "lock_version": "1"}, "/rosters").status_code == 403


@pytest.mark.parametrize("path", ["/rosters", "/rosters/{v}", "/rosters/{v}/check", "/rosters/{v}/day/2026-12-07",
                                  "/rosters/{v}/coverage", "/rosters/{v}/export.csv", "/rosters/{v}/export.xlsx",
                                  "/rosters/{v}/print", "/rosters/{v}/shift/A1/2026-12-07"])
def test_agents_may_not_open_any_roster_page(client, actions, week, path):
    login(actions, "agent")
    assert client.get(path.format(v=week)).status_code == 403


def test_an_edit_into_too_little_rest_is_refused_with_the_checkers_sentence(app, client, actions, site):
    saturday = MONDAY + dt.timedelta(days=5)
    version = make_version(app, site, [shift("A1", saturday, (9, 0), (14, 0), brk=None)])
    login(actions, "lead")
    path = f"/rosters/{version}/shift/A1/2026-12-13"
    response = post(client, actions, path, {"start": "00:00", "end": "05:00", "activity": "billing",
                                            "reason": "I insist", "lock_version": "1", "action": "save"}, path)
    page = text(response)
    assert response.status_code == 422
    assert ("Anna: only 10 h rest between the shift ending Sat 12.12. 14:00 and the one starting Sun 13.12. 00:00; "
            "ArbZG §5 requires 11 h") in page
    assert "cannot be overridden (ArbZG / leave / skills)" in page
    with app.app_context(), get_db().session() as session:
        assert session.scalars(select(models.RosterShift.date).where(models.RosterShift.version_id == version)
                               ).all() == [saturday]


def test_a_german_team_lead_reads_the_refusal_in_german(app, client, actions, site):
    saturday = MONDAY + dt.timedelta(days=5)
    version = make_version(app, site, [shift("A1", saturday, (9, 0), (14, 0), brk=None)])
    login(actions, "lead")
    client.get("/lang/de")
    path = f"/rosters/{version}/shift/A1/2026-12-13"
    response = post(client, actions, path, {"start": "00:00", "end": "05:00", "activity": "billing",
                                            "reason": "I insist", "lock_version": "1", "action": "save"}, path)
    page = text(response)
    german = ("Anna: nur 10 h Ruhezeit zwischen dem Schichtende Sa. 12.12. 14:00 und dem Schichtbeginn So. 13.12. "
              "00:00; ArbZG §5 verlangt 11 h")
    assert response.status_code == 422
    assert f"<p>verletzt eine Regel: {german}</p>" in page  # the alert
    assert f"nicht übersteuerbar (ArbZG / Abwesenheit / Skills):</strong> {german}</li>" in page
    assert "rest between" not in page
    check = text(client.get(f"/rosters/{version}/check"))
    assert "Anna: nur 10 h Ruhezeit" not in check  # the refused edit was not saved: nothing to find


def test_a_refused_publication_is_flashed_in_the_readers_language(app, client, actions, site):
    saturday, sunday = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)
    version = make_version(app, site, [shift("A1", saturday, (9, 0), (14, 0), brk=None),
                                       shift("A1", sunday, (0, 0), (5, 0), brk=None)])
    login(actions, "lead")
    client.get("/lang/de")
    post(client, actions, f"/rosters/{version}/publish", {}, "/rosters")
    page = text(client.get(f"/rosters/{version}"))
    assert ("1 Verstoß gegen eine harte Regel muss vor dem Veröffentlichen behoben werden, z. B. Anna: nur 10 h "
            "Ruhezeit zwischen dem Schichtende Sa. 12.12. 14:00") in page
    client.get("/lang/en")
    post(client, actions, f"/rosters/{version}/publish", {}, "/rosters")
    assert ("1 hard-rule violation must be fixed before publishing, e.g. Anna: only 10 h rest between the shift "
            "ending Sat 12.12. 14:00 and the one starting Sun 13.12. 00:00; ArbZG §5 requires 11 h"
            ) in text(client.get(f"/rosters/{version}"))


def test_check_shows_what_an_edit_would_break_without_saving(app, client, actions, week):
    login(actions, "lead")
    path = f"/rosters/{week}/shift/A1/2026-12-09"
    response = post(client, actions, path, {"start": "08:00", "end": "16:00", "activity": "billing",
                                            "break1_start": "12:00", "break1_end": "12:30", "lock_version": "1",
                                            "action": "check"}, path)
    assert response.status_code == 200
    assert "needs a reason" in text(response) and "weekly_contract_hours" not in text(response)
    with app.app_context(), get_db().session() as session:
        assert session.get(models.RosterVersion, week).lock_version == 1
        assert len(session.get(models.RosterVersion, week).shifts) == 3


def test_an_override_needs_a_reason_and_is_then_saved_with_an_audit_row(app, client, actions, week):
    login(actions, "lead")
    path = f"/rosters/{week}/shift/A1/2026-12-09"
    form = {"start": "08:00", "end": "16:00", "activity": "billing", "break1_start": "12:00",
            "break1_end": "12:30", "lock_version": "1", "action": "save"}
    refused = post(client, actions, path, form, path)
    assert refused.status_code == 422 and "needs a reason" in text(refused)
    saved = post(client, actions, path, {**form, "reason": "year-end peak"}, path)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/rosters/{week}")
    assert "Saved the shift of Anna" in text(client.get(f"/rosters/{week}"))
    with app.app_context(), get_db().session() as session:
        change = session.scalars(select(models.RosterChange).where(models.RosterChange.action == "override")).one()
        assert (change.agent_id, change.date, change.created_by) == ("A1", dt.date(2026, 12, 9), "lead")
        assert change.reason.startswith("year-end peak — ")


def test_a_day_off_removes_the_shift(app, client, actions, week):
    login(actions, "lead")
    path = f"/rosters/{week}/shift/A1/2026-12-08"
    response = post(client, actions, path, {"day_off": "1", "reason": "swap", "lock_version": "1",
                                            "action": "save"}, path)
    assert response.status_code == 302
    with app.app_context(), get_db().session() as session:
        assert sorted(s.date.day for s in session.get(models.RosterVersion, week).shifts) == [7, 7]


def test_a_stale_edit_is_refused_with_409(client, actions, week):
    login(actions, "lead")
    path = f"/rosters/{week}/shift/A1/2026-12-08"
    response = post(client, actions, path, {"day_off": "1", "lock_version": "7", "action": "save"}, path)
    assert response.status_code == 409
    assert "Somebody saved this roster since you opened the form (now at edit 1, you had 7)" in text(response)


def test_a_stale_edit_shows_what_changed_since_the_form_was_opened(client, actions, week):
    login(actions, "lead")
    first = f"/rosters/{week}/shift/A1/2026-12-08"
    assert post(client, actions, first, {"day_off": "1", "reason": "sick", "lock_version": "1", "action": "save"},
                first).status_code == 302
    other = f"/rosters/{week}/shift/A1/2026-12-07"
    response = post(client, actions, other, {"day_off": "1", "reason": "swap", "lock_version": "1",
                                             "action": "save"}, other)
    page = text(response)
    assert response.status_code == 409 and "(now at edit 2, you had 1)" in page
    assert "Changed since you opened the form:" in page
    assert "· lead · shift changed, rule overridden · " in page and "Tue 08.12.: 08:00–16:00 billing" in page
    assert "→ no shift" in page


def test_bad_shift_input_is_a_400_with_the_reason(client, actions, week):
    login(actions, "lead")
    path = f"/rosters/{week}/shift/A1/2026-12-08"
    response = post(client, actions, path, {"start": "8 Uhr", "end": "16:00", "activity": "billing",
                                            "lock_version": "1", "action": "save"}, path)
    assert response.status_code == 400 and "start &#39;8 Uhr&#39; is not a time; give HH:MM" in text(response)


def test_the_edit_form_is_prefilled_and_offers_the_agents_queues(client, actions, week):
    login(actions, "lead")
    page = text(client.get(f"/rosters/{week}/shift/B2/2026-12-07"))
    assert 'name="start" type="time" step="900" value="10:00"' in page
    assert 'name="break1_start" type="time" step="900" value="13:00"' in page
    assert '<option value="email" selected>' in page and '<option value="billing">' in page
    assert 'name="lock_version" value="1"' in page


def test_works_council_approval_then_publishing_through_the_pages(app, client, actions, site, week):
    with app.app_context(), get_db().session() as session:
        session.get(models.Site, site).approval_required = True
    actions.add_user("council", "council", "pw")
    login(actions, "lead")
    grid = text(client.get(f"/rosters/{week}"))
    assert "Submit for approval" in grid and f'action="/rosters/{week}/publish"' not in grid
    refused = post(client, actions, f"/rosters/{week}/publish", {}, "/rosters")
    assert refused.status_code == 302 and "needs the works council" in text(client.get(f"/rosters/{week}"))
    post(client, actions, f"/rosters/{week}/submit", {}, "/rosters")
    assert "awaiting approval" in text(client.get(f"/rosters/{week}"))
    actions.logout()
    actions.login("council", "pw")
    client.get("/lang/en")
    assert post(client, actions, f"/rosters/{week}/approve", {}, "/rosters").status_code == 302
    assert "Version 1 is approved." in text(client.get(f"/rosters/{week}"))
    actions.logout()
    actions.login("lead", "pw")
    client.get("/lang/en")
    post(client, actions, f"/rosters/{week}/publish", {}, "/rosters")
    assert "Version 1 is published" in text(client.get(f"/rosters/{week}"))
    copied = post(client, actions, f"/rosters/{week}/copy", {}, "/rosters")
    with app.app_context(), get_db().session() as session:
        versions = session.scalars(select(models.RosterVersion).order_by(models.RosterVersion.id)).all()
        assert [(v.number, v.status) for v in versions] == [(1, "published"), (2, "draft")]
        assert copied.headers["Location"].endswith(f"/rosters/{versions[1].id}")
    index = text(client.get("/rosters"))
    assert "seen by agents" in index and index.index("Version 2") < index.index("Version 1")


def test_the_council_sends_a_roster_back_as_a_draft(app, client, actions, site, week):
    with app.app_context(), get_db().session() as session:
        session.get(models.Site, site).approval_required = True
    login(actions, "lead")
    post(client, actions, f"/rosters/{week}/submit", {}, "/rosters")
    actions.logout()
    login(actions, "council")
    assert "Send back" in text(client.get(f"/rosters/{week}"))
    post(client, actions, f"/rosters/{week}/reject", {"reason": "too many late shifts"}, "/rosters")
    assert "Version 1 was sent back as a draft." in text(client.get(f"/rosters/{week}"))
    post(client, actions, f"/rosters/{week}/approve", {}, "/rosters")
    assert "only a roster awaiting approval can be approved; version 1 is draft" in \
        text(client.get(f"/rosters/{week}"))
    with app.app_context(), get_db().session() as session:
        assert session.get(models.RosterVersion, week).status == "draft"
        change = session.scalars(select(models.RosterChange).where(models.RosterChange.action == "reject")).one()
        assert (change.reason, change.created_by) == ("too many late shifts", "council")


def test_csv_and_xlsx_exports_hold_the_shifts(client, actions, week):
    login(actions, "planner")
    response = client.get(f"/rosters/{week}/export.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=roster-2026-12-07-v1.csv"
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert [(r["agent_id"], r["date"], r["start"], r["end"], r["activity"]) for r in rows[:3]] == [
        ("A1", "2026-12-07", "2026-12-07T08:00:00+01:00", "2026-12-07T12:00:00+01:00", "billing"),
        ("A1", "2026-12-07", "2026-12-07T12:00:00+01:00", "2026-12-07T12:30:00+01:00", "break"),
        ("A1", "2026-12-07", "2026-12-07T12:30:00+01:00", "2026-12-07T16:00:00+01:00", "billing")]
    assert len(rows) == 9
    response = client.get(f"/rosters/{week}/export.xlsx")
    assert response.headers["Content-Disposition"] == "attachment; filename=roster-2026-12-07-v1.xlsx"
    book = load_workbook(io.BytesIO(response.data))
    grid = book["Roster"]
    assert [c.value for c in grid[1]][:5] == ["agent_id", "name", "team", "contract_h", "2026-12-07"]
    assert [c.value for c in grid[2]][:6] == ["A1", "Anna", "Nord", 16, "08:00–16:00 billing", "08:00–16:00 billing"]
    assert grid.freeze_panes == "D2"
    assert book["Segments"].max_row == 1 + 9


def test_the_day_page_draws_bars_with_times_for_screen_readers(client, actions, week):
    login(actions, "planner")
    page = text(client.get(f"/rosters/{week}/day/2026-12-07"))
    assert '<span class="sr-only">billing 08:00–12:00</span>' in page
    assert '<span class="sr-only">break 12:00–12:30</span>' in page
    # 08:00-20:00 is the window: 12:00 is a third of it.
    assert 'style="left: 33.333%; width: 4.167%;"' in page
    assert client.get(f"/rosters/{week}/day/2026-12-20").status_code == 404


def test_coverage_without_a_forecast_shows_scheduled_hours_only(client, actions, week):
    login(actions, "planner")
    page = text(client.get(f"/rosters/{week}/coverage?queue=billing"))
    assert "This version has no forecast run" in page
    assert re.search(r"billing</td>\s*<td><a [^>]*>Mon 07\.12\.</a></td>\s*<td class=\"num\">–</td>\s*"
                     r"<td class=\"num\">7\.50</td>", page)


def test_coverage_with_a_forecast_compares_required_and_scheduled(app, client, actions, site):
    with app.app_context(), get_db().session() as session:
        run = models.ForecastRun(site_id=site, start_date=MONDAY, days=7, method="test", created_by="t")
        session.add(run)
        session.flush()
        for minute in (0, 15, 30, 45):  # Monday 08:00-09:00 local, 07:00-08:00 UTC
            session.add(models.ForecastValue(run_id=run.id, queue="billing", offered=20.0, aht_s=180.0,
                                             offered_p10=15.0, offered_p90=25.0,
                                             interval_start=dt.datetime(2026, 12, 7, 7, minute, tzinfo=dt.UTC)))
        run_id = run.id
    # Anna works 08:00-08:30 only: two intervals covered by one agent, two by nobody.
    version = make_version(app, site, [shift("A1", MONDAY, (8, 0), (8, 30), brk=None)], forecast_run=run_id)
    login(actions, "planner")
    page = text(client.get(f"/rosters/{version}/coverage?queue=billing"))
    assert "no forecast run" not in page
    row = re.search(r"billing</td>\s*<td><a [^>]*>Mon 07\.12\.</a></td>\s*<td class=\"num\">([\d.]+)</td>\s*"
                    r"<td class=\"num\">([\d.]+)</td>\s*<td class=\"num\">(\d+) ▲</td>", page)
    # 20 calls of 3 min in 15 min are 4 Erlang; 80 % within 20 s needs 7 agents (Erlang C: 6 give 77.2 %, 7 give
    # 90.3 %), so 4 intervals × 7 agents × 0.25 h = 7 h; Anna covers 2 × 0.25 h and is short in all 4.
    assert row.groups() == ("7.00", "0.50", "4")
    assert page.count('<tr class="ro-under">') == 4 + 1  # the intervals and the day
    assert page.count("under-staffed by 6") == 2 and page.count("under-staffed by 7") == 2


def test_the_generate_form_starts_a_roster_job_and_refuses_bad_input(app, client, actions, site):
    login(actions, "lead")
    bad = post(client, actions, "/rosters/generate", {"week_start": "next week", "time_limit_s": "60"}, "/rosters")
    assert bad.status_code == 400 and "Week start &#39;next week&#39; is not a date" in text(bad)
    slow = post(client, actions, "/rosters/generate", {"week_start": "2027-03-01", "time_limit_s": "900"},
                "/rosters")
    assert slow.status_code == 400 and "give whole seconds from 5 to 600" in text(slow)
    started = post(client, actions, "/rosters/generate", {"week_start": "2027-03-01", "time_limit_s": "5",
                                                          "seed": "3"}, "/rosters")
    assert started.status_code == 302
    job_id = re.search(r"/planning/jobs/([0-9a-f-]+)$", started.headers["Location"]).group(1)
    app.extensions["wfm_jobs"].wait(job_id, timeout=60)
    with app.app_context(), get_db().session() as session:
        job = session.get(models.Job, job_id)
        assert (job.kind, job.params["start"], job.params["time_limit_s"], job.params["seed"]) == \
            ("roster", "2027-03-01", 5.0, 3)
        assert job.status == "failed"  # the site has no history to forecast from


def test_the_index_lists_versions_with_the_form_defaulting_to_next_monday(client, actions, week):
    login(actions, "lead")
    page = text(client.get("/rosters"))
    assert f'href="/rosters/{week}"' in page and "draft" in page
    default = dt.date.fromisoformat(re.search(r'name="week_start" type="date" value="([\d-]+)"', page).group(1))
    assert default.weekday() == 0 and 1 <= (default - dt.datetime.now(ZoneInfo(TZ)).date()).days <= 7


def test_the_print_view_has_the_grid_without_navigation(client, actions, week):
    login(actions, "planner")
    page = text(client.get(f"/rosters/{week}/print"))
    assert "08:00–16:00" in page and "<nav" not in page and "print.css" in page


def test_the_grid_loads_with_the_same_number_of_queries_for_few_and_many_agents(app, client, actions, site):
    def queries(version: int) -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1
        engine = app.extensions["wfm_db"].engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert client.get(f"/rosters/{version}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    login(actions, "planner")
    small = make_version(app, site, [shift("A1", MONDAY)])
    big = make_version(app, site, [shift(a, MONDAY + dt.timedelta(d)) for a in ("A1", "B2") for d in range(5)])
    queries(small)  # the first request loads the user and warms caches
    assert queries(small) == queries(big)


def test_the_check_page_lists_findings_hard_first(app, client, actions, site):
    saturday, sunday = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)
    version = make_version(app, site, [shift("A1", saturday, (9, 0), (14, 0), brk=None),
                                       shift("A1", sunday, (0, 0), (5, 0), brk=None)])
    login(actions, "council")
    page = text(client.get(f"/rosters/{version}/check"))
    assert "Anna: only 10 h rest between the shift ending Sat 12.12. 14:00" in page
    kinds = re.findall(r'<tr class="(hard|soft)">', page)
    assert kinds and kinds == sorted(kinds)  # every hard finding before the soft ones
    assert re.search(r"\d+ blocks? publishing", page)
    client.get("/lang/de")
    german = text(client.get(f"/rosters/{version}/check"))
    assert "Anna: nur 10 h Ruhezeit zwischen dem Schichtende Sa. 12.12. 14:00" in german
    assert "rest between" not in german and " of work" not in german


def test_a_published_version_is_read_only_until_a_new_draft_is_made(app, client, actions, site, week):
    with app.app_context(), get_db().session() as session:
        publish(session, session.get(models.RosterVersion, week), "lead")
    login(actions, "lead")
    grid = text(client.get(f"/rosters/{week}"))
    assert "/shift/" not in grid and "New draft from this version" in grid
    response = client.get(f"/rosters/{week}/shift/A1/2026-12-07")
    assert response.status_code == 409 and "make a new draft from it" in text(response)


def test_shifts_of_agents_no_longer_stored_still_show(app, client, actions, site):
    version = make_version(app, site, [shift("Z9", MONDAY)])
    login(actions, "admin")
    page = text(client.get(f"/rosters/{version}"))
    assert "Z9" in page and "not among the stored agents" in page and "/shift/Z9/" not in page
