"""Calendar and event features: event waves by lag bin, holidays, bridge days, short days, between the years."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from forecasts.daily import date_range
from forecasts.features import EVENT_LAG_BINS, YEARLY_HARMONICS, FeatureSpec, event_intensity, feature_table
from forecasts.site import parse_site

# Monday to Friday 08:00-20:00 (720 minutes), Christmas Eve 08:00-14:00 (360 minutes), weekends closed.
SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
tue = "08:00-20:00"
wed = "08:00-20:00"
thu = "08:00-20:00"
fri = "08:00-20:00"
[site.special_days]
"12-24" = "08:00-14:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
""")
D = dt.date(2026, 3, 4)


def events(*rows: tuple[dt.date, str, str | None, float | None]) -> pd.DataFrame:
    day, kind, queue, size = zip(*rows, strict=True)
    return pd.DataFrame({"date": pd.Series(day, dtype=object), "event": list(kind),
                         "queue": pd.Series(queue, dtype=object), "size": pd.array(size, dtype="Float64")})


def column(name: str, *days: dt.date) -> list[float]:
    return feature_table(SITE, list(days), {}, reference=days[0])[name].tolist()


# --- events -------------------------------------------------------------------------------------------------

def test_event_sizes_are_scaled_so_the_median_of_the_kind_is_one():
    frame = events((D - dt.timedelta(days=40), "bill_mailing", None, 100.0), (D, "bill_mailing", None, 200.0),
                   (D + dt.timedelta(days=60), "bill_mailing", None, 100.0))
    assert event_intensity(frame, "billing") == {"bill_mailing": {D - dt.timedelta(days=40): 1.0, D: 2.0,
                                                                  D + dt.timedelta(days=60): 1.0}}


def test_events_of_another_queue_are_ignored_and_events_without_queue_apply_to_all():
    frame = events((D, "price_letter", "chat", 50.0), (D, "bill_mailing", None, None))
    assert event_intensity(frame, "billing") == {"bill_mailing": {D: 1.0}}
    assert event_intensity(frame, "chat") == {"bill_mailing": {D: 1.0}, "price_letter": {D: 1.0}}


def test_events_without_size_count_as_one_and_two_on_a_day_add_up():
    frame = events((D, "outage", None, None), (D, "outage", "billing", None))
    assert event_intensity(frame, "billing") == {"outage": {D: 2.0}}


def test_no_events_give_no_intensity():
    assert event_intensity(None, "billing") == {}
    assert event_intensity(events((D, "outage", None, None)).iloc[:0], "billing") == {}


def test_an_event_spreads_over_the_lag_bins_as_its_size_over_the_bin_width():
    days = date_range(D - dt.timedelta(days=1), D + dt.timedelta(days=28))
    table = feature_table(SITE, days, {"bill_mailing": {D: 2.0}}, reference=D)
    names = [f"event_bill_mailing_lag{low}-{high}" for low, high in EVENT_LAG_BINS]
    assert [c for c in table.columns if c.startswith("event_")] == names
    for day in days:
        lag = (day - D).days
        expected = {f"event_bill_mailing_lag{low}-{high}": 2.0 / (high - low + 1)
                    for low, high in EVENT_LAG_BINS if low <= lag <= high}
        row = table.loc[day, names]
        assert row[row != 0].to_dict() == pytest.approx(expected), f"{lag} days after the event"
    assert table.loc[D, "event_bill_mailing_lag0-0"] == 2.0
    assert table.loc[D + dt.timedelta(days=1), "event_bill_mailing_lag1-1"] == 2.0
    assert table.loc[D + dt.timedelta(days=5), "event_bill_mailing_lag5-6"] == 1.0
    assert table.loc[D + dt.timedelta(days=28)].filter(like="event_").sum() == 0.0


# --- holidays -----------------------------------------------------------------------------------------------

def test_after_holiday_marks_the_first_open_day_after_a_holiday_closure():
    # Tue after Easter Monday, Wed after that, Fri after Ascension Day (Thu 2026-05-14)
    assert column("after_holiday", dt.date(2026, 4, 7), dt.date(2026, 4, 8), dt.date(2026, 5, 15)) == [1, 0, 1]


def test_after_holiday_marks_the_monday_after_a_friday_holiday():
    # Reformation Day 2025-10-31 is a Friday; the weekend is closed anyway; Monday is the first open day after it.
    assert column("after_holiday", dt.date(2025, 11, 3)) == [1.0]


def test_a_holiday_on_a_day_closed_anyway_marks_no_neighbour():
    # Reformation Day 2026-10-31 is a Saturday: nothing closes that would have been open.
    assert column("before_holiday", dt.date(2026, 10, 30)) == [0.0]
    assert column("after_holiday", dt.date(2026, 11, 2)) == [0.0]


def test_before_holiday_marks_the_day_before_a_holiday_closure():
    # Thu before Good Friday, Wed before Ascension Day, the Tuesday before that
    assert column("before_holiday", dt.date(2026, 4, 2), dt.date(2026, 5, 13), dt.date(2026, 5, 12)) == [1, 1, 0]


def test_bridge_day_is_an_open_day_between_a_holiday_and_a_weekend():
    # Fri after Ascension Day; Mon before Tue 2028-10-03 (German Unity Day); Wed before Ascension (Tue is open)
    assert column("bridge_day", dt.date(2026, 5, 15), dt.date(2028, 10, 2), dt.date(2026, 5, 13)) == [1, 1, 0]


# --- short days, between the years, weekday and trend -------------------------------------------------------

def test_short_day_is_the_log_of_the_open_share_on_christmas_eve():
    # Thu 24 Dec 2026 opens 6 of the usual 12 hours; Wed 23 Dec is a full day; Sat 26 Dec is closed
    values = column("short_day", dt.date(2026, 12, 24), dt.date(2026, 12, 23), dt.date(2026, 12, 26))
    assert values == [pytest.approx(math.log(0.5)), 0.0, 0.0]


def test_between_years_marks_27_to_30_december():
    days = date_range(dt.date(2026, 12, 26), dt.date(2027, 1, 1))
    assert column("between_years", *days) == [0, 1, 1, 1, 1, 0, 0]


def test_weekday_columns_are_one_hot_and_trend_counts_years_from_the_reference():
    days = [dt.date(2026, 3, 2), dt.date(2026, 3, 8)]   # Monday, Sunday
    table = feature_table(SITE, days, {}, reference=dt.date(2025, 3, 2))
    assert table.loc[days[0], [f"weekday_{w}" for w in range(7)]].tolist() == [1, 0, 0, 0, 0, 0, 0]
    assert table.loc[days[1], [f"weekday_{w}" for w in range(7)]].tolist() == [0, 0, 0, 0, 0, 0, 1]
    assert table["trend_years"].tolist() == pytest.approx([365 / 365.25, 371 / 365.25])


# --- FeatureSpec ----------------------------------------------------------------------------------------------

TABLE = feature_table(SITE, [D], {"bill_mailing": {D: 1.0}, "outage": {D: 1.0}}, reference=D)


def test_feature_spec_drops_yearly_trend_and_unlisted_event_kinds():
    kept = FeatureSpec(yearly=False, event_kinds=("bill_mailing",), trend=False).columns(TABLE)
    assert not any(c.startswith(("year_", "event_outage")) for c in kept)
    assert "trend_years" not in kept
    assert [c for c in kept if c.startswith("event_")] == [f"event_bill_mailing_lag{lo}-{hi}"
                                                            for lo, hi in EVENT_LAG_BINS]
    assert {"weekday_0", "after_holiday", "before_holiday", "bridge_day", "short_day", "between_years"} <= set(kept)


def test_feature_spec_keeps_everything_when_asked():
    kept = FeatureSpec(yearly=True, event_kinds=("bill_mailing", "outage"), trend=True).columns(TABLE)
    assert kept == list(TABLE.columns)
    assert len([c for c in kept if c.startswith("year_")]) == 2 * YEARLY_HARMONICS
