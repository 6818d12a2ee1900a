"""Daily totals: local-day sums, handled-weighted handle time, missing days as NaN, DST days in one piece."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.daily import DAILY_COLUMNS, daily_totals, date_range, open_minutes
from forecasts.site import parse_site

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-12:00"
tue = "08:00-12:00"
wed = "08:00-12:00"
sun = "00:00-24:00"
[site.special_days]
"12-24" = "08:00-10:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
""")


def rows(*items: tuple[str, str, int, float | None, float | None]) -> pd.DataFrame:
    """History rows (queue, interval_start with offset, offered, handled, aht_s)."""
    queue, start, offered, handled, aht = zip(*items, strict=True)
    return pd.DataFrame({
        "queue": list(queue),
        "interval_start": pd.to_datetime(list(start)).tz_convert("Europe/Berlin"),
        "offered": np.array(offered, dtype="int64"),
        "handled": pd.array(handled, dtype="Int64"),
        "aht_s": pd.array(aht, dtype="Float64"),
    })


def test_intervals_sum_per_local_day_not_per_utc_day():
    history = rows(("billing", "2026-03-02T07:00:00Z", 10, None, None),   # Mon 08:00 local
                   ("billing", "2026-03-02T07:15:00Z", 6, None, None),    # Mon 08:15 local
                   ("billing", "2026-03-02T23:30:00Z", 4, None, None))    # Tue 00:30 local
    daily = daily_totals(history, SITE)
    assert list(daily.columns) == list(DAILY_COLUMNS)
    assert daily["date"].tolist() == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    assert daily["offered"].tolist() == [16.0, 4.0]
    assert daily["open_minutes"].tolist() == [240, 240]


def test_an_open_day_without_rows_is_missing_not_zero_and_closed_days_have_no_row():
    history = rows(("billing", "2026-03-02T08:00:00+01:00", 5, None, None),   # Monday
                   ("billing", "2026-03-09T08:00:00+01:00", 7, None, None))   # next Monday
    daily = daily_totals(history, SITE)
    # Thu, Fri and Sat are closed; Tue, Wed and Sun are open but have no rows.
    assert daily["date"].tolist() == [dt.date(2026, 3, d) for d in (2, 3, 4, 8, 9)]
    assert daily["missing"].tolist() == [False, True, True, True, False]
    assert daily["offered"].isna().tolist() == [False, True, True, True, False]


def test_aht_is_weighted_by_handled_contacts_and_ignores_intervals_without_aht():
    history = rows(("billing", "2026-03-02T08:00:00+01:00", 1, 1, 100.0),
                   ("billing", "2026-03-02T08:15:00+01:00", 3, 3, 200.0),
                   ("billing", "2026-03-02T08:30:00+01:00", 5, 5, None))
    [day] = daily_totals(history, SITE).itertuples()
    assert day.handled == 9.0
    assert day.aht_s == (1 * 100 + 3 * 200) / 4


def test_aht_is_nan_when_no_interval_of_the_day_has_one():
    history = rows(("billing", "2026-03-02T08:00:00+01:00", 4, 4, None))
    assert np.isnan(daily_totals(history, SITE)["aht_s"].iloc[0])


def test_every_queue_gets_every_open_day_of_the_span():
    history = rows(("billing", "2026-03-02T08:00:00+01:00", 5, None, None),
                   ("chat", "2026-03-03T08:00:00+01:00", 2, None, None))
    daily = daily_totals(history, SITE)
    assert daily["queue"].tolist() == ["billing", "billing", "chat", "chat"]
    assert daily["date"].tolist() == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)] * 2
    assert daily["offered"].fillna(-1).tolist() == [5.0, -1, -1, 2.0]


def test_start_and_end_widen_the_span_with_missing_days():
    history = rows(("billing", "2026-03-03T08:00:00+01:00", 5, None, None))   # Tuesday
    daily = daily_totals(history, SITE, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4))
    assert daily["date"].tolist() == [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]
    assert daily["missing"].tolist() == [True, False, True]


def test_a_fall_back_sunday_sums_all_100_intervals_into_one_date():
    day = dt.date(2026, 10, 25)
    starts = pd.date_range("2026-10-24T22:00:00Z", "2026-10-25T22:45:00Z", freq="15min")
    assert len(starts) == 100
    history = pd.DataFrame({"queue": "billing", "interval_start": starts.tz_convert("Europe/Berlin"),
                            "offered": np.ones(100, dtype="int64")})
    daily = daily_totals(history, SITE)
    assert daily[["date", "offered", "open_minutes"]].to_dict("records") == [
        {"date": day, "offered": 100.0, "open_minutes": 1440}]


def test_an_empty_history_gives_an_empty_frame_with_the_columns():
    empty = rows(("billing", "2026-03-02T08:00:00+01:00", 1, None, None)).iloc[:0]
    assert list(daily_totals(empty, SITE).columns) == list(DAILY_COLUMNS)


def test_open_minutes_of_a_regular_a_short_a_closed_and_a_holiday_date():
    assert open_minutes(SITE, dt.date(2026, 3, 2)) == 240     # Monday
    assert open_minutes(SITE, dt.date(2029, 12, 24)) == 120   # Monday, Christmas Eve short day
    assert open_minutes(SITE, dt.date(2026, 3, 5)) == 0       # Thursday, closed
    assert open_minutes(SITE, dt.date(2026, 5, 25)) == 0      # Whit Monday


def test_date_range_includes_both_ends():
    assert date_range(dt.date(2026, 2, 27), dt.date(2026, 3, 1)) == [
        dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2026, 3, 1)]
    assert date_range(dt.date(2026, 3, 1), dt.date(2026, 2, 28)) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 13 * 96 - 1), st.integers(0, 50)), min_size=1, max_size=30,
                unique_by=lambda item: item[0]))
def test_no_contact_is_lost_or_counted_twice(items):
    """Whatever the intervals, the daily totals add up to the history (on open days; Thu-Sat are closed)."""
    first = pd.Timestamp("2026-03-22T00:00:00", tz="Europe/Berlin")   # a Sunday; 29 March springs forward
    starts = [(first.tz_convert("UTC") + pd.Timedelta(minutes=15 * i)).tz_convert("Europe/Berlin") for i, _ in items]
    history = pd.DataFrame({"queue": "billing", "interval_start": pd.DatetimeIndex(starts),
                            "offered": np.array([n for _, n in items], dtype="int64")})
    on_open_days = history[[open_minutes(SITE, t.date()) > 0 for t in history["interval_start"]]]
    assert daily_totals(history, SITE)["offered"].sum() == on_open_days["offered"].sum()
