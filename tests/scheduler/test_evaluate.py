"""Roster evaluation: agents counted per queue and interval, the projected service level, cost."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasts.site import parse_site
from scheduler.domain import Agent
from scheduler.erlang import erlang_c_metrics
from scheduler.evaluate import evaluate, scheduled_agents
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
