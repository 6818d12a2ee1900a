"""Import services against a real database: whole-file validation, nothing stored on refusal, day replacement."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from forecasts.errors import DataFileError
from forecasts.site import SiteConfigError
from tests.web.site_fixture import GOOD_HISTORY, SITE_TOML
from web import imports, models
from web.db import get_db
from web.repository import history_frame


def _file(text: str, name: str) -> io.BytesIO:
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


@pytest.fixture
def site_app(app):
    with app.app_context(), get_db().session() as session:
        imports.import_site(session, _file(SITE_TOML, "site.toml"))
    return app


def _history_rows(app) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalar(select(func.count()).select_from(models.HistoryRow))


def test_history_import_stores_every_row_with_its_instant(site_app):
    with site_app.app_context(), get_db().session() as session:
        summary = imports.import_history(session, None, _file(GOOD_HISTORY, "history.csv"))
    assert summary.rows == 3
    with site_app.app_context(), get_db().session() as session:
        frame = history_frame(session, imports.find_site(session))
    assert list(frame["offered"]) == [10, 12, 4]
    assert frame["interval_start"].iloc[1] == pd.Timestamp("2026-12-07T08:15:00+01:00")
    assert str(frame["interval_start"].dt.tz) == "Europe/Berlin"
    assert frame["aht_s"].iloc[0] == 300.5 and pd.isna(frame["aht_s"].iloc[2])


BAD_LINES = {
    "naive time": ("billing,2026-12-08T08:00:00,3,,,", "bad.csv line 5, column interval_start: "),
    "duplicate row": ("billing,2026-12-07T09:00:00+01:00,3,,,", "bad.csv line 5: duplicate of line 2"),
    "negative count": ("billing,2026-12-08T08:15:00+01:00,-2,,,", "bad.csv line 5, column offered: "),
    "misaligned interval": ("billing,2026-12-08T08:07:00+01:00,3,,,", "bad.csv line 5, column interval_start: "),
    "DST gap": ("billing,2026-03-29T02:15:00+01:00,3,,,", "bad.csv line 5, column interval_start: "),
}


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_malformed_history_is_refused_naming_line_and_keeps_what_was_stored(site_app, kind):
    with site_app.app_context(), get_db().session() as session:
        imports.import_history(session, None, _file(GOOD_HISTORY, "history.csv"))
    bad = GOOD_HISTORY.replace("2026-12-07T08", "2026-12-07T09").replace("email,2026-12-07T09", "email,2026-12-07T08")
    line, expected = BAD_LINES[kind]
    bad += line + "\n"
    with pytest.raises(DataFileError) as caught, site_app.app_context(), get_db().session() as session:
        imports.import_history(session, None, _file(bad, "bad.csv"))
    assert str(caught.value).startswith(expected)
    assert _history_rows(site_app) == 3  # the earlier import is intact, nothing of bad.csv stored
    with site_app.app_context(), get_db().session() as session:
        frame = history_frame(session, imports.find_site(session))
    assert frame["interval_start"].min() == pd.Timestamp("2026-12-07T08:00:00+01:00")


def test_reimport_replaces_the_days_in_the_file_and_keeps_other_days(site_app):
    first = GOOD_HISTORY + "billing,2026-12-08T08:00:00+01:00,7,7,0,200\n"
    second = "queue,interval_start,offered\nbilling,2026-12-07T10:00:00+01:00,5\n"
    with site_app.app_context(), get_db().session() as session:
        imports.import_history(session, None, _file(first, "a.csv"))
        imports.import_history(session, None, _file(second, "b.csv"))
    with site_app.app_context(), get_db().session() as session:
        frame = history_frame(session, imports.find_site(session))
    billing = frame[frame["queue"] == "billing"]
    # 7 December of billing now holds only b.csv's row; 8 December and the email queue are untouched.
    assert [(t.isoformat(), n) for t, n in zip(billing["interval_start"], billing["offered"], strict=True)] == [
        ("2026-12-07T10:00:00+01:00", 5), ("2026-12-08T08:00:00+01:00", 7)]
    assert list(frame[frame["queue"] == "email"]["offered"]) == [4]


def test_dst_week_sums_per_local_day(site_app):
    # Last Sunday of October 2026: clocks go back, the Sunday has 100 quarter-hours (open round the clock).
    days = pd.date_range("2026-10-24", "2026-10-26", freq="D")
    starts = []
    for day in days:
        local = pd.Timestamp(day).tz_localize("Europe/Berlin")
        end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize("Europe/Berlin")
        starts += list(pd.date_range(local.tz_convert("UTC"), end.tz_convert("UTC"), freq="15min", inclusive="left"))
    lines = ["queue,interval_start,offered"] + [
        f"email,{t.tz_convert('Europe/Berlin').isoformat()},1" for t in starts]
    with site_app.app_context(), get_db().session() as session:
        imports.import_history(session, None, _file("\n".join(lines) + "\n", "dst.csv"))
        h = models.HistoryRow
        per_day = dict(session.execute(select(h.local_date, func.sum(h.offered)).group_by(h.local_date)).all())
    assert {d.isoformat(): n for d, n in per_day.items()} == {"2026-10-24": 96, "2026-10-25": 100, "2026-10-26": 96}


def test_site_update_refuses_to_drop_a_queue_that_has_history(site_app):
    with site_app.app_context(), get_db().session() as session:
        imports.import_history(session, None, _file(GOOD_HISTORY, "history.csv"))
    without_email = SITE_TOML.split("[queues.email]")[0]
    with pytest.raises(SiteConfigError, match="queue 'email' has stored history"), \
            site_app.app_context(), get_db().session() as session:
        imports.import_site(session, _file(without_email, "site.toml"))
    with site_app.app_context(), get_db().session() as session:
        assert [q.name for q in imports.find_site(session).queues] == ["billing", "email"]


def test_events_import_adds_then_updates_size(site_app):
    events = "date,event,queue,size\n2026-12-01,bill_mailing,,50000\n2026-11-18,price_letter,billing,\n"
    with site_app.app_context(), get_db().session() as session:
        first = imports.import_events(session, None, _file(events, "events.csv"))
        second = imports.import_events(session, None, _file(events.replace("50000", "60000"), "events.csv"))
    assert (first.detail, second.detail) == ("2 new, 0 updated", "0 new, 2 updated")
    with site_app.app_context(), get_db().session() as session:
        stored = session.scalars(select(models.Event).order_by(models.Event.date)).all()
    assert [(e.date.isoformat(), e.event, e.queue, e.size) for e in stored] == [
        ("2026-11-18", "price_letter", "billing", None), ("2026-12-01", "bill_mailing", None, 60000.0)]


def test_agents_and_absences_import(site_app):
    agents = ("agent_id,name,team,skills,weekly_hours,max_days_per_week,level\n"
              "A001,Anna Schulz,Team Nord,billing;email,40,5,experienced\n"
              "A002,Ben Kurz,Team Nord,billing,20,4,entry\n")
    absences = "agent_id,start,end,reason\nA002,2026-12-08,2026-12-09,vacation\n"
    with site_app.app_context(), get_db().session() as session:
        imports.import_agents(session, None, _file(agents, "agents.csv"))
        imports.import_absences(session, None, _file(absences, "absences.csv"))
        again = imports.import_absences(session, None, _file(absences, "absences.csv"))
    assert again.detail == "0 new"
    with site_app.app_context(), get_db().session() as session:
        stored = session.scalars(select(models.Agent).order_by(models.Agent.agent_id)).all()
        absence = session.scalars(select(models.Absence)).one()
    assert [(a.agent_id, a.skills, a.weekly_hours, a.details.get("level")) for a in stored] == [
        ("A001", ["billing", "email"], 40.0, "experienced"), ("A002", ["billing"], 20.0, "entry")]
    assert absence.start.isoformat() == "2026-12-07T23:00:00+00:00"
    assert absence.end.isoformat() == "2026-12-09T23:00:00+00:00"


def test_absences_for_unknown_agent_store_nothing(site_app):
    with pytest.raises(DataFileError, match="A999"), site_app.app_context(), get_db().session() as session:
        imports.import_absences(session, None, _file("agent_id,start,end,reason\nA999,2026-12-08,2026-12-08,x\n",
                                                     "absences.csv"))


def test_the_site_file_switches_the_works_council_approval_on_and_off(app):
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, _file(SITE_TOML, "site.toml"))
        assert site.approval_required is False
        on = SITE_TOML + "\n[roster]\nworks_council_approval = true\n"
        assert imports.import_site(session, _file(on, "site.toml")).approval_required is True
        with pytest.raises(SiteConfigError) as refused:
            imports.import_site(session, _file(on.replace("= true", '= "ja"'), "site.toml"))
        assert refused.value.problems == ["[roster] works_council_approval = 'ja': write true or false"]
