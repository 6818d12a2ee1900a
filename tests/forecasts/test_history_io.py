"""history.csv: typed reading, every refusal with its exact message, DST days and a round trip."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts import history_io
from forecasts.errors import DataFileError
from forecasts.history_io import history_day_totals, read_history
from forecasts.site import parse_site

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15
[site.opening_hours]
mon = "00:00-24:00"
tue = "08:00-20:00"
sat = "09:00-14:00"
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

HEADER = "queue,interval_start,offered,handled,abandoned,aht_s\n"


def read(text: str, name: str = "history.csv") -> pd.DataFrame:
    return read_history(io.BytesIO(text.encode()), SITE, name=name)


def problems(text: str) -> list[str]:
    with pytest.raises(DataFileError) as refused:
        read(text)
    return [str(p) for p in refused.value.problems]


def one_problem(row: str) -> str:
    [problem] = problems(HEADER + row + "\n")
    return problem


def test_valid_rows_become_a_typed_frame_sorted_by_queue_and_interval():
    history = read(HEADER
                   + "chat,2025-12-01T08:15:00+01:00,4,4,0,120\n"
                   + "billing,2025-12-01T08:15:00+01:00,0,0,0,\n"
                   + "billing,2025-12-01T08:00:00+01:00,106,103,3,293.4\n")
    assert list(history.columns) == ["queue", "interval_start", "offered", "handled", "abandoned", "aht_s"]
    assert history["queue"].tolist() == ["billing", "billing", "chat"]
    assert [t.isoformat() for t in history["interval_start"]] == [
        "2025-12-01T08:00:00+01:00", "2025-12-01T08:15:00+01:00", "2025-12-01T08:15:00+01:00"]
    assert str(history["interval_start"].dt.tz) == "Europe/Berlin"
    assert history["offered"].dtype == "int64" and history["offered"].tolist() == [106, 0, 4]
    assert history["handled"].dtype == "Int64" and history["abandoned"].dtype == "Int64"
    assert history["aht_s"].dtype == "Float64"
    assert history["aht_s"].tolist()[0] == 293.4 and pd.isna(history["aht_s"].iloc[1])


def test_optional_columns_may_be_absent_and_column_order_is_free():
    history = read("offered,queue,interval_start\n7,billing,2025-12-01T08:00:00+01:00\n")
    assert history["offered"].tolist() == [7]
    assert history[["handled", "abandoned", "aht_s"]].isna().all().all()


def test_utc_z_times_are_accepted_and_returned_in_site_time():
    history = read(HEADER + "billing,2025-12-01T07:00:00Z,5,,,\nbilling,2026-07-01T06:00:00Z,6,,,\n")
    assert [t.isoformat() for t in history["interval_start"]] == [
        "2025-12-01T08:00:00+01:00", "2026-07-01T08:00:00+02:00"]


def test_header_only_file_gives_an_empty_frame():
    history = read(HEADER)
    assert history.empty and list(history.columns) == list(history_io.HISTORY_COLUMNS)


def test_empty_file_is_refused():
    assert problems("") == ["history.csv: the file is empty; it needs a header row: queue,interval_start,offered"]


def test_missing_required_column_is_refused():
    assert problems("queue,interval_start\nbilling,2025-12-01T08:00:00+01:00\n") == [
        "history.csv line 1, column offered: required column 'offered' is missing from the header; the header "
        "must name queue, interval_start, offered"]


def test_byte_order_mark_is_accepted():
    history = read_history(io.BytesIO(b"\xef\xbb\xbf" + (HEADER + "billing,2025-12-01T08:00:00+01:00,5,,,\n")
                                      .encode()), SITE)
    assert history["offered"].tolist() == [5]


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file():
    text = HEADER + "\nbilling,2025-12-01T08:00:00+01:00,5,,,\n\n\nbilling,2025-12-01T08:15:00+01:00,-1,,,\n"
    assert problems(text) == ["history.csv line 6, column offered: -1 is negative; counts are whole numbers ≥ 0"]
    assert len(read(text.replace(",-1,", ",1,"))) == 2


def test_unknown_columns_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="history.csv: ignoring unknown columns agent"):
        history = read("queue,interval_start,offered,agent\nbilling,2025-12-01T08:00:00+01:00,5,anna\n")
    assert list(history.columns) == list(history_io.HISTORY_COLUMNS)


def test_naive_time_is_refused_with_the_site_offset_to_use():
    assert one_problem("billing,2025-12-01T08:15:00,5,,,") == (
        "history.csv line 2, column interval_start: 2025-12-01T08:15:00 has no UTC offset; write it with the "
        "site's offset, e.g. 2025-12-01T08:15:00+01:00")


def test_naive_time_in_the_spring_gap_says_it_does_not_exist():
    assert one_problem("billing,2026-03-29T02:15:00,5,,,") == (
        "history.csv line 2, column interval_start: 2026-03-29T02:15:00 has no UTC offset, and 02:15 does not "
        "exist in Europe/Berlin on 2026-03-29: clocks jump from 02:00 to 03:00; write every time with its UTC "
        "offset")


def test_naive_time_on_the_fall_back_day_gives_both_offsets():
    assert one_problem("billing,2026-10-25T02:15:00,5,,,") == (
        "history.csv line 2, column interval_start: 2026-10-25T02:15:00 has no UTC offset, and 02:15 occurs "
        "twice in Europe/Berlin on 2026-10-25; write 2026-10-25T02:15:00+02:00 for the first and "
        "2026-10-25T02:15:00+01:00 for the second, after the clocks go back")


def test_time_in_the_spring_forward_gap_is_refused():
    assert one_problem("billing,2026-03-29T02:15:00+01:00,5,,,") == (
        "history.csv line 2, column interval_start: 2026-03-29T02:15:00+01:00 does not exist in Europe/Berlin: "
        "clocks jump from 02:00 to 03:00 on 2026-03-29; check how the export writes the times of that day")


def test_wrong_offset_names_the_right_one():
    assert one_problem("billing,2026-07-01T08:00:00+01:00,5,,,") == (
        "history.csv line 2, column interval_start: 2026-07-01T08:00:00+01:00 has the wrong UTC offset for "
        "Europe/Berlin: on 2026-07-01 at 08:00 the offset is +02:00; write 2026-07-01T08:00:00+02:00, or the "
        "time in UTC")


def test_both_hours_of_the_fall_back_night_are_accepted_as_different_intervals():
    history = read(HEADER + "billing,2026-10-25T02:15:00+02:00,1,,,\nbilling,2026-10-25T02:15:00+01:00,2,,,\n")
    assert history["interval_start"].dt.tz_convert("UTC").dt.strftime("%H:%M").tolist() == ["00:15", "01:15"]


def test_text_that_is_not_an_iso_time_is_refused():
    assert one_problem("billing,01.12.2025 08:00,5,,,") == (
        "history.csv line 2, column interval_start: '01.12.2025 08:00' is not an ISO 8601 time with UTC offset; "
        "write it like 2025-12-01T08:00:00+01:00 (site-local time with its offset) or 2025-12-01T07:00:00Z (UTC)")


def test_dates_and_times_that_do_not_exist_are_refused():
    assert problems(HEADER + "billing,2025-02-29T08:00:00+01:00,5,,,\nbilling,2025-12-01T24:00:00+01:00,5,,,\n"
                    + "billing,2025-12-01T08:00:00+25:00,5,,,\n") == [
        "history.csv line 2, column interval_start: 2025-02-29T08:00:00+01:00 is not a real date: there is no "
        "2025-02-29",
        "history.csv line 3, column interval_start: 2025-12-01T24:00:00+01:00 is not a valid time: write 24:00 "
        "as 00:00 of the next day",
        "history.csv line 4, column interval_start: 2025-12-01T08:00:00+25:00 has an impossible UTC offset "
        "+25:00; offsets lie between -23:59 and +23:59"]


def test_misaligned_interval_is_refused():
    assert one_problem("billing,2025-12-01T08:07:00+01:00,5,,,") == (
        "history.csv line 2, column interval_start: 08:07 is not aligned to the 15-minute intervals; the "
        "intervals around it start at 08:00 and 08:15")


def test_seconds_make_an_interval_misaligned():
    assert one_problem("billing,2025-12-01T08:15:30Z,5,,,") == (
        "history.csv line 2, column interval_start: 08:15:30 is not aligned to the 15-minute intervals; the "
        "intervals around it start at 08:15 and 08:30")


def test_empty_interval_start_is_refused():
    assert one_problem("billing,,5,,,") == (
        "history.csv line 2, column interval_start: empty; every row needs the start of its interval, e.g. "
        "2025-12-01T08:00:00+01:00")


def test_duplicate_row_names_the_first_line():
    assert problems(HEADER + "billing,2025-12-01T08:00:00+01:00,5,,,\nchat,2025-12-01T08:00:00+01:00,5,,,\n"
                    + "billing,2025-12-01T08:00:00+01:00,6,,,\n") == [
        "history.csv line 4: duplicate of line 2: queue billing already has a row for the interval starting "
        "2025-12-01T08:00:00+01:00; keep one row per queue and interval"]


def test_same_instant_written_in_utc_and_in_local_time_is_a_duplicate():
    assert problems(HEADER + "billing,2025-12-01T08:00:00+01:00,5,,,\nbilling,2025-12-01T07:00:00Z,5,,,\n") == [
        "history.csv line 3: duplicate of line 2: queue billing already has a row for the interval starting "
        "2025-12-01T08:00:00+01:00; keep one row per queue and interval"]


def test_negative_count_is_refused():
    assert one_problem("billing,2025-12-01T08:00:00+01:00,-3,,,") == (
        "history.csv line 2, column offered: -3 is negative; counts are whole numbers ≥ 0")


def test_non_number_is_refused():
    assert one_problem("billing,2025-12-01T08:00:00+01:00,12,twelve,,") == (
        "history.csv line 2, column handled: 'twelve' is not a number; counts are whole numbers ≥ 0")


def test_fraction_is_not_a_count():
    assert one_problem("billing,2025-12-01T08:00:00+01:00,12,,2.5,") == (
        "history.csv line 2, column abandoned: 2.5 is not a whole number; counts are whole numbers ≥ 0")


def test_offered_is_required_in_every_row():
    assert one_problem("billing,2025-12-01T08:00:00+01:00,,,,") == (
        "history.csv line 2, column offered: empty; give the number of contacts offered (0 if there were none)")


def test_handled_plus_abandoned_above_offered_is_refused():
    assert problems(HEADER + "billing,2025-12-01T08:00:00+01:00,100,90,20,\n"
                    + "billing,2025-12-01T08:15:00+01:00,10,,11,\n") == [
        "history.csv line 2: handled 90 + abandoned 20 = 110 is more than offered 100; handled + abandoned must "
        "not exceed offered",
        "history.csv line 3: abandoned 11 is more than offered 10; handled + abandoned must not exceed offered"]


def test_aht_must_be_empty_or_a_positive_number():
    assert problems(HEADER + "billing,2025-12-01T08:00:00+01:00,1,0,0,0\n"
                    + "billing,2025-12-01T08:15:00+01:00,1,1,0,slow\n") == [
        "history.csv line 2, column aht_s: 0 is not a positive number of seconds; leave aht_s empty when no "
        "contacts were handled",
        "history.csv line 3, column aht_s: 'slow' is not a number; aht_s is the average handle time in "
        "seconds, or empty when no contacts were handled"]


def test_unknown_queue_names_the_site_queues_once_per_name():
    assert problems(HEADER + "sales,2025-12-01T08:00:00+01:00,5,,,\nsales,2025-12-01T08:15:00+01:00,5,,,\n") == [
        "history.csv line 2, column queue: unknown queue 'sales' (also on 1 more line); the site has billing, "
        "chat; add [queues.sales] to site.toml"]


def test_unknown_queue_close_to_a_site_queue_gets_a_suggestion():
    assert one_problem("Billing,2025-12-01T08:00:00+01:00,5,,,") == (
        "history.csv line 2, column queue: unknown queue 'Billing'; the site has billing, chat; did you mean "
        "'billing'? If not, add [queues.Billing] to site.toml")


def test_queue_name_with_other_characters_is_refused():
    assert one_problem("bil ling,2025-12-01T08:00:00+01:00,5,,,") == (
        "history.csv line 2, column queue: 'bil ling' is not a queue name; queue names contain only letters, "
        "digits, '_' and '-' and the site has billing, chat")


def test_every_problem_of_the_file_is_reported_at_once():
    assert problems(HEADER + "billing,2025-12-01T08:00:00,5,,,\nsales,2025-12-01T08:00:00+01:00,x,,,\n") == [
        "history.csv line 2, column interval_start: 2025-12-01T08:00:00 has no UTC offset; write it with the "
        "site's offset, e.g. 2025-12-01T08:00:00+01:00",
        "history.csv line 3, column offered: 'x' is not a number; counts are whole numbers ≥ 0",
        "history.csv line 3, column queue: unknown queue 'sales'; the site has billing, chat; add "
        "[queues.sales] to site.toml"]


def test_many_problems_of_one_kind_are_counted_beyond_the_listed_ones(monkeypatch):
    monkeypatch.setattr(history_io, "MAX_PER_KIND", 2)
    rows = "".join(f"billing,2025-12-01T{h:02d}:00:00+01:00,-1,,,\n" for h in range(5))
    found = problems(HEADER + rows)
    assert found[0] == "history.csv, column offered: 5 rows are negative; the first 2 are listed"
    assert found[1:] == [f"history.csv line {n}, column offered: -1 is negative; counts are whole numbers ≥ 0"
                         for n in (2, 3)]


def week_csv(monday: dt.date) -> str:
    """Every quarter-hour of a local week with offered = 1; the Sunday is written in UTC."""
    start = pd.Timestamp(monday).tz_localize("Europe/Berlin")
    end = (pd.Timestamp(monday) + pd.Timedelta(days=7)).tz_localize("Europe/Berlin")
    starts = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq="15min", inclusive="left")
    lines = []
    for t in starts.tz_convert("Europe/Berlin"):
        text = t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ") if t.weekday() == 6 else t.isoformat()
        lines.append(f"billing,{text},1,,,\n")
    return HEADER + "".join(reversed(lines))


def test_fall_back_week_has_100_intervals_on_the_sunday_and_96_on_other_days():
    totals = history_day_totals(read(week_csv(dt.date(2026, 10, 19))), SITE)
    assert totals["date"].tolist() == [dt.date(2026, 10, 19) + dt.timedelta(days=i) for i in range(7)]
    assert totals["intervals"].tolist() == [96, 96, 96, 96, 96, 96, 100]
    assert totals["offered"].tolist() == [96, 96, 96, 96, 96, 96, 100]


def test_spring_forward_sunday_has_92_intervals():
    totals = history_day_totals(read(week_csv(dt.date(2026, 3, 23))), SITE)
    assert totals["intervals"].tolist() == [96, 96, 96, 96, 96, 96, 92]


QUARTERS = 4 * 24 * 800  # about two years of quarter-hours from 2026-01-01 local midnight: four DST changes
ORIGIN = pd.Timestamp("2025-12-31T23:00:00Z")


@st.composite
def history_rows(draw) -> list[dict]:
    keys = draw(st.lists(st.tuples(st.sampled_from(["billing", "chat"]), st.integers(0, QUARTERS - 1)),
                         unique=True, max_size=30))
    rows = []
    for queue, k in keys:
        offered = draw(st.integers(0, 10_000))
        handled = draw(st.none() | st.integers(0, offered))
        abandoned = draw(st.none() | st.integers(0, offered - (handled or 0)))
        aht = draw(st.none() | st.floats(min_value=0.001, max_value=1e5, allow_nan=False))
        written = draw(st.sampled_from(["local", "Z", "+00:00"]))
        rows.append({"queue": queue, "instant": ORIGIN + pd.Timedelta(minutes=15 * k), "offered": offered,
                     "handled": handled, "abandoned": abandoned, "aht_s": aht, "written": written})
    return rows


def to_csv(rows: list[dict], columns: list[str]) -> str:
    def cell(row: dict, column: str) -> str:
        if column == "interval_start":
            t = row["instant"]
            if row["written"] == "local":
                return t.tz_convert("Europe/Berlin").isoformat()
            return t.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if row["written"] == "Z" else "+00:00")
        value = row[column]
        return "" if value is None else str(value)  # str of a float is its shortest exact form

    return ",".join(columns) + "\n" + "".join(",".join(cell(r, c) for c in columns) + "\n" for r in rows)


@settings(max_examples=60, deadline=None)
@given(rows=history_rows(), columns=st.permutations(list(history_io.HISTORY_COLUMNS)))
def test_any_valid_history_round_trips_through_csv(rows, columns):
    history = read(to_csv(rows, columns))
    expected = sorted(rows, key=lambda r: (r["queue"], r["instant"]))
    assert history["queue"].tolist() == [r["queue"] for r in expected]
    assert history["interval_start"].tolist() == [r["instant"] for r in expected]
    assert history["offered"].tolist() == [r["offered"] for r in expected]
    for column in ("handled", "abandoned", "aht_s"):
        assert [None if pd.isna(v) else v for v in history[column]] == [r[column] for r in expected]
