"""Tiny roster fixtures shared by the scheduler tests: a Europe/Berlin site with chosen opening hours."""

from __future__ import annotations

import datetime as dt

from forecasts.site import Site, parse_site

QUEUES_TOML = """
[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
[queues.chat]
channel = "chat"
service_level = 0.8
answer_within_s = 60
"""
MONDAY = dt.date(2026, 12, 7)  # no public holiday in this week (DE-BB)
WEEK = tuple(MONDAY + dt.timedelta(days=i) for i in range(7))


def tiny_site(hours: str = 'mon = "08:00-18:00"\ntue = "08:00-18:00"', queues: str = QUEUES_TOML) -> Site:
    """A site open at `hours` (site.toml lines such as 'mon = "08:00-18:00"') with billing and chat queues."""
    return parse_site('[site]\nname = "T"\ntimezone = "Europe/Berlin"\nholidays = "DE-BB"\n'
                      f'[site.opening_hours]\n{hours}\n{queues}')
