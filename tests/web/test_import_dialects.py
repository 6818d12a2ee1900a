"""Import services with German Excel files: stored correctly; a refused file leaves the database as it was."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import select

from forecasts.errors import DataFileError
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.repository import history_frame

BERLIN = ZoneInfo("Europe/Berlin")
# What German Excel writes for "CSV (Trennzeichen-getrennt)": Windows-1252, ';', CRLF, decimal comma,
# DD.MM.YYYY for dates, and quotes around cells that hold a ';'.
HISTORY = ("queue;interval_start;offered;handled;abandoned;aht_s\r\n"
           "billing;2026-12-07T08:00:00+01:00;106;103;3;293,4\r\n"
           "billing;2026-12-07T08:15:00+01:00;12;12;0;280\r\n"
           "email;2026-12-07T08:00:00+01:00;4;;;\r\n").encode("cp1252")
AGENTS = ("agent_id;name;team;skills;weekly_hours;max_days_per_week;monthly_pay_eur\r\n"
          "A001;Jürgen Weiß;Team Süd;\"billing;email\";37,5;5;2900,50\r\n"
          "A002;Anna Schulz;Team Nord;billing;40;5;\r\n").encode("cp1252")
EVENTS = ("date;event;queue;size\r\n"
          "05.01.2027;bill_mailing;;125000,5\r\n"
          "18.11.2026;price_letter;billing;\r\n").encode("cp1252")
ABSENCES = ("agent_id;start;end;reason\r\n"
            "A001;24.12.2026;26.12.2026;Urlaub\r\n").encode("cp1252")


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.fixture
def site_app(app):
    with app.app_context(), get_db().session() as session:
        imports.import_site(session, _file(SITE_TOML.encode(), "site.toml"))
    return app


def _import(app, kind: str, data: bytes, name: str):
    with app.app_context(), get_db().session() as session:
        return getattr(imports, f"import_{kind}")(session, None, _file(data, name))


def _snapshot(app) -> dict[str, list[tuple]]:
    """Every stored row of every table an import writes, in a stable order."""
    tables = {"history": models.HistoryRow, "events": models.Event, "agents": models.Agent,
              "absences": models.Absence}
    with app.app_context(), get_db().session() as session:
        return {kind: sorted((tuple(row) for row in session.execute(select(model.__table__)).all()), key=repr)
                for kind, model in tables.items()}


def test_german_excel_history_is_stored(site_app):
    summary = _import(site_app, "history", HISTORY, "Verlauf.csv")
    assert summary.rows == 3
    with site_app.app_context(), get_db().session() as session:
        frame = history_frame(session, imports.find_site(session))
    billing = frame[frame["queue"] == "billing"]
    assert billing["aht_s"].tolist() == [293.4, 280.0]
    assert billing["interval_start"].tolist() == [pd.Timestamp("2026-12-07T08:00:00+01:00"),
                                                  pd.Timestamp("2026-12-07T08:15:00+01:00")]
    assert frame["offered"].sum() == 122


def test_german_excel_agents_and_absences_are_stored(site_app):
    assert _import(site_app, "agents", AGENTS, "Mitarbeiter.csv").rows == 2
    assert _import(site_app, "absences", ABSENCES, "Abwesenheiten.csv").rows == 1
    with site_app.app_context(), get_db().session() as session:
        first, second = session.scalars(select(models.Agent).order_by(models.Agent.agent_id)).all()
        absence = session.scalars(select(models.Absence)).one()
        assert (first.name, first.team, first.skills, first.weekly_hours) == (
            "Jürgen Weiß", "Team Süd", ["billing", "email"], 37.5)
        assert first.details["monthly_pay_eur"] == 2900.5 and second.weekly_hours == 40.0
        assert absence.start.astimezone(BERLIN) == dt.datetime(2026, 12, 24, tzinfo=BERLIN)
        assert absence.end.astimezone(BERLIN) == dt.datetime(2026, 12, 27, tzinfo=BERLIN)
        assert absence.reason == "urlaub"


def test_german_excel_events_are_stored(site_app):
    assert _import(site_app, "events", EVENTS, "Ereignisse.csv").rows == 2
    with site_app.app_context(), get_db().session() as session:
        stored = session.scalars(select(models.Event).order_by(models.Event.date)).all()
        assert [(e.date, e.event, e.queue, e.size) for e in stored] == [
            (dt.date(2026, 11, 18), "price_letter", "billing", None),
            (dt.date(2027, 1, 5), "bill_mailing", None, 125000.5)]


def _content(app) -> tuple:
    """What the imports stored, without database ids (a history re-import replaces its rows)."""
    with app.app_context(), get_db().session() as session:
        history = history_frame(session, imports.find_site(session)).to_dict("records")
        events = sorted((e.date, e.event, e.queue, e.size) for e in session.scalars(select(models.Event)))
        agents = sorted((a.agent_id, a.name, a.team, tuple(a.skills), a.weekly_hours, a.max_days_per_week,
                         tuple(sorted(a.details.items()))) for a in session.scalars(select(models.Agent)))
    return history, events, agents


def test_the_same_files_as_utf8_with_bom_and_as_utf16_are_stored_alike(site_app):
    files = (("history", HISTORY), ("agents", AGENTS), ("events", EVENTS))
    for kind, data in files:
        _import(site_app, kind, data, f"{kind}.csv")
    stored = _content(site_app)
    assert len(stored[0]) == 3 and len(stored[1]) == 2 and len(stored[2]) == 2
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        for kind, data in files:
            _import(site_app, kind, data.decode("cp1252").encode(encoding), f"{kind}.csv")
        assert _content(site_app) == stored, encoding


def _bad(text: str, encoding: str = "cp1252") -> bytes:
    return text.encode(encoding)


REFUSED = {
    "history: thousands separator": (
        "history", HISTORY + _bad("billing;2026-12-07T08:30:00+01:00;1.234;;;\r\n"),
        "bad.csv line 5, column offered: '1.234' is not a number: the '.' could separate thousands"),
    "history: local time without offset": (
        "history", HISTORY + _bad("billing;25.10.2026 02:15;3;;;\r\n"),
        "bad.csv line 5, column interval_start: '25.10.2026 02:15' is 2026-10-25T02:15:00 without a UTC offset"),
    "history: row cut off": (
        "history", HISTORY + _bad("billing;2026-12-07T08:30:00+01:00"),
        "bad.csv line 5: has 2 fields but the header has 6"),
    "history: quote never closed": (
        "history", HISTORY + _bad('billing;"2026-12-07T08:30:00+01:00;3;;;\r\n') + HISTORY,
        "bad.csv line 5: a quote (\") opened in this row is never closed"),
    "history: NUL byte": (
        "history", HISTORY + b"billing;2026-12-07T08:30:00+01:00;3;;;\x00\r\n",
        "bad.csv line 5: contains a NUL character"),
    "history: mixed encodings": (
        "history", "queue;interval_start;offered;aht_s\r\nbilling;2026-12-07T08:30:00+01:00;3;€\r\n".encode()
        + _bad("billing;2026-12-07T08:45:00+01:00;3;Ü\r\n"),
        "bad.csv line 3: byte 0xDC is not UTF-8, but the file is UTF-8 elsewhere"),
    "history: undecodable byte": (
        "history", HISTORY + b"billing;2026-12-07T08:30:00+01:00;3;;;\x81\r\n",
        "bad.csv line 5: byte 0x81 is neither UTF-8 nor Windows-1252 text"),
    "agents: pay that may have a thousands comma": (
        "agents", _bad("agent_id,name,team,skills,weekly_hours,max_days_per_week,monthly_pay_eur\r\n"
                       "A003,Jörg,Team Süd,billing,40,5,\"2,900\"\r\n"),
        "bad.csv line 2, column monthly_pay_eur: '2,900' is not a number: the ',' could separate thousands"),
    "agents: too many fields": (
        "agents", AGENTS + _bad("A003;Jörg;Team Süd;billing;email;40;5;\r\n"),
        "bad.csv line 4: has 8 fields but the header has 7; a cell that contains the semicolon separator must be "
        "in double quotes, such as skills billing;chat"),
    "events: two-digit year": (
        "events", EVENTS + _bad("01.12.26;outage;;\r\n"),
        "bad.csv line 4, column date: '01.12.26' is not a date in the form YYYY-MM-DD or DD.MM.YYYY"),
    "absences: impossible date": (
        "absences", ABSENCES + _bad("A002;30.02.2027;01.03.2027;\r\n"),
        "bad.csv line 3, column start: '30.02.2027' is not a date or timestamp"),
}


@pytest.mark.parametrize("already_stored", [False, True], ids=["empty database", "data already stored"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_file_leaves_the_database_exactly_as_it_was(site_app, case, already_stored):
    kind, data, expected = REFUSED[case]
    if already_stored or kind == "absences":
        _import(site_app, "agents", AGENTS, "agents.csv")
    if already_stored:
        for other, good in (("history", HISTORY), ("events", EVENTS), ("absences", ABSENCES)):
            _import(site_app, other, good, f"{other}.csv")
    before = _snapshot(site_app)
    assert all(before.values()) if already_stored else not before[kind]
    with pytest.raises(DataFileError) as refused:
        _import(site_app, kind, data, "bad.csv")
    assert str(refused.value).startswith(expected)
    assert all(p.file == "bad.csv" and p.line is not None for p in refused.value.problems)
    assert _snapshot(site_app) == before
