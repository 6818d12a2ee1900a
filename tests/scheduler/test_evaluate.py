"""Roster evaluation: agents counted per queue and interval, the projected service level, cost."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasts.site import parse_site
from scheduler.domain import Agent
from scheduler.erlang import erlang_c_metrics
from scheduler.evaluate import ALL_QUEUES, evaluate, scheduled_agents, simulated_check
from scheduler.roster import BREAK, Roster, Segment, Shift

SITE = parse_site("""
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.email]
channel = "email"
service_level = 0.9
answer_within_hours = 0.5
[costs]
employer_cost_factor = 1.2
""")
TZ = "Europe/Berlin"


def _t(hhmm: str) -> dt.datetime:
    return pd.Timestamp(f"2026-12-07T{hhmm}:00", tz=TZ).to_pydatetime()


def _requirements(queue: str, offered: list[float], required: list[int], aht: float = 180.0) -> pd.DataFrame:
    starts = pd.date_range("2026-12-07T08:00:00", periods=len(offered), freq="15min", tz=TZ)
    return pd.DataFrame({"queue": queue, "interval_start": starts, "offered": offered, "aht_s": aht,
                         "agents_required": required})


def _shift(agent: str, *segments: tuple[str, str, str]) -> Shift:
    return Shift(agent, dt.date(2026, 12, 7), tuple(Segment(_t(a), _t(b), act) for a, b, act in segments))


def test_agents_are_counted_on_their_activity_and_part_intervals_in_part():
    roster = Roster((_shift("A", ("08:00", "08:30", "billing"), ("08:30", "08:45", BREAK),
                             ("08:45", "09:00", "billing")),
                     _shift("B", ("08:00", "08:15", "email"), ("08:15", "09:00", "billing"))))
    requirements = _requirements("billing", [10, 10, 10, 10], [2, 2, 2, 2])
    assert scheduled_agents(roster, SITE, requirements).tolist() == [1.0, 2.0, 1.0, 2.0]


def test_projected_service_level_uses_the_scheduled_agents():
    roster = Roster((_shift("A", ("08:00", "08:15", "billing")), _shift("B", ("08:00", "08:15", "billing"))))
    result = evaluate(roster, _requirements("billing", [12.0], [3]), SITE)
    expected = erlang_c_metrics(np.array([2]), np.array([12.0]), 900, np.array([180.0]), 20).service_level[0]
    row = result.intervals.iloc[0]
    assert row["scheduled"] == 2 and row["short"] == 1 and row["projected_service_level"] == pytest.approx(expected)
    assert result.short_agent_intervals == 1.0


def test_email_service_level_is_the_share_answered_by_the_deadline():
    # 20 e-mails of 450 s at 08:00 and a half-hour deadline (2 intervals); one agent answers 2 per interval.
    roster = Roster((_shift("A", ("08:00", "08:30", "email")),))
    result = evaluate(roster, _requirements("email", [20.0, 0.0], [5, 0], aht=450.0), SITE)
    assert result.intervals["projected_service_level"].iloc[0] == pytest.approx(4 / 20)


def test_paid_hours_leave_out_breaks_and_cost_uses_the_full_time_rate_and_employer_factor():
    roster = Roster((_shift("A", ("08:00", "12:00", "billing"), ("12:00", "12:30", BREAK),
                             ("12:30", "14:30", "billing")),))
    agents = {"A": Agent("A", "Anna", "Nord", ("billing",), 20, 5, monthly_pay_eur=3000.0)}
    result = evaluate(roster, _requirements("billing", [5.0], [1]), SITE, agents)
    assert result.paid_hours == 6.0
    assert result.cost_eur == pytest.approx(round(3000 / (40 * 52 / 12) * 6 * 1.2, 2))


def _rows(queue: str, rows: list[tuple[str, float, int]], aht: float = 180.0) -> pd.DataFrame:
    """Requirement rows from (local start "YYYY-MM-DDTHH:MM", offered, agents required)."""
    return pd.DataFrame({"queue": queue, "interval_start": [pd.Timestamp(f"{t}:00", tz=TZ) for t, _, _ in rows],
                         "offered": [o for _, o, _ in rows], "aht_s": aht, "agents_required": [r for _, _, r in rows]})


def _on(agent: str, start: str, end: str, activity: str) -> Shift:
    """A one-segment shift from local "YYYY-MM-DDTHH:MM" to local "YYYY-MM-DDTHH:MM"."""
    begin, finish = (pd.Timestamp(f"{t}:00", tz=TZ).to_pydatetime() for t in (start, end))
    return Shift(agent, begin.date(), (Segment(begin, finish, activity),))


def test_week_rows_weight_days_by_offered_and_the_all_queues_row_adds_every_queue():
    # billing: Mon 7 Dec 12 offered on 2 agents, Sun 13 Dec 23:45 (still that week locally) 4 on 2, Mon 14 Dec 6
    # on 1; e-mail: Mon 7 Dec 20 e-mails of which 4 answered in time (as in the e-mail test above).
    requirements = pd.concat([
        _rows("billing", [("2026-12-07T08:00", 12.0, 3), ("2026-12-13T23:45", 4.0, 2), ("2026-12-14T08:00", 6.0, 1)]),
        _rows("email", [("2026-12-07T08:00", 20.0, 5), ("2026-12-07T08:15", 0.0, 0)], aht=450.0)],
        ignore_index=True)
    roster = Roster(tuple(_on(a, s, e, q) for a, s, e, q in [
        ("A", "2026-12-07T08:00", "2026-12-07T08:15", "billing"),
        ("B", "2026-12-07T08:00", "2026-12-07T08:15", "billing"),
        ("C", "2026-12-07T08:00", "2026-12-07T08:30", "email"),
        ("A", "2026-12-13T23:45", "2026-12-14T00:00", "billing"),
        ("B", "2026-12-13T23:45", "2026-12-14T00:00", "billing"),
        ("A", "2026-12-14T08:00", "2026-12-14T08:15", "billing")]))
    result = evaluate(roster, requirements, SITE)
    c = erlang_c_metrics(np.array([2, 2]), np.array([12.0, 4.0]), 900, 180.0, 20)
    weeks = result.weeks.set_index(["queue", "week_start"])
    billing = weeks.loc[("billing", dt.date(2026, 12, 7))]
    days = result.days[(result.days["queue"] == "billing")
                        & (result.days["date"] < dt.date(2026, 12, 14))]
    assert list(result.weeks.columns) == ["queue", "week_start", "offered", "service_level", "asa_s",
                                          "abandon_rate", "short_agent_intervals"]
    assert billing["offered"] == 16.0 and billing["short_agent_intervals"] == 1.0
    assert billing["service_level"] == pytest.approx(np.average(days["service_level"], weights=days["offered"]))
    assert billing["service_level"] == pytest.approx((12 * c.service_level[0] + 4 * c.service_level[1]) / 16)
    assert billing["asa_s"] == pytest.approx((12 * c.asa_s[0] + 4 * c.asa_s[1]) / 16)
    every = weeks.loc[(ALL_QUEUES, dt.date(2026, 12, 7))]
    assert every["offered"] == 36.0 and every["short_agent_intervals"] == 5.0 and every["abandon_rate"] == 0.0
    assert every["service_level"] == pytest.approx((12 * c.service_level[0] + 4 * c.service_level[1] + 4) / 36)
    assert every["asa_s"] == pytest.approx(billing["asa_s"])  # e-mail has no ASA
    assert weeks.loc[(ALL_QUEUES, dt.date(2026, 12, 14)), "offered"] == 6.0
    assert sorted(result.weeks["week_start"].unique()) == [dt.date(2026, 12, 7), dt.date(2026, 12, 14)]


def _busy_monday_and_empty_tuesday() -> tuple[Roster, pd.DataFrame]:
    """billing: 40 calls of 180 s (8 Erlangs) a quarter-hour, Monday 08:00-12:00 on 13 agents (projected service
    level 0.956) and Tuesday 08:00-09:00 on nobody; e-mail on Monday, which is not simulated."""
    monday = [(f"2026-12-07T{8 + i // 4:02d}:{15 * (i % 4):02d}", 40.0, 13) for i in range(16)]
    tuesday = [(f"2026-12-08T08:{15 * i:02d}", 40.0, 13) for i in range(4)]
    requirements = pd.concat([_rows("billing", monday + tuesday), _rows("email", [("2026-12-07T08:00", 2.0, 1)])],
                             ignore_index=True)
    roster = Roster(tuple(_on(f"A{i}", "2026-12-07T08:00", "2026-12-07T12:00", "billing") for i in range(13)))
    return roster, requirements


def test_a_generous_roster_simulates_close_to_the_projection_and_an_unstaffed_day_near_zero():
    roster, requirements = _busy_monday_and_empty_tuesday()
    check = simulated_check(evaluate(roster, requirements, SITE), SITE, seed=0, runs=5)
    assert list(check.columns) == ["queue", "date", "projected_service_level", "simulated_service_level",
                                   "simulated_se"]
    assert check[["queue", "date"]].values.tolist() == [["billing", dt.date(2026, 12, 7)],
                                                        ["billing", dt.date(2026, 12, 8)]]
    monday, tuesday = check.iloc[0], check.iloc[1]
    assert monday["projected_service_level"] > 0.95
    assert abs(monday["simulated_service_level"] - monday["projected_service_level"]) < 0.05
    assert 0 < monday["simulated_se"] < 0.05
    assert tuesday["projected_service_level"] == 0.0
    assert tuesday["simulated_service_level"] == 0.0 and tuesday["simulated_se"] == 0.0


def test_the_simulated_check_is_reproducible_for_a_seed():
    roster, requirements = _busy_monday_and_empty_tuesday()
    evaluation = evaluate(roster, requirements, SITE)
    first = simulated_check(evaluation, SITE, seed=7, runs=3)
    pd.testing.assert_frame_equal(first, simulated_check(evaluation, SITE, seed=7, runs=3))
    other = simulated_check(evaluation, SITE, seed=8, runs=3)
    assert other["simulated_service_level"].iloc[0] != first["simulated_service_level"].iloc[0]


def test_the_simulated_check_needs_two_runs_for_its_standard_error():
    roster, requirements = _busy_monday_and_empty_tuesday()
    with pytest.raises(ValueError) as error:
        simulated_check(evaluate(roster, requirements, SITE), SITE, runs=1)
    assert str(error.value) == "runs must be at least 2 (got 1); the standard error needs several runs"
