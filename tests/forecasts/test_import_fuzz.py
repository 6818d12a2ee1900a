"""Imports under fire: every supported dialect reads back the same table; broken bytes are refused by line.

Round trips render generated valid tables in each dialect (UTF-8, UTF-8 with BOM, CRLF, CR, tab, UTF-16
with BOM, and German Excel: ';', Windows-1252, decimal comma, DD.MM.YYYY) and compare with the plain file.
Mutations (bytes flipped, inserted, deleted, truncated) must give rows or a DataFileError naming file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasts.csv_table import read_csv_table
from forecasts.errors import DataFileError
from forecasts.history_io import read_events, read_history
from forecasts.site import Site, SiteConfigError, decode_site, parse_site
from scheduler.agents_io import read_absences, read_agents
from scheduler.domain import Agent

SITE_TOML = """
[site]
name = "Kundenservice Müritz"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15
[site.opening_hours]
mon = "00:00-24:00"
sat = "09:00-14:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
concurrency = 2
"""
SITE = parse_site(SITE_TOML)
BERLIN = ZoneInfo("Europe/Berlin")
QUEUES = ("billing", "chat")
HISTORY_COLUMNS = ["queue", "interval_start", "offered", "handled", "abandoned", "aht_s"]
EVENTS_COLUMNS = ["date", "event", "queue", "size"]
AGENTS_COLUMNS = ["agent_id", "name", "team", "skills", "weekly_hours", "max_days_per_week", "monthly_pay_eur"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Dialect:
    """How a spreadsheet or export tool writes a table: encoding, separator, line end, German numbers/dates."""

    name: str
    encoding: str
    delimiter: str
    newline: str
    german: bool = False


DIALECTS = (
    Dialect("utf-8", "utf-8", ",", "\n"),
    Dialect("utf-8 with BOM", "utf-8-sig", ",", "\n"),
    Dialect("CRLF", "utf-8", ",", "\r\n"),
    Dialect("CR only", "utf-8", ",", "\r"),
    Dialect("tab", "utf-8", "\t", "\n"),
    Dialect("UTF-16 tab (Excel Unicode Text)", "utf-16", "\t", "\r\n"),
    Dialect("German Excel CSV (Windows-1252)", "cp1252", ";", "\r\n", german=True),
    Dialect("German Excel CSV UTF-8", "utf-8-sig", ";", "\r\n", german=True),
)
PLAIN = DIALECTS[0]


def render(header: list[str], rows: list[list[object]], dialect: Dialect) -> bytes:
    """The file a tool would write: numbers and dates in the dialect's form, quotes where cells need them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator=dialect.newline)
    writer.writerow(header)
    writer.writerows([[_cell(v, dialect) for v in row] for row in rows])
    return out.getvalue().encode(dialect.encoding)


def _cell(value: object, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if dialect.german else text
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}" if dialect.german else value.isoformat()
    return str(value)


def upload(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


# --- round trips -------------------------------------------------------------------------------------------------

@st.composite
def history_rows(draw) -> list[list[object]]:
    """Valid history rows over a year that holds both DST changes, local or UTC times, any order."""
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    keys = draw(st.lists(st.tuples(st.sampled_from(QUEUES), st.integers(0, 4 * 24 * 365)), unique=True,
                         max_size=30))
    rows = []
    for queue, step in keys:
        instant = base + dt.timedelta(minutes=15 * step)
        when = instant.astimezone(BERLIN) if draw(st.booleans()) else instant
        offered = draw(st.integers(0, 10**6))
        handled = draw(st.none() | st.integers(0, offered))
        abandoned = draw(st.none() | st.integers(0, offered - (handled or 0)))
        aht = draw(st.none() | st.integers(1, 10**7).map(lambda c: c / 100))
        rows.append([queue, when, offered, handled, abandoned, aht])
    return rows


@st.composite
def event_rows(draw) -> list[list[object]]:
    keys = draw(st.lists(st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
                                   st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
                                   st.sampled_from(("",) + QUEUES)), unique=True, max_size=25))
    return [[d, e, q, draw(st.none() | st.integers(0, 10**9).map(lambda c: c / 10))] for d, e, q in keys]


# Umlauts and ß (Windows-1252 has them), and the characters that make a cell need quotes.
NAME = st.text("abcxyzABCÄÖÜäöüßé -,;\"'", min_size=1, max_size=16).map(str.strip).filter(bool)


@st.composite
def agent_rows(draw) -> list[list[object]]:
    ids = draw(st.lists(st.from_regex(r"[A-Z][0-9]{3}", fullmatch=True), unique=True, max_size=15))
    rows = []
    for agent_id in ids:
        days = draw(st.integers(1, 7))
        hours = draw(st.integers(1, min(600, days * 100))) / 10
        skills = draw(st.lists(st.sampled_from(QUEUES), min_size=1, max_size=2, unique=True))
        pay = draw(st.none() | st.integers(230000, 340000).map(lambda c: c / 100))
        rows.append([agent_id, draw(NAME), draw(NAME), ";".join(skills), hours, days, pay])
    return rows


@settings(FUZZ, max_examples=100)
@given(dialect=st.sampled_from(DIALECTS), rows=history_rows(), order=st.permutations(range(len(HISTORY_COLUMNS))))
def test_history_reads_the_same_in_every_dialect(dialect, rows, order):
    header = [HISTORY_COLUMNS[i] for i in order]
    table = [[row[i] for i in order] for row in rows]
    plain = read_history(upload(render(header, table, PLAIN), "history.csv"), SITE)
    got = read_history(upload(render(header, table, dialect), "history.csv"), SITE)
    pd.testing.assert_frame_equal(got, plain)
    expected = sorted(((r[0], pd.Timestamp(r[1]), r[2], r[3], r[4], r[5]) for r in rows), key=lambda r: r[:2])
    assert [(q, t, o, _none(h), _none(a), _none(s)) for q, t, o, h, a, s in plain.itertuples(index=False)] == expected


@settings(FUZZ, max_examples=100)
@given(dialect=st.sampled_from(DIALECTS), rows=event_rows())
def test_events_read_the_same_in_every_dialect(dialect, rows):
    plain = read_events(upload(render(EVENTS_COLUMNS, rows, PLAIN), "events.csv"), SITE)
    got = read_events(upload(render(EVENTS_COLUMNS, rows, dialect), "events.csv"), SITE)
    pd.testing.assert_frame_equal(got, plain)
    expected = [(d, e, q or None, s) for d, e, q, s in rows]
    assert sorted(((d, e, q, _none(s)) for d, e, q, s in plain.itertuples(index=False)), key=repr) == sorted(
        expected, key=repr)


@settings(FUZZ, max_examples=100)
@given(dialect=st.sampled_from(DIALECTS), rows=agent_rows())
def test_agents_read_the_same_in_every_dialect(dialect, rows):
    got = read_agents(upload(render(AGENTS_COLUMNS, rows, dialect), "agents.csv"), SITE)
    assert got == [Agent(i, n, t, tuple(s.split(";")), h, d, monthly_pay_eur=p) for i, n, t, s, h, d, p in rows]


SAMPLE_HISTORY = [["billing", dt.datetime(2026, 10, 25, 2, 15, tzinfo=BERLIN), 106, 103, 3, 293.4],
                  ["billing", dt.datetime(2026, 10, 25, 1, 15, tzinfo=dt.UTC), 7, None, None, 1234.5],
                  ["chat", dt.datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN), 4, 4, 0, 60.0]]
SAMPLE_EVENTS = [[dt.date(2027, 1, 5), "bill_mailing", "", 125000.5], [dt.date(2026, 11, 18), "price_letter",
                                                                        "billing", None]]
SAMPLE_AGENTS = [["A001", "Jürgen Weiß", "Team Süd; Nord", "billing;chat", 37.5, 5, 2900.5],
                 ["A002", 'Anna "Ani" Schulz, geb. Öz', "Team Nord", "chat", 40.0, 5, None]]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_one_file_of_each_kind_reads_the_same_in_each_dialect(dialect):
    for header, rows, read, name in ((HISTORY_COLUMNS, SAMPLE_HISTORY, read_history, "history.csv"),
                                     (EVENTS_COLUMNS, SAMPLE_EVENTS, read_events, "events.csv")):
        plain = read(upload(render(header, rows, PLAIN), name), SITE)
        pd.testing.assert_frame_equal(read(upload(render(header, rows, dialect), name), SITE), plain)
        assert len(plain) == len(rows)
    agents = read_agents(upload(render(AGENTS_COLUMNS, SAMPLE_AGENTS, dialect), "agents.csv"), SITE)
    assert [(a.name, a.team, a.skills, a.weekly_hours, a.monthly_pay_eur) for a in agents] == [
        ("Jürgen Weiß", "Team Süd; Nord", ("billing", "chat"), 37.5, 2900.5),
        ('Anna "Ani" Schulz, geb. Öz', "Team Nord", ("chat",), 40.0, None)]


def _none(value):
    return None if pd.isna(value) else value


# --- mutations ---------------------------------------------------------------------------------------------------

SPECIAL = st.sampled_from([b'"', b"\x00", b"\r", b"\n", b"\r\n", b",", b";", b"\t", b"\xff", b"\xc3", b"\xfc", b"\x81",
                           b"\xef\xbb\xbf", b"\xc3\xbc", b"1.234,5", b"2,900", b"01.12.2026 08:00", b"-", b"x" * 200])


@st.composite
def mutated(draw, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "special", "delete"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
        elif kind == "special":
            data = data[:at] + draw(SPECIAL) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
    return data


def assert_rows_or_line_precise_refusal(read, data: bytes, name: str) -> None:
    """The reader returns rows, or refuses with problems that each name the file and a line in it."""
    lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # unknown columns in a mangled header
        try:
            read(upload(data, name))
        except DataFileError as refused:
            for problem in refused.problems:
                assert problem.file == name
                if problem.line is None:  # the only whole-file refusal: nothing but blank lines
                    assert problem.message.startswith("the file is empty"), problem
                else:
                    assert 1 <= problem.line <= max(lines, 1), (problem, lines)


@st.composite
def broken_files(draw, rows_strategy, header: list[str]) -> bytes:
    dialect = draw(st.sampled_from(DIALECTS))
    return draw(mutated(render(header, draw(rows_strategy), dialect)))


@FUZZ
@given(data=broken_files(history_rows(), HISTORY_COLUMNS))
def test_broken_history_is_read_or_refused_by_line(data):
    assert_rows_or_line_precise_refusal(lambda f: read_history(f, SITE), data, "history.csv")


@FUZZ
@given(data=broken_files(event_rows(), EVENTS_COLUMNS))
def test_broken_events_are_read_or_refused_by_line(data):
    assert_rows_or_line_precise_refusal(lambda f: read_events(f, SITE), data, "events.csv")


@FUZZ
@given(data=broken_files(agent_rows(), AGENTS_COLUMNS))
def test_broken_agents_are_read_or_refused_by_line(data):
    assert_rows_or_line_precise_refusal(lambda f: read_agents(f, SITE), data, "agents.csv")


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_read_or_refused_by_line(data):
    assert_rows_or_line_precise_refusal(lambda f: read_csv_table(f, required=("a",), optional=("b",)), data, "x.csv")
    assert_rows_or_line_precise_refusal(lambda f: read_absences(f, SITE), data, "absences.csv")


@FUZZ
@given(data=mutated(SITE_TOML.encode()))
def test_broken_site_toml_is_read_or_refused_with_site_config_error(data):
    try:
        assert isinstance(parse_site(decode_site(data, "site.toml"), "site.toml"), Site)
    except SiteConfigError as refused:
        assert refused.problems and all(isinstance(p, str) and p for p in refused.problems)


# --- the German Excel dialect, spelled out ------------------------------------------------------------------------

def problems(read, data: bytes, name: str) -> list[str]:
    with pytest.raises(DataFileError) as refused:
        read(upload(data, name))
    return [str(p) for p in refused.value.problems]


def history(data: bytes) -> pd.DataFrame:
    return read_history(upload(data, "history.csv"), SITE)


def history_problems(data: bytes) -> list[str]:
    return problems(lambda f: read_history(f, SITE), data, "history.csv")


GERMAN_HISTORY = ("Queue;Interval_Start;Offered;Handled;Abandoned;AHT_s\r\n"
                  "billing;2026-12-07T08:00:00+01:00;106;103;3;293,4\r\n"
                  "chat;2026-12-07T08:15:00+01:00;5;5;0;1234,56\r\n")


def test_german_excel_history_with_decimal_comma_is_read():
    frame = history(GERMAN_HISTORY.encode("cp1252"))
    assert frame["aht_s"].tolist() == [293.4, 1234.56]
    assert frame["offered"].tolist() == [106, 5]


def test_thousands_separators_and_ambiguous_marks_are_refused_with_the_fix():
    text = (GERMAN_HISTORY + "billing;2026-12-07T08:15:00+01:00;1.234;;;1.234,5\r\n"
            "chat;2026-12-07T08:00:00+01:00;2;;;7.5\r\n")
    assert history_problems(text.encode("cp1252")) == [
        "history.csv line 4, column aht_s: '1.234,5' is not a number: numbers are written without thousands "
        "separators, e.g. 1234,5; aht_s is the average handle time in seconds, or empty when no contacts were handled",
        "history.csv line 4, column offered: '1.234' is not a number: the '.' could separate thousands (1234) or "
        "decimals (1,234); write 1234 or 1,234, as meant (in a semicolon-separated file the decimal mark is ','); "
        "counts are whole numbers ≥ 0",
    ]


def test_a_quoted_decimal_comma_in_a_comma_separated_file_is_read_unless_it_could_be_thousands():
    text = ("queue,interval_start,offered,aht_s\nbilling,2026-12-07T08:00:00+01:00,3,\"293,4\"\n"
            "billing,2026-12-07T08:15:00+01:00,3,\"2,900\"\n")
    assert history_problems(text.encode()) == [
        "history.csv line 3, column aht_s: '2,900' is not a number: the ',' could separate thousands (2900) or "
        "decimals (2.900); write 2900 or 2.900, as meant (in a comma-separated file the decimal mark is '.'); "
        "aht_s is the average handle time in seconds, or empty when no contacts were handled"]
    assert history(text.replace('"2,900"', "1.5").encode())["aht_s"].tolist() == [293.4, 1.5]


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_is_refused_saying_how_to_fix_it():
    text = "queue,interval_start,offered,aht_s\nbilling,2026-12-07T08:00:00+01:00,3,293,4\n"
    assert history_problems(text.encode()) == [
        "history.csv line 2: has 5 fields but the header has 4; a cell that contains the comma separator must be "
        "in double quotes; a decimal comma splits a number in two: write 293.4, not 293,4, in a comma-separated file"]


def test_german_local_times_without_offset_are_refused_with_the_iso_form_and_dst_hours_named():
    text = ("queue;interval_start;offered\nbilling;07.12.2026 08:00;1\nbilling;25.10.2026 02:15;1\n"
            "billing;29.03.2026 02:15;1\n")
    assert history_problems(text.encode("cp1252")) == [
        "history.csv line 2, column interval_start: '07.12.2026 08:00' is 2026-12-07T08:00:00 without a UTC "
        "offset; write it with the site's offset, e.g. 2026-12-07T08:00:00+01:00",
        "history.csv line 3, column interval_start: '25.10.2026 02:15' is 2026-10-25T02:15:00 without a UTC "
        "offset, and 02:15 occurs twice in Europe/Berlin on 2026-10-25; write 2026-10-25T02:15:00+02:00 for the "
        "first and 2026-10-25T02:15:00+01:00 for the second, after the clocks go back",
        "history.csv line 4, column interval_start: '29.03.2026 02:15' is 2026-03-29T02:15:00 without a UTC "
        "offset, and 02:15 does not exist in Europe/Berlin on 2026-03-29: clocks jump from 02:00 to 03:00; write "
        "every time with its UTC offset",
    ]


def test_german_events_with_dotted_dates_and_decimal_comma_are_read():
    text = "date;event;queue;size\r\n05.01.2027;bill_mailing;;12500,5\r\n1.2.2027;price_letter;billing;\r\n"
    events = read_events(upload(text.encode("cp1252"), "events.csv"), SITE)
    assert events["date"].tolist() == [dt.date(2027, 1, 5), dt.date(2027, 2, 1)]
    assert events["size"].tolist()[0] == 12500.5


def test_german_events_with_a_two_digit_year_or_impossible_date_are_refused():
    text = "date;event\n05.01.27;outage\n31.02.2027;outage\n"
    assert problems(lambda f: read_events(f, SITE), text.encode(), "events.csv") == [
        "events.csv line 2, column date: '05.01.27' is not a date in the form YYYY-MM-DD or DD.MM.YYYY, "
        "e.g. 2027-01-05",
        "events.csv line 3, column date: 31.02.2027 is not a real date"]


def test_german_agents_with_umlauts_decimal_comma_and_quoted_skills_are_read():
    text = ("agent_id;name;team;skills;weekly_hours;max_days_per_week;monthly_pay_eur\r\n"
            "A001;Jürgen Weiß;Team Süd;\"billing;chat\";37,5;5;2900,50\r\n")
    [agent] = read_agents(upload(text.encode("cp1252"), "agents.csv"), SITE)
    assert (agent.name, agent.team, agent.skills, agent.weekly_hours, agent.monthly_pay_eur) == (
        "Jürgen Weiß", "Team Süd", ("billing", "chat"), 37.5, 2900.5)


def test_pay_with_a_thousands_comma_in_a_comma_separated_file_is_refused_not_read_as_cents():
    text = "agent_id,name,team,skills,weekly_hours,max_days_per_week,monthly_pay_eur\nA001,A,T,billing,40,5,\"2,900\"\n"
    [problem] = problems(lambda f: read_agents(f, SITE), text.encode(), "agents.csv")
    assert problem.startswith("agents.csv line 2, column monthly_pay_eur: '2,900' is not a number: the ',' could "
                              "separate thousands (2900) or decimals (2.900)")


def test_german_absences_with_dotted_dates_are_whole_local_days():
    text = "agent_id;start;end;reason\nA001;24.12.2026;26.12.2026;urlaub\n"
    [absence] = read_absences(upload(text.encode(), "absences.csv"), SITE)
    assert absence.start == dt.datetime(2026, 12, 24, tzinfo=BERLIN)
    assert absence.end == dt.datetime(2026, 12, 27, tzinfo=BERLIN)


# --- structure: lines, fields, bytes -----------------------------------------------------------------------------

HEADER = "queue,interval_start,offered,aht_s\n"


def test_line_numbers_stay_those_of_the_file_after_quoted_line_breaks():
    text = (HEADER + "billing,\"2026-12-07T08:00:00+01:00\",1,\"3\n\n4\"\n"
            "billing,2026-12-07T08:15:00+01:00,-1,\n")
    assert history_problems(text.encode()) == [
        "history.csv line 2, column aht_s: '3\\n\\n4' is not a number; aht_s is the average handle time in "
        "seconds, or empty when no contacts were handled",
        "history.csv line 5, column offered: -1 is negative; counts are whole numbers ≥ 0"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_ends_of_any_kind_and_blank_lines_keep_line_numbers(newline):
    text = newline.join(["queue,interval_start,offered", "", "billing,2026-12-07T08:00:00+01:00,1", ",,",
                         "billing,2026-12-07T08:15:00+01:00,x"])
    assert history_problems(text.encode()) == [
        "history.csv line 5, column offered: 'x' is not a number; counts are whole numbers ≥ 0"]


def test_rows_with_too_few_or_too_many_fields_are_refused_by_line():
    text = (HEADER + "billing,2026-12-07T08:00:00+01:00,1,\n"
            "billing,2026-12-07T08:15:00+01:00\n"
            "billing,2026-12-07T08:30:00+01:00,1,2,\n")
    assert history_problems(text.encode()) == [
        "history.csv line 3: has 2 fields but the header has 4; the line may be cut off: every line needs all 4 "
        "fields, empty ones too (separated by ',')",
        "history.csv line 4: has 5 fields but the header has 4; a cell that contains the comma separator must be "
        "in double quotes; a decimal comma splits a number in two: write 293.4, not 293,4, in a comma-separated file",
    ]


def test_a_truncated_last_line_is_refused_by_line():
    data = (HEADER + "billing,2026-12-07T08:00:00+01:00,1,\nbilling,2026-12-07T08:15:00+01:00,12,300\n").encode()
    assert history_problems(data[:-12]) == [
        "history.csv line 3: has 2 fields but the header has 4; the line may be cut off: every line needs all 4 "
        "fields, empty ones too (separated by ',')"]


def test_a_quote_that_is_never_closed_is_refused_at_its_row():
    data = (HEADER + "billing,2026-12-07T08:00:00+01:00,1,\nbilling,\"2026-12-07T08:15:00+01:00,1,\n"
            + "billing,2026-12-07T08:30:00+01:00,1,\n" * 3).encode()
    assert history_problems(data) == [
        "history.csv line 3: a quote (\") opened in this row is never closed, so the rest of the file would be one "
        "cell; close the quote, or write a quote inside a cell as \"\""]


def test_a_cell_longer_than_any_value_is_refused_at_its_row():
    data = (HEADER + "billing,2026-12-07T08:00:00+01:00,1,\nbilling,\"2026" + "x\n" * 70_000 + "\",1,\n").encode()
    assert history_problems(data) == [
        "history.csv line 3: a cell of this row is longer than 131,072 characters; most likely a quote (\") opened "
        "here is never closed, so the lines after it became one cell: close the quote, or write a quote inside a "
        "cell as \"\""]
    data = (HEADER + "billing,2026-12-07T08:00:00+01:00,1,\nbilling,\"2026" + "x\n" * 6_000 + "\",1,\n").encode()
    assert history_problems(data) == [
        "history.csv line 3, column interval_start: a cell of 12,004 characters is too long (at most 10,000); most "
        "likely a quote (\") opened in this row is never closed, so the lines after it became one cell: close the "
        "quote, or write a quote inside a cell as \"\""]
    assert history_problems((HEADER + "x" * 200_000 + ",1,2,3\n").encode()) == [
        "history.csv line 2, column queue: a cell of 200,000 characters is too long (at most 10,000); check that "
        "this is the right file"]


def test_text_after_a_closing_quote_is_refused_at_its_line():
    data = (HEADER + "billing,\"2026-12-07T08:00:00+01:00\"x,1,\n").encode()
    assert history_problems(data) == [
        "history.csv line 2: a quoted cell must end at its closing quote (',' expected after '\"'); put the whole "
        "cell in quotes and write a quote inside it as \"\""]


def test_header_only_and_blank_only_files():
    assert history(b"\xef\xbb\xbf" + HEADER.encode()).empty
    assert history_problems(b"\r\n\r\n  \r\n") == [
        "history.csv: the file is empty; it needs a header row: queue,interval_start,offered"]


@pytest.mark.parametrize(("data", "expected"), [
    (HEADER.encode() + b"billing,2026-12-07T08:00:00+01:00,1,\nbill\x00ing,2026-12-07T08:15:00+01:00,1,\n",
     "history.csv line 3: contains a NUL character (a zero byte): the file is damaged or not CSV text; export it "
     "again as CSV (a file saved as UTF-16 'Unicode Text' needs its byte-order mark)"),
    (HEADER.encode() + b"billing,2026-12-07T08:00:00+01:00,1,\n\xe2\x82\xac,x,1,\r\nbill\xfcng,x,1,\n",
     "history.csv line 4: byte 0xFC is not UTF-8, but the file is UTF-8 elsewhere: it mixes two encodings; save "
     "it again as UTF-8 (in Excel: 'CSV UTF-8')"),
    (b"\xef\xbb\xbf" + HEADER.encode() + b"\r\rbill\xfcng,x,1,\n",
     "history.csv line 4: byte 0xFC is not UTF-8, but the file is UTF-8 elsewhere: it mixes two encodings; save "
     "it again as UTF-8 (in Excel: 'CSV UTF-8')"),
    (HEADER.encode() + b"billing,2026-12-07T08:00:00+01:00,1,\nbill\x81ng,x,1,\n",
     "history.csv line 3: byte 0x81 is neither UTF-8 nor Windows-1252 text; save the file as UTF-8 (in Excel: "
     "'CSV UTF-8')"),
    (HEADER.encode() + "billing,2026-12-07T08:00:00+01:00,1,\nbillüng".encode()[:-3],
     "history.csv line 3: the file ends inside a UTF-8 character: it was cut off; export it again"),
], ids=["NUL", "mixed encodings", "mixed after BOM and CR line ends", "neither encoding", "cut inside a character"])
def test_bytes_that_are_no_text_are_refused_with_their_line(data, expected):
    assert history_problems(data) == [expected]


def test_separator_is_found_from_the_header_with_quotes_respected():
    text = '"queue";"interval_start";"offered, the count"\nbilling;2026-12-07T08:00:00+01:00;4\n'
    with pytest.warns(UserWarning, match="ignoring unknown columns offered, the count"):
        table = read_csv_table(io.StringIO(text), required=("queue",), optional=("interval_start",))
    assert table.delimiter == ";" and table.frame["interval_start"].tolist() == ["2026-12-07T08:00:00+01:00"]


def test_a_large_german_history_file_is_read():
    times = pd.date_range("2026-01-05", periods=25_000, freq="15min", tz="Europe/Berlin").map(pd.Timestamp.isoformat)
    rows = "".join(f"{q};{t};{i % 50};{i % 50 // 2};{i % 50 // 3};{120 + i % 9},5\n"
                   for i, t in enumerate(times) for q in QUEUES)
    frame = history(("queue;interval_start;offered;handled;abandoned;aht_s\n" + rows).encode("cp1252"))
    assert len(frame) == 50_000 and frame["offered"].sum() == 2 * sum(i % 50 for i in range(25_000))
    assert frame["aht_s"].iloc[0] == 120.5
