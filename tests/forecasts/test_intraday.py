"""Intraday profiles: shares by wall-clock slot that sum to one on every day, DST days and short days included."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasts.calendar import open_intervals
from forecasts.daily import date_range
from forecasts.intraday import IntradayProfile, fit_profile, share_of_slots, slot_minutes, spread
from forecasts.site import parse_site
from tests.forecasts import synthetic

# Monday to Friday 08:00-12:00, Sunday round the clock, Christmas Eve 08:00-10:00.
SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-12:00"
tue = "08:00-12:00"
wed = "08:00-12:00"
thu = "08:00-12:00"
fri = "08:00-12:00"
sun = "00:00-24:00"
[site.special_days]
"12-24" = "08:00-10:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
""")


def history(rows: list[tuple[str, int]]) -> pd.DataFrame:
    """One queue's rows from (local time with offset, offered)."""
    return pd.DataFrame({"queue": "billing",
                         "interval_start": pd.to_datetime([t for t, _ in rows], utc=True).tz_convert("Europe/Berlin"),
                         "offered": np.array([n for _, n in rows], dtype="int64")})


# Mon 30+10, Tue 10+30, Wed 20 at 08:00 only: pooled 60 at 08:00 and 40 at 08:15
TINY = history([("2026-03-02T08:00+01:00", 30), ("2026-03-02T08:15+01:00", 10),
                ("2026-03-03T08:00+01:00", 10), ("2026-03-03T08:15+01:00", 30),
                ("2026-03-04T08:00+01:00", 20)])


def test_pooled_profile_is_the_share_of_all_contacts_per_wall_clock_slot():
    assert fit_profile(TINY, SITE, dt.date(2026, 3, 4)).pooled_share == pytest.approx({480: 0.6, 495: 0.4})


def test_weekday_profile_mixes_in_300_contacts_of_the_pooled_profile():
    shares = fit_profile(TINY, SITE, dt.date(2026, 3, 4)).weekday_share
    assert shares[0] == pytest.approx({480: (30 + 180) / 340, 495: (10 + 120) / 340})


def test_a_slot_the_weekday_never_had_comes_from_the_pooled_profile():
    # Wednesday had no 08:15 row: 08:00 gets 20 + 300 x 0.6, 08:15 gets 0 + 300 x 0.4
    shares = fit_profile(TINY, SITE, dt.date(2026, 3, 4)).weekday_share
    assert shares[2] == pytest.approx({480: 200 / 320, 495: 120 / 320})


def test_only_the_last_eight_weeks_before_the_origin_count():
    old = history([("2026-01-05T08:30+01:00", 1000)])   # Monday, nine weeks before the origin
    profile = fit_profile(pd.concat([old, TINY], ignore_index=True), SITE, dt.date(2026, 3, 4))
    assert profile.pooled_share == pytest.approx({480: 0.6, 495: 0.4})


PROFILE = IntradayProfile(weekday_share={0: {480: 0.5, 495: 0.5}}, pooled_share={480: 0.25, 495: 0.25, 510: 0.5},
                          aht_ratio={}, dispersion=0.0)


def test_share_of_slots_falls_back_to_the_pooled_share_for_a_missing_slot():
    assert share_of_slots(PROFILE, 0, np.array([480, 495, 510])) == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_share_of_slots_uses_the_pooled_profile_for_a_weekday_without_history():
    assert share_of_slots(PROFILE, 6, np.array([480, 495, 510])) == pytest.approx([0.25, 0.25, 0.5])


def test_share_of_slots_gives_a_slot_unknown_everywhere_the_mean_of_the_known_ones():
    # 0.25 and 0.5 known, 10:00 unknown gets their mean 0.375; then all three are scaled to sum to one
    assert share_of_slots(PROFILE, 6, np.array([495, 510, 600])) == pytest.approx([2 / 9, 4 / 9, 3 / 9])


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(range(0, 1440, 15)), st.floats(0, 1), max_size=20),
       st.dictionaries(st.sampled_from(range(0, 1440, 15)), st.floats(0, 1), max_size=20),
       st.lists(st.sampled_from(range(0, 1440, 15)), min_size=1, max_size=30))
def test_share_of_slots_always_sums_to_one(own, pooled, slots):
    profile = IntradayProfile({0: own}, pooled, {}, 0.0)
    shares = share_of_slots(profile, 0, np.array(slots))
    assert shares.sum() == pytest.approx(1.0) and (shares >= 0).all()


@pytest.fixture(scope="module")
def weekday_profile() -> IntradayProfile:
    return fit_profile(synthetic.history(dt.date(2026, 1, 5), dt.date(2026, 3, 1)), SITE, dt.date(2026, 3, 1))


def test_spread_gives_every_open_interval_a_share_and_the_shares_of_a_day_sum_to_one(weekday_profile):
    days = date_range(dt.date(2026, 3, 2), dt.date(2026, 3, 8))   # Mon-Fri open, Saturday closed, Sunday 24 h
    frame = spread(weekday_profile, SITE, days, np.full(7, 1000.0))
    assert frame.groupby("date").size().to_dict() == {**{d: 16 for d in days[:5]}, days[6]: 96}
    assert frame.groupby("date")["share"].sum().to_numpy() == pytest.approx(np.ones(6))
    assert frame["offered"].to_numpy() == pytest.approx(1000.0 * frame["share"].to_numpy())


def test_a_short_day_gets_only_its_open_slots_in_the_weekday_proportions(weekday_profile):
    christmas_eve = dt.date(2026, 12, 24)   # a Thursday, open 08:00-10:00
    frame = spread(weekday_profile, SITE, [christmas_eve], np.array([800.0]))
    slots = list(range(480, 600, 15))
    assert slot_minutes(frame["interval_start"], SITE).tolist() == slots
    thursday = np.array([weekday_profile.weekday_share[3][s] for s in slots])
    assert frame["share"].to_numpy() == pytest.approx(thursday / thursday.sum())


def test_a_closed_day_gets_no_intervals(weekday_profile):
    frame = spread(weekday_profile, SITE, [dt.date(2026, 3, 7)], np.array([500.0]))   # Saturday
    assert frame.empty and list(frame.columns) == ["interval_start", "date", "share", "offered"]


@pytest.fixture(scope="module")
def sunday_profile() -> IntradayProfile:
    """Three ordinary Sundays, round the clock, with (local hour + 1) contacts per quarter-hour."""
    rows = [(t.isoformat(), t.hour + 1) for day in (dt.date(2026, 3, 8), dt.date(2026, 3, 15), dt.date(2026, 3, 22))
            for t in open_intervals(SITE, day)]
    return fit_profile(history(rows), SITE, dt.date(2026, 3, 22))


def test_spring_forward_sunday_gets_92_intervals_whose_shares_sum_to_one(sunday_profile):
    frame = spread(sunday_profile, SITE, [dt.date(2026, 3, 29)], np.array([1000.0]))
    assert len(frame) == 92
    assert frame["share"].sum() == pytest.approx(1.0)
    assert 120 not in slot_minutes(frame["interval_start"], SITE)   # 02:00 does not exist that night


def test_fall_back_sunday_gets_100_intervals_whose_shares_sum_to_one(sunday_profile):
    frame = spread(sunday_profile, SITE, [dt.date(2026, 10, 25)], np.array([1000.0]))
    assert len(frame) == 100
    assert frame["share"].sum() == pytest.approx(1.0)
    twice = frame[slot_minutes(frame["interval_start"], SITE) == 120]   # 02:00 happens twice
    assert len(twice) == 2 and twice["share"].iloc[0] == twice["share"].iloc[1]


def test_slot_minutes_are_wall_clock_minutes_after_local_midnight():
    starts = pd.DatetimeIndex(pd.to_datetime(["2026-03-29T01:45+01:00", "2026-03-29T03:00+02:00",
                                              "2026-10-25T02:00+01:00"], utc=True))
    assert slot_minutes(starts, SITE).tolist() == [105, 180, 120]
