"""The calendar: Brandenburg holidays, special days and DST-correct open intervals."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from forecasts.calendar import day_intervals, holiday_name, is_open, open_intervals, opening_ranges
from forecasts.site import OpeningRange, parse_site

SITE_TEXT = """
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
sat = "09:00-14:00"
sun = "00:00-24:00"
[site.special_days]
"12-24" = "08:00-14:00"
"2029-12-24" = "closed"
[queues.q]
channel = "phone"
service_level = 0.8
answer_within_s = 20
"""
SITE = parse_site(SITE_TEXT)


def test_brandenburg_holidays_include_easter_sunday_whit_sunday_and_reformation_day():
    assert holiday_name(SITE, dt.date(2026, 4, 5)) is not None      # Easter Sunday
    assert holiday_name(SITE, dt.date(2026, 5, 24)) is not None     # Whit Sunday
    assert holiday_name(SITE, dt.date(2026, 10, 31)) is not None    # Reformation Day
    assert holiday_name(SITE, dt.date(2026, 11, 18)) is None        # Buß- und Bettag is Saxony only


def test_holidays_close_the_site_unless_it_opens_on_holidays():
    assert not is_open(SITE, dt.date(2027, 10, 31))  # a Sunday, but a holiday
    assert is_open(SITE, dt.date(2027, 11, 7))       # an ordinary Sunday


def test_special_days_override_weekday_hours_and_dated_beats_yearly():
    assert opening_ranges(SITE, dt.date(2029, 12, 24)) == ()
    assert opening_ranges(SITE, dt.date(2035, 12, 24)) == (OpeningRange(480, 840),)


def test_fall_back_sunday_has_100_quarter_hours():
    day = dt.date(2026, 10, 25)
    assert len(day_intervals(SITE, day)) == 100 and len(open_intervals(SITE, day)) == 100
    starts = open_intervals(SITE, day)
    assert starts[0] == pd.Timestamp("2026-10-25T00:00:00+02:00")
    assert starts[-1] == pd.Timestamp("2026-10-25T23:45:00+01:00")


def test_spring_forward_sunday_has_92_quarter_hours_and_skips_the_gap():
    starts = open_intervals(SITE, dt.date(2026, 3, 29))
    assert len(starts) == 92
    assert [t.strftime("%H:%M%z") for t in starts[7:9]] == ["01:45+0100", "03:00+0200"]


def test_ordinary_monday_opens_48_intervals_in_local_time():
    starts = open_intervals(SITE, dt.date(2026, 12, 7))
    assert len(starts) == 48 and starts[0].isoformat() == "2026-12-07T08:00:00+01:00"
    assert starts[-1].isoformat() == "2026-12-07T19:45:00+01:00"


def test_a_yearly_short_day_does_not_open_a_closed_day_but_a_dated_one_does():
    site = parse_site(SITE_TEXT.replace('sun = "00:00-24:00"', "").replace('"2029-12-24" = "closed"',
                                                                           '"2028-12-24" = "10:00-12:00"'))
    assert opening_ranges(site, dt.date(2023, 12, 24)) == ()                        # a Sunday
    assert opening_ranges(site, dt.date(2028, 12, 24)) == (OpeningRange(600, 720),)  # a Sunday, dated entry
    assert opening_ranges(site, dt.date(2029, 12, 24)) == (OpeningRange(480, 840),)  # a Monday
