"""Rolling-origin backtests: which origins, which events the forecaster may know, and the scored rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import forecasts.backtest as backtest_module
from forecasts.backtest import covers_event, default_origins, known_at, run_backtest, summary
from forecasts.daily import daily_totals
from tests.forecasts import synthetic
from tests.forecasts.synthetic import SITE  # Mon-Fri 08:00-12:00: 16 quarter-hours a day


def span(first: str, last: str) -> pd.DataFrame:
    """A history of two rows: default_origins only reads its first and last interval."""
    starts = pd.to_datetime([first, last], utc=True).tz_convert("Europe/Berlin")
    return pd.DataFrame({"queue": "billing", "interval_start": starts, "offered": [1, 1]})


YEAR = span("2025-06-02T08:00+02:00", "2026-05-29T11:45+02:00")   # Mon 2 June 2025 to Fri 29 May 2026
BILLS = synthetic.events((dt.date(2025, 11, 4), dt.date(2026, 3, 3), dt.date(2026, 3, 5)))   # two waves
OUTAGE = synthetic.events((dt.date(2026, 4, 14),), kind="outage")
EVENTS = pd.concat([BILLS, OUTAGE], ignore_index=True)


def test_default_origins_are_sundays_with_a_full_horizon_after_them():
    origins = default_origins(YEAR, SITE, EVENTS, count=4, horizon_days=28)
    assert len(origins) <= 4
    assert all(o.weekday() == 6 for o in origins)
    assert all(o + dt.timedelta(days=28) <= dt.date(2026, 5, 29) for o in origins)
    assert min(origins) >= dt.date(2025, 6, 2) + dt.timedelta(weeks=8)


def test_half_of_the_origins_fall_just_before_waves_of_planned_events():
    # the last Sundays at least 3 days before the waves of 4 Nov and 3 Mar; the outage wave of 14 Apr is not
    # planned, so it gets none; the other two spread over the year (the first and last free Sunday)
    assert default_origins(YEAR, SITE, EVENTS, count=4, horizon_days=28) == [
        dt.date(2025, 8, 3), dt.date(2025, 10, 26), dt.date(2026, 2, 22), dt.date(2026, 4, 26)]


def test_without_events_the_origins_spread_evenly():
    assert default_origins(YEAR, SITE, None, count=4, horizon_days=28) == [
        dt.date(2025, 8, 3), dt.date(2025, 11, 2), dt.date(2026, 1, 25), dt.date(2026, 4, 26)]


def test_a_history_too_short_for_the_horizon_is_refused():
    short = span("2026-03-02T08:00+01:00", "2026-05-29T11:45+02:00")
    with pytest.raises(ValueError) as refused:
        default_origins(short, SITE, None, horizon_days=42)
    assert str(refused.value) == ("the history (2026-03-02 to 2026-05-29) is too short for a backtest with a "
                                  "42-day horizon; it needs at least 8 weeks of training plus the horizon")


def test_a_backtest_needs_at_least_one_origin():
    with pytest.raises(ValueError) as refused:
        default_origins(YEAR, SITE, None, count=0)
    assert str(refused.value) == "the backtest needs at least one origin (got 0)"


def test_known_at_hides_future_outages_but_keeps_planned_future_events():
    known = known_at(EVENTS, dt.date(2026, 3, 1))
    assert list(zip(known["date"], known["event"], strict=True)) == [
        (dt.date(2025, 11, 4), "bill_mailing"), (dt.date(2026, 3, 3), "bill_mailing"),
        (dt.date(2026, 3, 5), "bill_mailing")]
    assert len(known_at(EVENTS, dt.date(2026, 4, 14))) == 4   # on the day, the outage is known


# --- a small backtest ---------------------------------------------------------------------------------------------

ORIGIN = dt.date(2026, 3, 29)   # Sunday; the 14 days after it hold Good Friday and Easter Monday
TARGETS = [dt.date(2026, 3, d) for d in (30, 31)] + [dt.date(2026, 4, d) for d in (1, 2, 7, 8, 9, 10)]
EVENT_DAYS = (dt.date(2026, 2, 3), dt.date(2026, 3, 3), dt.date(2026, 3, 31))
HISTORY = synthetic.history(dt.date(2026, 1, 5), dt.date(2026, 4, 24), queues=("billing", "chat"),
                            event_days=EVENT_DAYS)
HISTORY_EVENTS = pd.concat([synthetic.events(EVENT_DAYS), synthetic.events((dt.date(2026, 4, 8),), kind="outage")],
                           ignore_index=True)


@pytest.fixture(scope="module")
def result():
    return run_backtest(HISTORY, SITE, HISTORY_EVENTS, origins=[ORIGIN], horizon_days=14)


def test_every_method_and_auto_is_scored_on_every_open_target_day(result):
    counts = result.daily.groupby(["queue", "method"])["date"].apply(list).to_dict()
    methods = ("auto", "calendar", "last_week", "mean_6_weeks")
    assert counts == {(q, m): TARGETS for q in ("billing", "chat") for m in methods}
    assert result.daily["h"].tolist()[:8] == [1, 2, 3, 4, 9, 10, 11, 12]


def test_every_method_and_auto_is_scored_on_every_open_interval(result):
    counts = result.intervals.groupby(["queue", "method"]).size()
    assert set(counts.index.get_level_values("method")) == {"auto", "calendar", "last_week", "mean_6_weeks"}
    assert (counts == len(TARGETS) * 16).all()


def test_daily_actuals_are_the_daily_totals_of_the_history(result):
    actual = daily_totals(HISTORY, SITE).set_index(["queue", "date"])["offered"]
    rows = result.daily
    assert rows["actual"].tolist() == actual.reindex(list(zip(rows["queue"], rows["date"], strict=True))).tolist()


def test_auto_rows_repeat_the_chosen_method(result):
    assert result.choices["origin"].tolist() == [ORIGIN] * 4
    for queue, bucket_method in result.choices.groupby("queue")["method"]:
        [method] = set(bucket_method)   # with no inner backtest every bucket keeps the calendar model
        rows = result.daily[result.daily["queue"] == queue]
        auto = rows[rows["method"] == "auto"]["forecast"].to_numpy()
        assert auto == pytest.approx(rows[rows["method"] == method]["forecast"].to_numpy())


def test_daily_rows_name_the_event_kinds_in_the_horizon(result):
    assert set(result.daily["events"]) == {"bill_mailing;outage"}


def test_the_forecaster_does_not_see_future_outages(monkeypatch):
    seen = []
    real = backtest_module.forecast_queue

    def spy(history, site, queue, origin, targets, events, rng, method):
        seen.append(set(events["event"]))
        return real(history, site, queue, origin, targets, events, rng, method)

    monkeypatch.setattr(backtest_module, "forecast_queue", spy)
    run_backtest(HISTORY[HISTORY["queue"] == "billing"], SITE, HISTORY_EVENTS, origins=[ORIGIN], horizon_days=14)
    assert seen == [{"bill_mailing"}]


def test_summary_gives_wape_bias_and_coverage_per_queue_method_and_horizon():
    frame = pd.DataFrame({"queue": "billing", "method": "calendar", "h": [1, 3], "actual": [10.0, 20.0],
                          "forecast": [12.0, 18.0], "p10": [9.0, 21.0], "p90": [11.0, 25.0]})
    assert summary(frame).to_dict("records") == [
        {"queue": "billing", "method": "calendar", "horizon": "1 day", "wape": 0.2, "bias": 0.2, "coverage": 1.0,
         "n": 1},
        {"queue": "billing", "method": "calendar", "horizon": "2-7 days", "wape": 0.1, "bias": -0.1,
         "coverage": 0.0, "n": 1},
        {"queue": "billing", "method": "calendar", "horizon": "all", "wape": pytest.approx(4 / 30), "bias": 0.0,
         "coverage": 0.5, "n": 2},
    ]


def test_summary_of_a_backtest_has_the_measures(result):
    table = summary(result.daily)
    assert list(table.columns) == ["queue", "method", "horizon", "wape", "bias", "coverage", "n"]
    assert set(table["horizon"]) == {"1 day", "2-7 days", "8-14 days", "all"}
    assert table["coverage"].between(0, 1).all() and (table["wape"] >= table["bias"].abs()).all()


def test_covers_event_selects_the_rows_whose_horizon_holds_the_kind():
    frame = pd.DataFrame({"events": ["bill_mailing;outage", "", "outage", "bill_mailing"]})
    assert covers_event(frame, "bill_mailing").tolist() == [True, False, False, True]
