"""A tiny what-if site: one phone queue (Erlang C, 80 % in 20 s), open 08:00-16:00 on weekdays, 9 calls of 100 s
every quarter hour (1 Erlang: 3 agents needed, 2 when half the calls are deflected), two full-time agents at
3,000 € a month. Hand-checkable: SL with N agents on a Erlangs is 1 - C(N, a) exp(-(N - a) 20 / 100)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from forecasts.calendar import open_intervals
from forecasts.site import parse_site
from scheduler.domain import Agent

SITE_TOML = """
[site]
name = "Tiny"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
mon = "08:00-16:00"
tue = "08:00-16:00"
wed = "08:00-16:00"
thu = "08:00-16:00"
fri = "08:00-16:00"

[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20

[costs]
employer_cost_factor = 1.2

[pay_bands]
entry = [2900, 3100]
"""
SITE = parse_site(SITE_TOML, source="tiny site.toml")
START = dt.date(2027, 3, 1)      # a Monday; no holiday in the two weeks
WEEK_2 = START + dt.timedelta(days=7)
INTERVALS_A_WEEK = 5 * 32
OFFERED_A_WEEK = 9.0 * INTERVALS_A_WEEK
AGENTS = [Agent(f"a{i}", f"Agent {i}", "Team", ("billing",), 40.0, 5, monthly_pay_eur=3000.0) for i in (1, 2)]
# 40 h x 3,000 € / (40 h x 52/12 weeks) x 1.2 employer factor
WEEK_COST_PER_AGENT = 40 * 3000 / (40 * 52 / 12) * 1.2

SL_2_ON_1 = 1 - math.exp(-0.2) / 3        # C(2, 1) = 1/3
SL_3_ON_1 = 1 - math.exp(-0.4) / 11       # C(3, 1) = 1/11
SL_2_ON_HALF = 1 - 0.1 * math.exp(-0.3)   # C(2, 0.5) = 0.1
ASA_2_ON_1 = 100 / 3                      # C * AHT / (N - a)
ASA_2_ON_HALF = 0.1 * 100 / 1.5


def tiny_forecast(weeks: int = 2) -> pd.DataFrame:
    rows = []
    for day in (START + dt.timedelta(days=d) for d in range(7 * weeks)):
        rows += [("billing", t, 9.0, 100.0, 8.0, 10.0) for t in open_intervals(SITE, day)]
    return pd.DataFrame(rows, columns=["queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90"])


def scenario_text(name: str = "base", extra: str = "", weeks: int = 2) -> str:
    return f'[scenario]\nname = "{name}"\nstart = {START}\nweeks = {weeks}\n{extra}'
