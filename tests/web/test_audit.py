"""The audit trail and the ArbZG §16(2) report: what is recorded (who, when, before and after), what each filter
keeps, the exact CSV, who may read it (not agents or planners; a lead of another site sees nothing of this one),
and the work minutes beyond 8 hours, on Sundays and on holidays of hand-made published rosters."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select, text

from scheduler.roster import Roster, Shift
from tests.web.api_fixtures import MONDAY, agent_pk, day_shift, load_site, send
from tests.web.published_rosters import shift as make_shift
from tests.web.site_fixture import SITE_TOML
from web import audit, imports, models, roster_store
from web.db import alembic_config, get_db

PW = "pw-audit-test"
T0 = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)  # 1 December, 00:30 in Berlin


@pytest.fixture
def site(app, actions):
    """The test site (A1, A3 in team Nord, B2 in Sued) and users lea (lead of Nord), boss (admin), carl (works
    council), pia (planner) and anna (the agent A1)."""
    load_site(app)
    actions.add_user("lea", "lead", PW, teams=["Nord"])
    actions.add_user("boss", "admin", PW)
    actions.add_user("carl", "council", PW)
    actions.add_user("pia", "planner", PW)
    actions.add_user("anna", "agent", PW, agent_pk=agent_pk(app, "A1"))


def _site_row(session) -> models.Site:
    return session.scalars(select(models.Site).where(models.Site.slug == "test-center")).one()


@pytest.fixture
def history(app, site):
    """A draft of the week of MONDAY made by boss, lea's edit of A1 (with a reason), boss's removal of B2's shift
    (an override: B2 falls short of contract hours), then submitted by lea, approved by carl, published by lea;
    change k is dated T0 + k days."""
    with app.app_context(), get_db().session() as session:
        site_row = _site_row(session)
        version = roster_store.save_version(
            session, site_row.id, MONDAY, 7, Roster((day_shift("A1", MONDAY), day_shift("B2", MONDAY))),
            created_by="boss")
        roster_store.edit_shift(session, version, "A1", MONDAY, day_shift("A1", MONDAY, 9, 17, 13), user="lea",
                                reason="-1 h: dentist at 8")
        roster_store.edit_shift(session, version, "B2", MONDAY, None, user="boss", reason="swapped to Tuesday")
        roster_store.submit_for_approval(session, version, "lea")
        roster_store.approve(session, version, "carl")
        roster_store.publish(session, version, "lea")
        session.flush()
        changes = session.scalars(select(models.RosterChange).order_by(models.RosterChange.id)).all()
        for k, change in enumerate(changes):
            change.created_at = T0 + dt.timedelta(days=k)
        return {"version": version.id, "ids": [c.id for c in changes]}


def _login(actions, name: str) -> None:
    actions.login(name, PW)


def _audit(client, query: str = "") -> dict:
    response = client.get("/api/v1/audit" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _actions(body: dict) -> list[tuple[str, str | None, str]]:
    return [(e["action"], e["agent_id"], e["user"]) for e in body["entries"]]


# --- what is recorded ------------------------------------------------------------------------------------------

def test_an_edit_is_shown_with_who_when_before_and_after(client, actions, history):
    _login(actions, "lea")
    page = client.get("/audit?action=edit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 entry" in page
    assert "02.12.2026 00:30:00 CET" in page  # 1 December 23:30 UTC, in Berlin
    assert "<td>lea</td>" in page and "shift changed" in page and "A1 · Anna" in page
    assert "08:00–16:00 billing, break 12:00–12:30" in page and "09:00–17:00 billing, break 13:00–13:30" in page
    assert "-1 h: dentist at 8" in page


def test_every_change_of_a_roster_is_recorded_newest_first_with_the_status_before_and_after(client, actions,
                                                                                              history):
    _login(actions, "boss")
    body = _audit(client)
    assert body["site"] == "test-center" and body["total"] == 6
    assert _actions(body) == [("publish", None, "lea"), ("approve", None, "carl"), ("submit", None, "lea"),
                              ("override", "B2", "boss"), ("edit", "A1", "lea"), ("create", None, "boss")]
    status = [(e["before"], e["after"]) for e in body["entries"][:3]]
    assert status == [({"status": "approved"}, {"status": "published", "shifts": 1}),
                      ({"status": "awaiting_approval"}, {"status": "approved"}),
                      ({"status": "draft"}, {"status": "awaiting_approval"})]
    removed = body["entries"][3]
    assert removed["after"] is None and removed["before"]["segments"][0][2] == "billing"
    assert removed["reason"].startswith("swapped to Tuesday — overrides: Ben: 0 min of work in week 50")
    assert body["entries"][5]["after"] == {"status": "draft", "shifts": 2, "based_on": None}
    assert body["entries"][0]["version"] == {"id": history["version"], "number": 1, "week_start": "2026-12-07"}
    assert body["entries"][5]["at"] == "2026-12-01T00:30:00+01:00"


def test_a_superseded_and_a_sent_back_version_say_from_which_status_to_which(app, client, actions, history):
    with app.app_context(), get_db().session() as session:
        first = session.get(models.RosterVersion, history["version"])
        second = roster_store.copy_as_draft(session, first, "lea")
        roster_store.submit_for_approval(session, second, "lea")
        roster_store.reject(session, second, "carl", "Sunday cover missing")
        roster_store.submit_for_approval(session, second, "lea")
        roster_store.approve(session, second, "carl")
        roster_store.publish(session, second, "lea")
    _login(actions, "carl")
    body = _audit(client, "?action=supersede")
    assert [(e["version"]["number"], e["before"], e["after"]) for e in body["entries"]] == [
        (1, {"status": "published"}, {"status": "superseded", "by": second.id})]
    rejected = _audit(client, "?action=reject")["entries"]
    assert [(e["before"], e["after"], e["reason"]) for e in rejected] == [
        ({"status": "awaiting_approval"}, {"status": "draft"}, "Sunday cover missing")]
    page = client.get(f"/audit?version={second.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "copy of version 1" in page and "awaiting approval" in page and "Sunday cover missing" in page


# --- filters ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("?agent=A1", [("edit", "A1", "lea")]),
    ("?user=carl", [("approve", None, "carl")]),
    ("?action=edit", [("edit", "A1", "lea")]),
    ("?action=override", [("override", "B2", "boss")]),
    ("?from=2026-12-01&to=2026-12-01", [("create", None, "boss")]),  # made at 00:30 Berlin time on 1 December
    ("?from=2026-12-03&to=2026-12-04", [("submit", None, "lea"), ("override", "B2", "boss")]),
    ("?from=2026-12-05", [("publish", None, "lea"), ("approve", None, "carl")]),
    ("?to=2026-11-30", []),
    ("?user=lea&action=submit", [("submit", None, "lea")]),
    ("?per_page=2&page=2", [("submit", None, "lea"), ("override", "B2", "boss")]),
])
def test_filters_keep_exactly_the_matching_changes(client, actions, history, query, expected):
    _login(actions, "boss")
    assert _actions(_audit(client, query)) == expected


def test_the_version_filter_keeps_one_version(app, client, actions, history):
    with app.app_context(), get_db().session() as session:
        other = roster_store.save_version(session, _site_row(session).id, MONDAY + dt.timedelta(days=7), 7,
                                          Roster(()), created_by="lea")
    _login(actions, "boss")
    assert _actions(_audit(client, f"?version={other.id}")) == [("create", None, "lea")]
    assert _audit(client, f"?version={history['version']}")["total"] == 6


def test_a_lead_with_teams_sees_their_agents_and_whole_versions_only(client, actions, history):
    _login(actions, "lea")
    assert _actions(_audit(client)) == [("publish", None, "lea"), ("approve", None, "carl"), ("submit", None, "lea"),
                                        ("edit", "A1", "lea"), ("create", None, "boss")]
    assert _audit(client, "?agent=B2")["entries"] == []


@pytest.mark.parametrize(("query", "message"), [
    ("?from=1.12.2026", "from '1.12.2026' is not a date; give YYYY-MM-DD"),
    ("?from=2026-12-05&to=2026-12-01", "to 2026-12-01 is before from 2026-12-05; give from <= to"),
    ("?action=delete", "action 'delete' is unknown; give one of create, edit, override, submit, approve, reject, "
                       "publish, supersede, swap, forecast_override_add, forecast_override_delete, time_off_approve, "
                       "time_off_reject"),
    ("?per_page=5000", "per_page '5000': give a whole number from 1 to 1000"),
    ("?agent=A%001", "agent 'A\\x001': give at most 64 characters without control characters"),
])
def test_a_bad_filter_is_refused_naming_it(client, actions, site, query, message):
    _login(actions, "boss")
    response = client.get("/api/v1/audit" + query)
    assert response.status_code == 400 and response.get_json()["message"] == message


def test_a_bad_filter_on_the_page_says_what_to_give_in_german(client, actions, site):
    _login(actions, "boss")
    response = client.get("/audit?from=gestern")
    assert response.status_code == 400
    assert "gestern ist kein Datum; geben Sie JJJJ-MM-TT an." in response.get_data(as_text=True)


# --- CSV -------------------------------------------------------------------------------------------------------

def test_the_csv_export_holds_the_filtered_view_exactly(client, actions, history):
    _login(actions, "lea")
    response = client.get("/audit/export.csv?agent=A1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=audit-test-center.csv"
    edit = history["ids"][1]
    assert response.get_data().decode("utf-8") == (
        "\ufeffid;time;user;action;version_id;week_start;version;agent_id;name;date;before;after;reason\r\n"
        f"{edit};2026-12-02T00:30:00+01:00;lea;edit;{history['version']};2026-12-07;1;A1;Anna;2026-12-07;"
        "08:00–16:00 billing, break 12:00–12:30;09:00–17:00 billing, break 13:00–13:30;'-1 h: dentist at 8\r\n")


def test_the_csv_export_of_version_changes_writes_values_as_key_value_pairs(client, actions, history):
    _login(actions, "carl")
    lines = client.get("/audit/export.csv?action=publish").get_data().decode("utf-8").splitlines()
    assert lines[1].split(";")[1:4] == ["2026-12-06T00:30:00+01:00", "lea", "publish"]
    assert lines[1].split(";")[-3:] == ["status=approved", "shifts=1, status=published", ""]


def test_the_csv_is_streamed_in_pieces(app, site):
    rows = [[i, f"row {i}"] for i in range(5)]
    pieces = list(audit.csv_stream(("n", "text"), rows, chunk=2))
    assert pieces == ["\ufeffn;text\r\n0;row 0\r\n1;row 1\r\n", "2;row 2\r\n3;row 3\r\n", "4;row 4\r\n"]


# --- who may read it -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("login", ["anna", "pia"])
def test_agents_and_planners_cannot_read_the_audit(client, actions, history, login):
    _login(actions, login)
    for path in ("/audit", "/audit/export.csv", "/audit/hours", "/audit/hours.csv", "/api/v1/audit",
                 "/api/v1/audit/hours"):
        assert client.get(path).status_code == 403, path


def test_nobody_logged_out_reads_the_audit(client, history):
    assert client.get("/api/v1/audit").status_code == 401
    assert "/login" in client.get("/audit").headers["Location"]


def test_a_lead_of_another_site_sees_nothing_of_this_one(app, client, actions, history):
    with app.app_context(), get_db().session() as session:
        other = imports.import_site(session, io.BytesIO(SITE_TOML.replace("Test Center", "Other Center").encode()),
                                    name="site.toml")
        other_id = other.id
    actions.add_user("otto", "lead", PW, site_id=other_id)
    _login(actions, "otto")
    body = _audit(client)
    assert body["site"] == "other-center" and body["total"] == 0 and body["entries"] == []
    assert client.get("/api/v1/audit?site=test-center").status_code == 404
    assert client.get("/audit?site=test-center").status_code == 404
    assert client.get("/audit/export.csv").get_data().decode("utf-8") == \
        "\ufeffid;time;user;action;version_id;week_start;version;agent_id;name;date;before;after;reason\r\n"
    assert client.get("/api/v1/audit/hours?from=2026-12-07&to=2026-12-13").get_json()["days"] == []


def test_the_nav_links_the_audit_for_those_who_may_read_it(client, actions, site):
    _login(actions, "carl")
    assert 'href="/audit"' in client.get("/rosters").get_data(as_text=True)
    actions.logout()
    _login(actions, "pia")
    assert 'href="/audit"' not in client.get("/rosters").get_data(as_text=True)


# --- forecast overrides ----------------------------------------------------------------------------------------

def test_forecast_overrides_added_and_deleted_through_the_api_are_recorded(client, actions, site):
    _login(actions, "pia")
    created = send(client, actions, "POST", "/api/v1/overrides",
                   {"queue": "billing", "start": "2026-12-07", "end": "2026-12-08", "percent": 15,
                    "reason": "mailing"})
    assert created.status_code == 201
    override = created.get_json()["id"]
    assert send(client, actions, "DELETE", f"/api/v1/overrides/{override}").status_code == 204
    actions.logout()
    _login(actions, "boss")
    entries = _audit(client)["entries"]
    value = {"id": override, "queue": "billing", "start": "2026-12-07", "end": "2026-12-08", "percent": 15}
    assert [(e["action"], e["user"], e["version"], e["before"], e["after"], e["reason"]) for e in entries] == [
        ("forecast_override_delete", "pia", None, value, None, "mailing"),
        ("forecast_override_add", "pia", None, None, value, "mailing")]
    page = client.get("/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "forecast override added" in page and "billing from 2026-12-07 to 2026-12-08: +15 %" in page


# --- ArbZG §16(2): work beyond 8 hours, Sundays, holidays ------------------------------------------------------

SATURDAY, CHRISTMAS = MONDAY + dt.timedelta(days=5), dt.date(2026, 12, 25)


def _published(app, monday: dt.date, shifts: list[Shift]) -> None:
    """A published version of the week holding exactly these shifts (the report reads what is published; the
    checker's view of night and holiday shifts is tested elsewhere)."""
    with app.app_context(), get_db().session() as session:
        version = roster_store.save_version(session, _site_row(session).id, monday, 7, Roster(tuple(shifts)),
                                            created_by="lea")
        version.status = roster_store.PUBLISHED


@pytest.fixture
def long_days(app, site):
    """A1 works 08:00-17:30 with 30 min break on MONDAY (540 min), B2 08:00-16:30 with 30 min break (480 min:
    not beyond), A3 the night from Saturday 22:00 to Sunday 06:00 with a break 02:00-02:30 (450 min, 330 of
    them on Sunday), B2 08:00-12:00 with 15 min break on Christmas Day (225 min on a holiday); and a draft that
    is not counted."""
    _published(app, MONDAY, [make_shift("A1", MONDAY, "08:00", "17:30"), make_shift("B2", MONDAY),
                             make_shift("A3", SATURDAY, "22:00", "06:00", ("02:00", "02:30"))])
    _published(app, dt.date(2026, 12, 21), [make_shift("B2", CHRISTMAS, "08:00", "12:00", ("10:00", "10:15"))])
    with app.app_context(), get_db().session() as session:
        roster_store.save_version(session, _site_row(session).id, MONDAY, 7,
                                  Roster((make_shift("A1", MONDAY + dt.timedelta(days=1), "06:00", "17:00"),)),
                                  created_by="lea")


def test_the_hours_report_lists_the_hand_computed_minutes(client, actions, long_days):
    _login(actions, "carl")
    body = client.get("/api/v1/audit/hours?from=2026-12-07&to=2026-12-31").get_json()
    assert (body["from"], body["to"], body["limit_minutes"]) == ("2026-12-07", "2026-12-31", 480)
    days = [(d["agent_id"], d["date"], d["work_minutes"], d["beyond_8h_minutes"], d["sunday_minutes"],
             d["holiday_minutes"], d["holiday"]) for d in body["days"]]
    assert days == [("A1", "2026-12-07", 540, 60, 0, 0, None),
                    ("A3", "2026-12-12", 450, 0, 330, 0, None),
                    ("B2", "2026-12-25", 225, 0, 0, 225, "Christmas Day")]
    totals = [(t["agent_id"], t["name"], t["days"], t["beyond_8h_minutes"], t["sunday_minutes"],
               t["holiday_minutes"]) for t in body["agents"]]
    assert totals == [("A1", "Anna", 1, 60, 0, 0), ("A3", "Arne", 1, 0, 330, 0), ("B2", "Ben", 1, 0, 0, 225)]


def test_the_hours_report_of_a_lead_holds_their_teams_only_and_the_period_only(client, actions, long_days):
    _login(actions, "lea")
    body = client.get("/api/v1/audit/hours?from=2026-12-07&to=2026-12-11").get_json()
    assert [(d["agent_id"], d["beyond_8h_minutes"]) for d in body["days"]] == [("A1", 60)]
    body = client.get("/api/v1/audit/hours?from=2026-12-07&to=2026-12-31").get_json()
    assert [d["agent_id"] for d in body["days"]] == ["A1", "A3"]


def test_the_hours_csv_is_exact(client, actions, long_days):
    _login(actions, "boss")
    response = client.get("/audit/hours.csv?from=2026-12-01&to=2026-12-07")
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=hours-test-center-2026-12-01-2026-12-07.csv"
    assert response.get_data().decode("utf-8") == (
        "\ufeffagent_id;name;team;date;work_minutes;beyond_8h_minutes;sunday_minutes;holiday_minutes;holiday\r\n"
        "A1;Anna;Nord;2026-12-07;540;60;0;0;\r\n")


def test_the_hours_period_is_checked(client, actions, site):
    _login(actions, "boss")
    response = client.get("/api/v1/audit/hours?from=2026-01-01&to=2028-01-02")
    assert response.status_code == 400
    assert response.get_json()["message"] == ("from 2026-01-01 to 2028-01-02 is more than 731 days; ask for a "
                                              "shorter period")


def test_the_hours_period_defaults_to_the_month():
    assert audit.parse_period({}, dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert audit.parse_period({"from": "2026-12-10"}, dt.date(2026, 2, 14)) == (dt.date(2026, 12, 10),
                                                                                dt.date(2026, 12, 31))


def test_work_is_split_at_local_midnight_also_when_the_clocks_go_back():
    # 24 to 25 October 2026: the night has 25 hours; 22:00 to 06:00 are 9 hours of work, 7 of them on Sunday.
    night = make_shift("A1", dt.date(2026, 10, 24), "22:00", "06:00", ("02:00", "02:30"))
    assert audit.minutes_by_local_day(night, ZoneInfo("Europe/Berlin")) == {
        dt.date(2026, 10, 24): 120, dt.date(2026, 10, 25): 390}
    assert night.work_minutes == 510


# --- the pages in German ---------------------------------------------------------------------------------------

def test_the_audit_page_is_german_by_default(client, actions, history):
    _login(actions, "lea")
    page = client.get("/audit?agent=A1").get_data(as_text=True)
    assert "<h1>Änderungsprotokoll</h1>" in page and "Schicht geändert" in page
    assert "09:00–17:00 billing, Pause 13:00–13:30" in page and "Als CSV herunterladen" in page


def test_the_hours_page_is_german_by_default(client, actions, long_days):
    _login(actions, "lea")
    page = client.get("/audit/hours?from=2026-12-07&to=2026-12-13").get_data(as_text=True)
    assert "<h1>Arbeitszeit über 8 Stunden</h1>" in page and "Mo. 07.12.2026" in page
    assert "<td class=\"num\">9:00</td><td class=\"num\">1:00</td>" in page


# --- the migration ---------------------------------------------------------------------------------------------

def test_the_migration_gives_recorded_changes_their_site(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    from web.db import Database

    database = Database(url)
    with database.engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0008")
        connection.execute(text("INSERT INTO site (id, slug, name, timezone, config_toml, approval_required, "
                                "created_at, updated_at) VALUES (7, 's', 'S', 'Europe/Berlin', '', 0, "
                                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO roster_version (id, site_id, week_start, days, number, status, summary, "
                                "lock_version, created_by, created_at) VALUES (3, 7, '2026-12-07', 7, 1, 'draft', "
                                "'{}', 1, 'x', '2026-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO roster_change (version_id, action, reason, created_by, created_at) "
                                "VALUES (3, 'create', '', 'x', '2026-01-01 00:00:00')"))
        command.upgrade(cfg, "head")
        assert connection.execute(text("SELECT site_id, version_id FROM roster_change")).all() == [(7, 3)]
        command.downgrade(cfg, "0008")
        assert connection.execute(text("SELECT version_id FROM roster_change")).all() == [(3,)]
    database.engine.dispose()
