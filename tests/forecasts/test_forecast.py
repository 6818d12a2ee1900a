"""The forecast() orchestrator: the frame's shape, its bands, no look-ahead, refusals with their exact text."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import forecasts.forecast as orchestrator
from forecasts.calendar import open_intervals
from forecasts.daily import daily_totals, date_range
from forecasts.forecast import (
    FORECAST_COLUMNS,
    QueueForecast,
    choose,
    forecast,
    inner_origins,
    method_frames,
)
from forecasts.models import QueueHistory
from tests.forecasts import synthetic
from tests.forecasts.synthetic import SITE  # Mon-Fri 08:00-12:00: 16 quarter-hours a day

FIRST, LAST = dt.date(2026, 1, 5), dt.date(2026, 5, 8)   # 18 weeks, Monday to Friday
START = dt.date(2026, 5, 11)                              # a Monday; Thu 14 May is Ascension Day
HORIZON = date_range(START, START + dt.timedelta(days=13))
OPEN_DAYS = [d for d in HORIZON if d.weekday() < 5 and d != dt.date(2026, 5, 14)]
HISTORY = synthetic.history(FIRST, LAST, queues=("billing", "chat"))


@pytest.fixture(scope="module")
def result():
    return forecast(HISTORY, SITE, START, 14)


def test_the_frame_has_exactly_the_forecast_columns(result):
    assert list(result.frame.columns) == list(FORECAST_COLUMNS) == [
        "queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90"]


def test_every_open_interval_of_every_open_day_for_every_queue_and_nothing_else(result):
    expected = {(q, t) for q in ("billing", "chat") for d in OPEN_DAYS for t in open_intervals(SITE, d)}
    got = set(zip(result.frame["queue"], result.frame["interval_start"], strict=True))
    assert len(result.frame) == len(expected) == 2 * 9 * 16
    assert got == expected


def test_interval_bands_are_ordered(result):
    assert (result.frame["offered_p10"] <= result.frame["offered_p90"]).all()


def test_every_interval_gets_the_handle_time_of_the_history(result):
    assert result.frame["aht_s"].to_numpy() == pytest.approx(np.full(len(result.frame), synthetic.AHT_S))


def test_daily_bands_are_ordered(result):
    assert (result.daily["offered_p10"] <= result.daily["offered_p90"]).all()


def test_the_intervals_of_a_day_add_up_to_its_daily_forecast(result):
    frame = result.frame.assign(date=[t.date() for t in result.frame["interval_start"]])
    by_day = frame.groupby(["queue", "date"])["offered"].sum()
    daily = result.daily.set_index(["queue", "date"])["offered"]
    assert by_day.to_numpy() == pytest.approx(daily.reindex(by_day.index).to_numpy())


def test_without_backtest_errors_a_wide_band_surrounds_the_daily_point():
    short = synthetic.history(dt.date(2026, 3, 2), LAST)   # 10 weeks: too short for inner backtests
    daily = forecast(short, SITE, START, 14).daily
    assert (daily["offered_p10"] < daily["offered"]).all() and (daily["offered"] < daily["offered_p90"]).all()


def test_only_history_before_the_start_is_used():
    longer = synthetic.history(FIRST, dt.date(2026, 5, 29))
    later = [t.date() >= START for t in longer["interval_start"]]
    tampered = longer.assign(offered=np.where(later, longer["offered"] * 10, longer["offered"]))
    pd.testing.assert_frame_equal(forecast(longer, SITE, START, 14).frame, forecast(tampered, SITE, START, 14).frame)


def test_last_week_method_copies_the_latest_week_of_actuals():
    history = HISTORY[HISTORY["queue"] == "billing"]
    actual = daily_totals(history, SITE).set_index("date")["offered"]
    daily = forecast(history, SITE, START, 14, method="last_week").daily.set_index("date")["offered"]
    expected = [actual[d - dt.timedelta(weeks=1 if d < dt.date(2026, 5, 18) else 2)] for d in OPEN_DAYS]
    assert daily.loc[OPEN_DAYS].tolist() == expected


def test_an_announced_event_lifts_the_forecast_of_its_day():
    event_days = (dt.date(2026, 1, 13), dt.date(2026, 2, 10), dt.date(2026, 3, 10), dt.date(2026, 4, 14),
                  dt.date(2026, 5, 19))   # Tuesdays; the last one lies in the horizon
    history = synthetic.history(FIRST, LAST, event_days=event_days)
    daily = forecast(history, SITE, START, 14, events=synthetic.events(event_days), method="calendar").daily
    offered = daily.set_index("date")["offered"]
    assert offered[dt.date(2026, 5, 19)] / offered[dt.date(2026, 5, 12)] > 1.5


def test_a_horizon_of_closed_days_gives_an_empty_frame_with_the_columns():
    frame = forecast(HISTORY, SITE, dt.date(2026, 5, 16), 2).frame   # Saturday and Sunday
    assert frame.empty and list(frame.columns) == list(FORECAST_COLUMNS)


def test_progress_is_reported_per_queue():
    calls = []
    forecast(HISTORY, SITE, START, 1, method="last_week", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


# --- refusals and fallbacks -------------------------------------------------------------------------------------

def test_a_queue_of_all_zeros_is_forecast_as_zero_with_a_note():
    history = HISTORY.assign(offered=np.where(HISTORY["queue"] == "chat", 0, HISTORY["offered"]))
    result = forecast(history, SITE, START, 14)
    chat = result.frame[result.frame["queue"] == "chat"]
    assert len(chat) == 9 * 16
    assert (chat[["offered", "offered_p10", "offered_p90"]] == 0.0).all().all()
    assert result.notes == ["queue chat: every day in the history had zero contacts; forecasting zero"]
    assert result.choices["chat"] == {"1-7 days": "zero", "8+ days": "zero"}


def test_a_single_week_of_history_is_refused_naming_the_queue():
    week = synthetic.history(dt.date(2026, 5, 4), LAST)
    with pytest.raises(ValueError) as refused:
        forecast(week, SITE, START, 14)
    assert str(refused.value) == ("queue billing has only 5 open days with data (days: 2026-05-04 to 2026-05-08); "
                                  "the forecast needs at least 14 days, better a year or more")


def test_events_naming_an_unknown_queue_are_refused():
    with pytest.raises(ValueError) as refused:
        forecast(HISTORY, SITE, START, 14, events=synthetic.events((START,), queue="sales"))
    assert str(refused.value) == ("events name unknown queue(s) sales; use a queue of the site (billing, chat) "
                                  "or leave queue empty for all queues")


def test_a_history_queue_unknown_to_the_site_is_refused():
    with pytest.raises(ValueError) as refused:
        forecast(HISTORY.assign(queue="sales"), SITE, START, 14)
    assert str(refused.value) == "history queue(s) sales are not in the site; add them to site.toml"


def test_an_empty_history_is_refused():
    with pytest.raises(ValueError) as refused:
        forecast(HISTORY.iloc[:0], SITE, START, 14)
    assert str(refused.value) == "the history is empty; import at least two weeks of contacts per queue"


def test_a_horizon_under_one_day_is_refused():
    with pytest.raises(ValueError) as refused:
        forecast(HISTORY, SITE, START, 0)
    assert str(refused.value) == "the horizon must be at least one day (got 0)"


def test_a_start_before_the_history_is_refused():
    with pytest.raises(ValueError, match=f"the history only begins on {FIRST}"):
        forecast(HISTORY, SITE, FIRST - dt.timedelta(days=7), 7)


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method 'prophet'; use one of auto, "):
        forecast(HISTORY, SITE, START, 14, method="prophet")


def test_an_unknown_method_is_refused_listing_the_methods():
    with pytest.raises(ValueError) as refused:
        forecast(HISTORY, SITE, START, 14, method="prophet")
    message = str(refused.value)
    assert all(alias in message for alias in ("last_week", "mean_6_weeks", "year_ago", "calendar", "auto")), message


def test_after_a_gap_the_model_is_chosen_by_the_days_ahead_of_the_data(monkeypatch):
    monkeypatch.setattr(orchestrator, "choose", lambda errors, models: {(1, 7): "calendar", (8, 10_000): "last_week"})
    start = LAST + dt.timedelta(days=31)   # Mon 2026-06-08, a month after the last data
    daily = forecast(HISTORY[HISTORY["queue"] == "billing"], SITE, start, 7).daily
    assert set(daily["method"]) == {"last_week"}


# --- model choice -----------------------------------------------------------------------------------------------

def errors(scores: dict[str, float], origins: int = 1) -> pd.DataFrame:
    """Backtest rows at horizon 1 with actual 100 and forecast 100 (1 + wape) per method and origin."""
    rows = [{"method": m, "origin": dt.date(2026, 1, 4) + dt.timedelta(weeks=o), "h": 1, "actual": 100.0,
             "forecast": 100.0 * (1 + w)} for m, w in scores.items() for o in range(origins)]
    return pd.DataFrame(rows)


MODELS = dict.fromkeys(("last_week", "mean_6_weeks", "calendar"))


def test_choose_keeps_the_calendar_model_unless_another_is_better_by_ten_percent():
    assert choose(errors({"calendar": 0.100, "last_week": 0.091}, origins=4), MODELS)[(1, 7)] == "calendar"
    assert choose(errors({"calendar": 0.100, "last_week": 0.089}, origins=4), MODELS)[(1, 7)] == "last_week"


def test_choose_needs_four_origins_of_evidence_to_switch():
    assert choose(errors({"calendar": 0.100, "last_week": 0.050}, origins=3), MODELS)[(1, 7)] == "calendar"


def test_choose_needs_the_challenger_to_win_on_three_quarters_of_the_origins():
    rows = errors({"calendar": 0.100, "last_week": 0.010}, origins=4)
    # On the last origin the challenger is far worse: it still wins 3 of 4 origins and overall.
    rows.loc[(rows["method"] == "last_week") & (rows["origin"] == rows["origin"].max()), "forecast"] = 130.0
    assert choose(rows, MODELS)[(1, 7)] == "last_week"
    rows.loc[(rows["method"] == "last_week") & (rows["origin"] == rows["origin"].min()), "forecast"] = 111.0
    assert choose(rows, MODELS)[(1, 7)] == "calendar"


def test_choose_falls_back_to_the_calendar_model_without_errors_in_a_bucket():
    assert choose(errors({"calendar": 0.5, "last_week": 0.1}), MODELS)[(8, 10_000)] == "calendar"


def test_choose_lets_only_methods_scored_on_every_origin_compete():
    full = errors({"calendar": 0.10, "last_week": 0.20}, origins=2)
    partial = errors({"mean_6_weeks": 0.01}, origins=1)
    assert choose(pd.concat([full, partial], ignore_index=True), MODELS)[(1, 7)] == "calendar"


def test_inner_origins_spread_over_the_training_history_leaving_a_full_horizon():
    daily = daily_totals(synthetic.history(FIRST, dt.date(2026, 5, 29)), SITE)
    data = QueueHistory("billing", SITE, daily, dt.date(2026, 5, 31))
    # latest 31 May - 42 days = 19 April; earliest 5 Jan + 8 weeks = 2 March; 48 days apart, 7 origins 8 days apart
    assert inner_origins(data) == [dt.date(2026, 3, 2) + dt.timedelta(days=8 * i) for i in range(7)]


def test_inner_origins_are_none_on_a_short_history():
    daily = daily_totals(synthetic.history(dt.date(2026, 3, 2), LAST), SITE)
    assert inner_origins(QueueHistory("billing", SITE, daily, LAST)) == []


def test_auto_takes_each_horizon_bucket_from_its_chosen_method():
    days = date_range(dt.date(2026, 6, 1), dt.date(2026, 6, 10))
    frames = {m: pd.DataFrame({"date": days, "offered": value, "offered_p10": value, "offered_p90": value,
                               "aht_s": 300.0}) for m, value in (("calendar", 1.0), ("last_week", 2.0))}
    intervals = {m: f.assign(interval_start=[pd.Timestamp(d, tz="Europe/Berlin") for d in days])
                 for m, f in frames.items()}
    result = QueueForecast("billing", dt.date(2026, 5, 31), intervals, frames,
                           {(1, 7): "calendar", (8, 10_000): "last_week"}, [])
    frame_i, frame_d = method_frames(result, "auto")
    assert frame_d["offered"].tolist() == [1.0] * 7 + [2.0] * 3
    assert frame_d["method"].tolist() == ["calendar"] * 7 + ["last_week"] * 3
    assert frame_i["offered"].tolist() == [1.0] * 7 + [2.0] * 3
