"""Staffing orchestration: each channel gets its model, shrinkage grosses up, bad forecasts are refused."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasts.calendar import open_intervals
from forecasts.site import parse_site
from scheduler.erlang import required_agents_c
from scheduler.staffing import REQUIREMENT_COLUMNS, fifo_mean_wait, staff

SITE_TEXT = """
[site]
name = "T"
timezone = "Europe/Berlin"
holidays = "DE-BB"
[site.opening_hours]
mon = "08:00-20:00"
tue = "08:00-20:00"
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
shrinkage = 0.3
[queues.patient]
channel = "phone"
service_level = 0.8
answer_within_s = 20
patience_s = 120
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
concurrency = 2
[queues.email]
channel = "email"
service_level = 0.9
answer_within_hours = 24
"""
SITE = parse_site(SITE_TEXT)
MONDAY = dt.date(2026, 12, 7)


def _forecast(queue: str, offered, aht=180.0, days=(MONDAY,)) -> pd.DataFrame:
    starts = open_intervals(SITE, days[0])
    for day in days[1:]:
        starts = starts.append(open_intervals(SITE, day))
    offered = np.broadcast_to(np.asarray(offered, dtype=float), len(starts))
    return pd.DataFrame({"queue": queue, "interval_start": starts, "offered": offered, "aht_s": aht})


def test_output_has_the_data_md_columns_in_order():
    result = staff(_forecast("billing", 25.0), SITE)
    assert tuple(result.columns) == REQUIREMENT_COLUMNS and len(result) == 48


def test_phone_without_patience_uses_erlang_c_and_grosses_up_for_shrinkage():
    result = staff(_forecast("billing", 25.0), SITE)
    expected = int(required_agents_c(np.array([25.0]), 900, np.array([180.0]), 0.8, 20)[0])
    assert set(result["agents_required"]) == {expected}
    assert result["agents_scheduled"].iloc[0] == round(expected / 0.7, 3)
    assert (result["service_level"] >= 0.8).all() and (result["abandon_rate"] == 0).all()


def test_phone_with_patience_uses_erlang_a_and_reports_abandonment():
    result = staff(_forecast("patient", 25.0), SITE)
    assert (result["abandon_rate"] > 0).all() and (result["service_level"] >= 0.8).all()
    assert result["agents_scheduled"].equals(result["agents_required"].astype(float))


def test_chat_with_concurrency_needs_fewer_agents_than_one_chat_at_a_time():
    chat = staff(_forecast("chat", 40.0, aht=400.0), SITE)["agents_required"].iloc[0]
    single = required_agents_c(np.array([40.0]), 900, np.array([400.0]), 0.8, 60)[0]
    assert chat < single


def test_500_emails_on_monday_morning_are_answered_in_24_business_hours_with_fewer_agent_hours():
    offered = np.zeros(96)
    offered[0] = 500
    days = (MONDAY, MONDAY + dt.timedelta(days=1))
    result = staff(_forecast("email", offered, aht=300.0, days=days), SITE)
    agents = result["agents_required"].to_numpy()
    # Cleared by Tuesday 20:00 (96 open quarter-hours): capacity covers all 500 x 300 s of work.
    assert agents.sum() * 900 >= 500 * 300 and (result["service_level"].dropna() == 1.0).all()
    # Answering at once means staffing the burst as a live queue (90 % within the quarter-hour).
    immediate = int(required_agents_c(np.array([500.0]), 900, np.array([300.0]), 0.9, 900)[0])
    assert agents.sum() < immediate
    assert agents.max() <= 2  # the backlog is spread over the two days instead of a burst of agents


def test_email_work_moves_to_the_intervals_where_the_phones_are_quiet():
    days = (MONDAY, MONDAY + dt.timedelta(days=1))
    email = _forecast("email", np.r_[np.full(48, 6.0), np.zeros(48)], aht=300.0, days=days)
    busy_morning = np.r_[np.tile(np.r_[np.full(24, 40.0), np.full(24, 2.0)], 2)]
    phone = _forecast("billing", busy_morning, days=days)
    result = staff(pd.concat([phone, email], ignore_index=True), SITE)
    by_queue = result[result["queue"] == "email"]["agents_required"].to_numpy()
    mornings = np.r_[by_queue[:24], by_queue[48:72]].sum()
    afternoons = np.r_[by_queue[24:48], by_queue[72:]].sum()
    assert afternoons > mornings


def test_missing_handle_time_is_refused_unless_the_site_gives_a_default():
    with pytest.raises(ValueError, match=r"queue billing: the forecast has no handle time .* set default_aht_s"):
        staff(_forecast("billing", 10.0, aht=np.nan), SITE)
    site = parse_site(SITE_TEXT.replace("shrinkage = 0.3", "shrinkage = 0.3\ndefault_aht_s = 200"))
    assert (staff(_forecast("billing", 10.0, aht=np.nan), site)["aht_s"] == 200).all()


def test_negative_volume_is_refused_naming_the_interval():
    with pytest.raises(ValueError, match=r"queue billing: offered must be a number >= 0 .*2026-12-07T08:00:00\+01:00"):
        staff(_forecast("billing", -1.0), SITE)


def test_unknown_queue_is_refused():
    with pytest.raises(ValueError, match="forecast queue\\(s\\) fax are not in the site"):
        staff(_forecast("fax", 1.0), SITE)


def test_fifo_mean_wait_counts_whole_intervals():
    # 10 arrive in interval 0; 4 answered in 0 (waited 0), 6 in interval 2 (waited 2 intervals = 1800 s).
    waits = fifo_mean_wait(np.array([10.0, 0.0, 0.0]), np.array([4.0, 0.0, 6.0]), 900)
    assert waits[0] == 0.0 and np.isnan(waits[1]) and waits[2] == 1800.0
