"""events.csv: typed reading, every refusal with its exact message and a round trip."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.errors import DataFileError
from forecasts.history_io import read_events
from forecasts.site import parse_site

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "00:00-24:00"
sun = "00:00-24:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
""")

HEADER = "date,event,queue,size\n"


def read(text: str, name: str = "events.csv") -> pd.DataFrame:
    return read_events(io.BytesIO(text.encode()), SITE, name=name)


def problems(text: str) -> list[str]:
    with pytest.raises(DataFileError) as refused:
        read(text)
    return [str(p) for p in refused.value.problems]


def one_problem(row: str) -> str:
    [problem] = problems(HEADER + row + "\n")
    return problem


def test_valid_events_become_a_typed_frame_sorted_by_date_event_and_queue():
    events = read(HEADER + "2027-01-05,bill_mailing,,\n2026-11-18,price_letter,billing,1000\n"
                  + "2026-11-18,price_letter,,2.5\n")
    assert list(events.columns) == ["date", "event", "queue", "size"]
    assert events["date"].tolist() == [dt.date(2026, 11, 18), dt.date(2026, 11, 18), dt.date(2027, 1, 5)]
    assert all(type(d) is dt.date for d in events["date"])
    assert events["event"].tolist() == ["price_letter", "price_letter", "bill_mailing"]
    assert events["queue"].tolist() == [None, "billing", None]
    assert events["size"].dtype == "Float64"
    assert events["size"].tolist()[:2] == [2.5, 1000.0] and pd.isna(events["size"].iloc[2])


def test_queue_and_size_columns_are_optional():
    events = read("event,date\noutage,2026-02-03\n")
    assert events["queue"].tolist() == [None] and pd.isna(events["size"].iloc[0])


def test_header_only_file_has_no_events():
    assert read(HEADER).empty


def test_empty_file_is_refused():
    assert problems("") == ["events.csv: the file is empty; it needs a header row: date,event"]


def test_missing_event_column_is_refused():
    assert problems("date,queue\n2027-01-05,\n") == [
        "events.csv line 1, column event: required column 'event' is missing from the header; the header must "
        "name date, event"]


def test_byte_order_mark_is_accepted():
    events = read_events(io.BytesIO(b"\xef\xbb\xbfdate,event\n2027-01-05,outage\n"), SITE)
    assert events["event"].tolist() == ["outage"]


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file():
    assert problems(HEADER + "\n2027-01-05,outage,,\n\n2027-01-06,outage,,-1\n") == [
        "events.csv line 5, column size: -1 is negative; size is a number ≥ 0 (e.g. letters mailed) or empty"]


def test_unknown_columns_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="events.csv: ignoring unknown columns comment"):
        events = read("date,event,comment\n2027-01-05,outage,network down\n")
    assert events["event"].tolist() == ["outage"]


def test_date_in_another_form_is_refused():
    assert one_problem("05.01.2027,outage,,") == (
        "events.csv line 2, column date: '05.01.2027' is not a date in the form YYYY-MM-DD, e.g. 2027-01-05")


def test_date_that_does_not_exist_is_refused():
    assert one_problem("2027-02-30,outage,,") == "events.csv line 2, column date: 2027-02-30 is not a real date"


def test_empty_date_is_refused():
    assert one_problem(",outage,,") == (
        "events.csv line 2, column date: empty; every event needs a date, e.g. 2027-01-05")


def test_event_kind_not_in_lowercase_gets_the_lowercase_form():
    assert one_problem("2027-01-05,Bill Mailing,,") == (
        "events.csv line 2, column event: 'Bill Mailing' is not an event kind; write it in lowercase letters, "
        "digits and '_', starting with a letter: bill_mailing")


def test_event_kind_without_a_usable_lowercase_form_gets_an_example():
    assert one_problem("2027-01-05,2nd mailing,,") == (
        "events.csv line 2, column event: '2nd mailing' is not an event kind; write it in lowercase letters, "
        "digits and '_', starting with a letter, e.g. bill_mailing")


def test_empty_event_is_refused():
    assert one_problem("2027-01-05,,,") == (
        "events.csv line 2, column event: empty; every row needs an event kind, e.g. bill_mailing")


def test_unknown_queue_is_refused():
    assert one_problem("2027-01-05,outage,sales,") == (
        "events.csv line 2, column queue: unknown queue 'sales'; the site has billing, chat; add [queues.sales] "
        "to site.toml")


def test_size_must_be_a_number():
    assert one_problem("2027-01-05,bill_mailing,,many") == (
        "events.csv line 2, column size: 'many' is not a number; size is a number ≥ 0 (e.g. letters mailed) or "
        "empty")


def test_duplicate_event_names_the_first_line():
    assert problems(HEADER + "2027-01-05,bill_mailing,,\n2027-01-05,bill_mailing,billing,\n"
                    + "2027-01-05,bill_mailing,,3\n2027-01-05,bill_mailing,billing,\n") == [
        "events.csv line 4: duplicate of line 2: event bill_mailing on 2027-01-05 for all queues is already "
        "listed; keep one row",
        "events.csv line 5: duplicate of line 3: event bill_mailing on 2027-01-05 for queue billing is already "
        "listed; keep one row"]


def test_every_problem_of_the_file_is_reported_at_once():
    assert problems(HEADER + "2027-13-01,Outage,,\n2027-01-05,outage,sales,-2\n") == [
        "events.csv line 2, column date: 2027-13-01 is not a real date",
        "events.csv line 2, column event: 'Outage' is not an event kind; write it in lowercase letters, digits "
        "and '_', starting with a letter: outage",
        "events.csv line 3, column queue: unknown queue 'sales'; the site has billing, chat; add [queues.sales] "
        "to site.toml",
        "events.csv line 3, column size: -2 is negative; size is a number ≥ 0 (e.g. letters mailed) or empty"]


@st.composite
def event_rows(draw) -> list[dict]:
    keys = draw(st.lists(st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
                                   st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
                                   st.sampled_from([None, "billing", "chat"])), unique=True, max_size=25))
    return [{"date": d, "event": e, "queue": q,
             "size": draw(st.none() | st.floats(min_value=0, max_value=1e9, allow_nan=False))} for d, e, q in keys]


@settings(max_examples=60, deadline=None)
@given(rows=event_rows(), columns=st.permutations(["date", "event", "queue", "size"]))
def test_any_valid_events_file_round_trips_through_csv(rows, columns):
    def cell(row: dict, column: str) -> str:
        value = row[column]
        return "" if value is None else str(value)

    text = ",".join(columns) + "\n" + "".join(",".join(cell(r, c) for c in columns) + "\n" for r in rows)
    events = read(text)
    expected = sorted(rows, key=lambda r: (r["date"], r["event"], r["queue"] is not None, r["queue"] or ""))
    assert events["date"].tolist() == [r["date"] for r in expected]
    assert events["event"].tolist() == [r["event"] for r in expected]
    assert events["queue"].tolist() == [r["queue"] for r in expected]
    assert [None if pd.isna(v) else v for v in events["size"]] == [r["size"] for r in expected]
