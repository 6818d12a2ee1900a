"""Daily models: the spreadsheet baselines on hand-made weeks, and the calendar GLM on a synthetic history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasts.daily import daily_totals, date_range
from forecasts.features import event_intensity
from forecasts.models import (
    CalendarGLM,
    HandleTimeModel,
    LastWeek,
    MeanOfWeeks,
    NotEnoughHistory,
    QueueHistory,
    YearAgoScaled,
    candidate_models,
)
from tests.forecasts import synthetic
from tests.forecasts.synthetic import SITE  # Mon-Fri 08:00-12:00 (240 min), 24 Dec 08:00-10:00 (120 min)

NAN = float("nan")


def daily(values: dict[dt.date, float], minutes: dict[dt.date, int] | None = None) -> pd.DataFrame:
    """A daily frame as daily_totals gives it (only the columns the models read)."""
    minutes = minutes or {}
    days = sorted(values)
    return pd.DataFrame({"date": days, "offered": [values[d] for d in days],
                         "open_minutes": [minutes.get(d, 240) for d in days],
                         "handled": [values[d] for d in days], "aht_s": 300.0})


def four_weeks() -> dict[dt.date, float]:
    """Mon 2025-11-24 to Fri 2025-12-19: week k (1-4) has 10k+0 on Monday ... 10k+4 on Friday.

    Wednesday 17 December (week 4) is missing.
    """
    values = {}
    for week in range(4):
        monday = dt.date(2025, 11, 24) + dt.timedelta(weeks=week)
        for weekday in range(5):
            values[monday + dt.timedelta(days=weekday)] = 10.0 * (week + 1) + weekday
    values[dt.date(2025, 12, 17)] = NAN
    return values


ORIGIN = dt.date(2025, 12, 21)   # a Sunday
MON, TUE, WED_SHORT = dt.date(2025, 12, 22), dt.date(2025, 12, 23), dt.date(2025, 12, 24)
DATA = QueueHistory("billing", SITE, daily(four_weeks()), ORIGIN)


# --- baselines ------------------------------------------------------------------------------------------------

def test_candidate_aliases():
    assert [m.alias for m in candidate_models()] == ["last_week", "mean_6_weeks", "year_ago", "calendar"]


def test_last_week_copies_the_same_weekday_of_the_latest_week():
    assert LastWeek().fit(DATA).predict([MON, TUE]).tolist() == [40.0, 41.0]


def test_last_week_skips_a_missing_week_and_scales_to_a_short_day():
    # Wed 17 Dec is missing, so Wed 10 Dec (32) is copied, halved for Christmas Eve's 120 of 240 minutes.
    assert LastWeek().fit(DATA).predict([WED_SHORT]).tolist() == [16.0]


def test_last_week_scales_up_from_a_short_source_day():
    values = {**four_weeks(), WED_SHORT: 30.0}
    data = QueueHistory("billing", SITE, daily(values, {WED_SHORT: 120}), dt.date(2025, 12, 28))
    assert LastWeek().fit(data).predict([dt.date(2025, 12, 31)]).tolist() == [60.0]


def test_last_week_beyond_a_week_ahead_still_copies_the_latest_week_before_the_origin():
    assert LastWeek().fit(DATA).predict([dt.date(2025, 12, 29)]).tolist() == [40.0]


def test_a_closed_target_day_gets_zero():
    assert LastWeek().fit(DATA).predict([dt.date(2025, 12, 25)]).tolist() == [0.0]   # Christmas Day


def test_days_after_the_origin_are_never_used():
    values = {**four_weeks(), MON: 999.0}
    data = QueueHistory("billing", SITE, daily(values), ORIGIN)
    assert LastWeek().fit(data).predict([dt.date(2025, 12, 29)]).tolist() == [40.0]


def test_mean_of_weeks_averages_the_weeks_with_data():
    model = MeanOfWeeks(6).fit(DATA)
    assert model.alias == "mean_6_weeks"
    # Monday (40+30+20+10)/4; Christmas Eve: (32+22+12)/3 halved, the missing Wednesday left out
    assert model.predict([MON, WED_SHORT]).tolist() == [25.0, 11.0]


def test_mean_of_weeks_uses_only_the_last_n_weeks_with_data():
    assert MeanOfWeeks(2).fit(DATA).predict([MON, WED_SHORT]).tolist() == [35.0, 13.5]


def test_a_queue_without_any_observed_day_is_not_enough_history():
    data = QueueHistory("billing", SITE, daily({MON: NAN}), ORIGIN)
    with pytest.raises(NotEnoughHistory, match="^queue billing: no days with data$"):
        LastWeek().fit(data)


def year_of_days(origin: dt.date, days: int, source_value: float = 90.0) -> dict[dt.date, float]:
    """Every date of the last `days` days: 100 a day until 300 days before the origin, 120 after.

    The day 52 weeks before Mon 2026-06-29 (Mon 2025-06-30) has `source_value`; Wed 2025-07-01 is missing.
    """
    values = {d: (100.0 if (origin - d).days >= 300 else 120.0) for d in date_range(origin - dt.timedelta(days=days),
                                                                                  origin)}
    values[dt.date(2025, 6, 30)] = source_value
    values[dt.date(2025, 7, 1)] = NAN
    return values


YEAR_ORIGIN = dt.date(2026, 6, 28)   # a Sunday


def test_year_ago_copies_52_weeks_back_times_the_recent_growth():
    data = QueueHistory("billing", SITE, daily(year_of_days(YEAR_ORIGIN, 440)), YEAR_ORIGIN)
    model = YearAgoScaled().fit(data)
    assert model.ratio == pytest.approx(1.2)   # the last 8 weeks (120) over the same weeks a year before (100)
    assert model.predict([dt.date(2026, 6, 29), dt.date(2026, 7, 1)]).tolist() == pytest.approx([108.0, 120.0])
    # Wed 2026-07-01 has no year-ago day, so the mean of the last six Wednesdays (120) stands in.


def test_year_ago_needs_60_weeks_of_history():
    short = QueueHistory("billing", SITE, daily(year_of_days(YEAR_ORIGIN, 419)), YEAR_ORIGIN)
    with pytest.raises(NotEnoughHistory, match="^queue billing: year_ago needs more than 60 weeks of history$"):
        YearAgoScaled().fit(short)
    YearAgoScaled().fit(QueueHistory("billing", SITE, daily(year_of_days(YEAR_ORIGIN, 420)), YEAR_ORIGIN))


# --- calendar GLM on the synthetic history ---------------------------------------------------------------------

START, END = dt.date(2026, 1, 5), dt.date(2026, 5, 31)   # 21 weeks, origin on a Sunday
NEXT_WEEK = date_range(dt.date(2026, 6, 1), dt.date(2026, 6, 5))   # Mon-Fri, no holiday
EVENT_DAYS = (dt.date(2026, 1, 13), dt.date(2026, 2, 10), dt.date(2026, 3, 10), dt.date(2026, 4, 14),
              dt.date(2026, 5, 12), dt.date(2026, 6, 9))   # Tuesdays, four weeks apart; the last one is ahead


def fitted(history: pd.DataFrame, events: pd.DataFrame | None = None) -> CalendarGLM:
    intensity = event_intensity(events, "billing") if events is not None else {}
    return CalendarGLM().fit(QueueHistory("billing", SITE, daily_totals(history, SITE), END, intensity))


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return synthetic.history(START, END)


def test_calendar_model_reproduces_the_weekday_ratios(clean):
    predicted = fitted(clean).predict(NEXT_WEEK)
    expected = np.array([synthetic.WEEKDAY_FACTOR[d.weekday()] for d in NEXT_WEEK])
    np.testing.assert_allclose(predicted / predicted[2], expected / expected[2], rtol=0.02)


def test_calendar_model_learns_the_uplift_of_an_announced_event():
    history = synthetic.history(START, END, event_days=EVENT_DAYS)
    model = fitted(history, synthetic.events(EVENT_DAYS))
    normal_tuesday, event_tuesday = model.predict([dt.date(2026, 6, 2), dt.date(2026, 6, 9)])
    assert event_tuesday / normal_tuesday == pytest.approx(1 + synthetic.EVENT_UPLIFT[0], rel=0.1)


def test_calendar_model_flags_no_outlier_in_a_clean_history(clean):
    assert fitted(clean).outliers == []


SPIKE = dt.date(2026, 5, 18)   # a Monday, 10x the usual volume, no event


@pytest.fixture(scope="module")
def spiked() -> CalendarGLM:
    return fitted(synthetic.history(START, END, spikes={SPIKE: 10.0}))


def test_calendar_model_flags_an_unannounced_spike(spiked):
    assert SPIKE in spiked.outliers


def test_calendar_model_flags_only_the_spike(spiked):
    assert spiked.outliers == [SPIKE]


def test_an_unannounced_spike_leaves_the_forecast_of_its_weekday_alone(spiked, clean):
    monday = NEXT_WEEK[0]
    assert spiked.predict([monday])[0] == pytest.approx(fitted(clean).predict([monday])[0], rel=0.03)


def test_calendar_model_needs_14_days_with_data(clean):
    short = daily_totals(clean, SITE).iloc[:13]
    data = QueueHistory("billing", SITE, short, short["date"].max())
    with pytest.raises(NotEnoughHistory, match="^queue billing: the calendar model needs at least 14 days with data$"):
        CalendarGLM().fit(data)


# --- handle time ----------------------------------------------------------------------------------------------

def test_handle_time_falls_back_to_the_handled_weighted_mean_on_short_data():
    frame = pd.DataFrame({"date": [dt.date(2025, 12, 18), dt.date(2025, 12, 19), MON], "offered": [1.0, 1.0, 2.0],
                          "open_minutes": 240, "handled": [1.0, 1.0, 2.0], "aht_s": [100.0, 200.0, 400.0]})
    model = HandleTimeModel().fit(QueueHistory("billing", SITE, frame, dt.date(2025, 12, 28)))
    assert model.predict([dt.date(2025, 12, 29), dt.date(2025, 12, 30)]).tolist() == [275.0, 275.0]


def test_handle_time_model_keeps_a_constant_handle_time(clean):
    model = HandleTimeModel().fit(QueueHistory("billing", SITE, daily_totals(clean, SITE), END))
    assert model.predict(NEXT_WEEK) == pytest.approx([synthetic.AHT_S] * 5)
