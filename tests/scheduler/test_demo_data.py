import datetime as dt

import pandas as pd
import pytest

from forecasts.calendar import is_open, open_intervals
from forecasts.site import load_site, parse_site
from scheduler.agents_io import read_absences, read_agents
from scheduler.demo_data import HISTORY_COLUMNS, SIZES, generate_demo, last_sunday, site_toml, write_demo

END = dt.date(2026, 11, 22)  # a Sunday


@pytest.fixture(scope="module")
def demo():
    """The full small demo: 64 weeks from Monday 2025-09-01, with the 2025/26 bill-mailing season."""
    return generate_demo("small", end=END)


@pytest.fixture(scope="module")
def local_dates(demo):
    return demo.history["interval_start"].dt.date


def daily_billing(demo) -> pd.Series:
    billing = demo.history[demo.history["queue"] == "billing"]
    return billing.groupby(billing["interval_start"].dt.date)["offered"].sum()


def test_last_sunday_is_the_end_of_the_last_complete_week():
    assert last_sunday(dt.date(2026, 11, 23)) == dt.date(2026, 11, 22)  # Monday
    assert last_sunday(dt.date(2026, 11, 21)) == dt.date(2026, 11, 15)  # Saturday
    assert last_sunday(dt.date(2026, 11, 22)) == dt.date(2026, 11, 15)  # Sunday: today is not over yet


def test_same_seed_gives_the_same_demo_and_another_seed_another():
    first, again = (generate_demo("small", end=END, weeks=2, seed=7) for _ in range(2))
    pd.testing.assert_frame_equal(first.history, again.history)
    pd.testing.assert_frame_equal(first.events, again.events)
    assert (first.agents, first.absences, first.site_toml) == (again.agents, again.absences, again.site_toml)
    other = generate_demo("small", end=END, weeks=2, seed=8)
    assert not first.history["offered"].equals(other.history["offered"])
    assert first.agents != other.agents


def test_history_covers_the_requested_weeks(demo, local_dates):
    assert list(demo.history.columns) == list(HISTORY_COLUMNS)
    assert local_dates.min() == END - dt.timedelta(weeks=SIZES["small"].history_weeks) + dt.timedelta(days=1)
    assert local_dates.max() == dt.date(2026, 11, 21)  # Saturday; Sunday is closed
    short = generate_demo("small", end=END, weeks=1)
    assert sorted(set(short.history["interval_start"].dt.date)) == [
        dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20, 21)]


def test_no_rows_on_sundays_and_public_holidays(demo, local_dates):
    assert not (demo.history["interval_start"].dt.day_of_week == 6).any()
    days = set(local_dates)
    holidays = {dt.date(2025, 10, 3), dt.date(2025, 10, 31), dt.date(2025, 12, 25), dt.date(2025, 12, 26),
                dt.date(2026, 1, 1), dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 5, 1)}
    assert days & holidays == set()
    assert all(is_open(demo.site, d) for d in days)


def test_every_open_day_has_every_open_interval_of_every_queue(demo, local_dates):
    days = sorted(set(local_dates))
    parts = [open_intervals(demo.site, d) for d in days]
    expected = parts[0].append(parts[1:]).tz_convert("UTC")
    history = demo.history
    assert history["queue"].unique().tolist() == ["billing", "chat", "email", "technical"]
    for _, rows in history.groupby("queue"):
        assert (pd.DatetimeIndex(rows["interval_start"]).tz_convert("UTC") == expected).all()
    # and no open day is missing between the first and the last one
    span = pd.date_range(days[0], days[-1]).date
    assert [d for d in span if is_open(demo.site, d)] == days


def test_short_days_on_24_and_31_december(demo):
    starts = demo.history.loc[demo.history["queue"] == "billing", "interval_start"]
    for day in (dt.date(2025, 12, 24), dt.date(2025, 12, 31)):
        on_day = starts[starts.dt.date == day]
        assert (on_day.min().strftime("%H:%M"), on_day.max().strftime("%H:%M"), len(on_day)) == ("08:00", "13:45", 24)


def test_local_times_around_the_change_to_summer_time(demo):
    starts = demo.history.loc[demo.history["queue"] == "chat", "interval_start"]
    assert str(starts.dt.tz) == "Europe/Berlin"
    saturday = starts[starts.dt.date == dt.date(2026, 3, 28)]
    monday = starts[starts.dt.date == dt.date(2026, 3, 30)]
    assert [saturday.min().isoformat(), saturday.max().isoformat(), len(saturday)] == [
        "2026-03-28T09:00:00+01:00", "2026-03-28T13:45:00+01:00", 20]
    assert [monday.min().isoformat(), monday.max().isoformat(), len(monday)] == [
        "2026-03-30T08:00:00+02:00", "2026-03-30T19:45:00+02:00", 48]
    local = demo.history["interval_start"]
    assert ((local.dt.minute % 15 == 0) & (local.dt.second == 0)).all()


def test_counts_and_handle_times_are_consistent(demo):
    h = demo.history
    assert (h["handled"] + h["abandoned"] == h["offered"]).all()
    assert (h[["offered", "handled", "abandoned"]] >= 0).all().all()
    assert (h["aht_s"].isna() == (h["handled"] == 0)).all()
    assert (h.loc[h["queue"] == "email", "abandoned"] == 0).all()
    mean_aht = h.groupby("queue").apply(lambda g: (g["aht_s"] * g["handled"]).sum() / g["handled"].sum(),
                                        include_groups=False)
    assert mean_aht.between([280, 450, 400, 500], [350, 560, 480, 640]).all(), mean_aht


def test_counts_are_over_dispersed(demo):
    h = demo.history
    starts = h["interval_start"]
    quiet = (h["queue"] == "billing") & (starts.dt.strftime("%H:%M") == "10:00") \
        & starts.dt.day_of_week.between(1, 3) & starts.dt.month.between(3, 6)
    counts = h.loc[quiet, "offered"]
    assert counts.var() > 1.3 * counts.mean()


def test_year_end_bill_mailings_drive_a_billing_peak(demo):
    events = demo.events
    mailings = events[events["event"] == "bill_mailing"]
    assert mailings["queue"].isna().all() and (mailings["size"] > 0).all()
    season = [d for d in mailings["date"] if dt.date(2025, 12, 1) <= d <= dt.date(2026, 1, 31)]
    assert len(season) >= 4
    weeks = {d - dt.timedelta(days=d.weekday()) for d in season}
    daily = daily_billing(demo)
    in_weeks = daily[[d - dt.timedelta(days=d.weekday()) in weeks for d in daily.index]]
    november = daily[[(d.year, d.month) == (2025, 11) for d in daily.index]]
    assert in_weeks.mean() >= 1.5 * november.mean()


def test_events_include_the_next_season_and_past_price_letters_and_outages(demo):
    events = demo.events
    assert list(events.columns) == ["date", "event", "queue", "size"]
    future = events.loc[(events["event"] == "bill_mailing") & (events["date"] > END), "date"]
    assert len(future) >= 3 and future.max() <= dt.date(2027, 1, 31)
    past = events[events["date"] <= END]
    assert set(past.loc[past["event"] == "price_letter", "queue"]) == {"billing"}
    assert set(past.loc[past["event"] == "outage", "queue"]) == {"technical"}
    assert past.loc[past["event"] == "outage", "size"].isna().all()
    assert all(isinstance(d, dt.date) for d in events["date"])
    assert events["date"].is_monotonic_increasing


def test_agents(demo):
    agents = demo.agents
    assert [a.agent_id for a in agents] == [f"A{i:03d}" for i in range(1, 26)]
    assert len({a.name for a in agents}) == 25
    assert {a.team for a in agents} == {"Team Nord", "Team Süd"}
    assert all({"billing", "technical"} & set(a.skills) for a in agents)
    assert {q for a in agents for q in a.skills} == {"billing", "technical", "chat", "email"}
    assert sorted({a.weekly_hours for a in agents}) == [20.0, 30.0, 40.0]
    bands = demo.site.extra["pay_bands"]
    for a in agents:
        low, high = bands[a.level]
        assert low <= a.monthly_pay_eur <= high and a.monthly_pay_eur % 10 == 0
    assert sum(a.level == "entry" for a in agents) == 9  # 35 % of 25


def test_write_demo_round_trips(demo, tmp_path):
    paths = write_demo(demo, tmp_path / "demo")
    assert sorted(paths) == ["absences.csv", "agents.csv", "events.csv", "history.csv", "site.toml"]
    assert all(p.is_file() for p in paths.values())
    site = load_site(paths["site.toml"])
    assert site == demo.site and site.extra["costs"] == {"employer_cost_factor": 1.21}
    assert read_agents(paths["agents.csv"], site) == demo.agents
    absences = read_absences(paths["absences.csv"], site, agent_ids={a.agent_id for a in demo.agents})
    assert absences == demo.absences
    assert {a.reason for a in absences} == {"vacation", "sick"}
    assert all(a.start.date() > END and a.end.date() <= END + dt.timedelta(weeks=6) for a in absences)
    history_lines = paths["history.csv"].read_text(encoding="utf-8").splitlines()
    assert history_lines[0] == "queue,interval_start,offered,handled,abandoned,aht_s"
    first = demo.history.iloc[0]
    assert history_lines[1] == (f"billing,2025-09-01T08:00:00+02:00,{first.offered},{first.handled},"
                                f"{first.abandoned},{first.aht_s:.1f}")
    assert len(history_lines) == len(demo.history) + 1
    events_lines = paths["events.csv"].read_text(encoding="utf-8").splitlines()
    assert events_lines[0] == "date,event,queue,size"
    assert any(line.endswith(",outage,technical,") for line in events_lines)


def test_christmas_eve_on_a_sunday_stays_closed():
    site = parse_site(site_toml())
    assert not is_open(site, dt.date(2023, 12, 24)) and not is_open(site, dt.date(2028, 12, 31))
    assert is_open(site, dt.date(2025, 12, 24)) and is_open(site, dt.date(2027, 12, 31))


def test_unknown_size_and_bad_weeks():
    with pytest.raises(ValueError, match="unknown demo size 'huge'; use one of small, large"):
        generate_demo("huge")
    with pytest.raises(ValueError, match="at least one week"):
        generate_demo("small", end=END, weeks=0)
