"""A seeded synthetic big site for one roster week: N agents in T teams on shared phone, chat and e-mail queues.

The demo site (scheduler/demo_data.py) builds its requirements from a year of contact history, a forecast and
staffing, which takes minutes at 2,000 agents and has names for at most 1,600; this generator writes the
requirement frame directly: each queue's weekly workload is a share (`load`) of what the agents who serve it
can work, spread over the open intervals by a weekday factor and a gentle intraday profile (a peak that no
8 h shift pattern can reach would only measure the profile, not the solver). The same seed gives the same site.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from forecasts.calendar import local_instant, open_intervals
from forecasts.site import Site, parse_site
from scheduler.domain import Absence, Agent
from scheduler.roster_model import Problem
from scheduler.rules import rules_for_site

MONDAY = dt.date(2026, 12, 7)  # a week without public holidays in Brandenburg
QUEUES = ("phone", "chat", "email")
# (skills, share of the agents): most agents take calls, some also chat or answer e-mail.
SKILL_MIX = ((("phone",), 0.40), (("phone", "chat"), 0.22), (("phone", "email"), 0.15),
             (("chat", "email"), 0.10), (("phone", "chat", "email"), 0.08), (("email",), 0.05))
CONTRACTS = ((40.0, 0.60), (30.0, 0.25), (20.0, 0.15))  # weekly hours, share
LEVELS = (("entry", 0.35), ("experienced", 0.65))
PAY_BANDS = {"entry": (2300, 2800), "experienced": (2900, 3400)}  # gross EUR a month at full time
LOAD = 0.9                 # required agent-intervals per agent-interval the contracts offer (net of leave)
VACATION_SHARE = 0.04      # agents on leave the whole week
SICK_SHARE = 0.01          # agents sick for one to three days from Monday
# Per interval relative to an average weekday interval: Monday busiest, Saturday quiet.
DAY_FACTOR = (1.12, 1.05, 1.0, 0.97, 0.9, 0.6, 0.0)
# Intraday shapes: a floor, bumps (weight, hour, width in hours) and a rise per hour after 08:00 (chat's evening).
PROFILE = {
    "phone": (0.7, ((0.5, 10.0, 2.0), (0.3, 14.5, 2.0)), 0.0),
    "chat": (0.6, ((0.35, 19.0, 2.0),), 0.02),
    "email": (0.9, ((0.25, 9.0, 1.5),), 0.0),
}


def big_site_toml() -> str:
    """The site: open 08:00-20:00 on weekdays and 09:00-14:00 on Saturdays, ArbZG rules (no [rules] table)."""
    return '''# A synthetic big site for the decomposition benchmark (scheduler/big_site.py).
[site]
name = "Kundenservice Groß"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
mon = "08:00-20:00"
tue = "08:00-20:00"
wed = "08:00-20:00"
thu = "08:00-20:00"
fri = "08:00-20:00"
sat = "09:00-14:00"

[queues.phone]
channel = "phone"
service_level = 0.80
answer_within_s = 20
patience_s = 180

[queues.chat]
channel = "chat"
service_level = 0.80
answer_within_s = 60
concurrency = 2

[queues.email]
channel = "email"
service_level = 0.90
answer_within_hours = 24

[pay_bands]
entry = [2300, 2800]
experienced = [2900, 3400]
'''


def big_site(agents: int = 2000, teams: int = 10, *, seed: int = 2026, monday: dt.date = MONDAY,
             load: float = LOAD) -> Problem:
    """The roster problem of one week (Monday to Sunday) for `agents` agents in `teams` teams."""
    if agents < 1 or teams < 1 or teams > agents:
        raise ValueError(f"agents = {agents}, teams = {teams}: give at least one agent per team")
    if monday.weekday() != 0:
        raise ValueError(f"monday = {monday}: the week must start on a Monday")
    rng = np.random.default_rng(seed)
    site = parse_site(big_site_toml(), source="big site.toml")
    days = tuple(monday + dt.timedelta(days=i) for i in range(7))
    people = _agents(agents, teams, rng)
    absences = _absences(site, people, monday, rng)
    requirements = _requirements(site, people, absences, days, load)
    return Problem(site, rules_for_site(site), tuple(people), requirements, days, tuple(absences))


def _agents(count: int, teams: int, rng: np.random.Generator) -> list[Agent]:
    team_of = [f"Team {k % teams + 1:02d}" for k in rng.permutation(count)]
    skills = _quota(SKILL_MIX, count, rng)
    hours = _quota(CONTRACTS, count, rng)
    levels = _quota(LEVELS, count, rng)
    agents = []
    for i in range(count):
        weekly = hours[i]
        low, high = PAY_BANDS[levels[i]]
        shift = (None, "early", "late")[int(rng.choice(3, p=[0.6, 0.25, 0.15]))]
        days_off = ((5,), (0,), (4,))[int(rng.integers(0, 3))] if rng.random() < 0.15 else ()
        earliest = dt.time(9) if rng.random() < 0.05 else None
        latest = dt.time(16) if weekly <= 30 and rng.random() < 0.08 else None
        agents.append(Agent(agent_id=f"B{i + 1:04d}", name=f"Agent {i + 1:04d}", team=team_of[i], skills=skills[i],
                            weekly_hours=weekly, max_days_per_week=4 if weekly <= 20 and rng.random() < 0.5 else 5,
                            level=levels[i], monthly_pay_eur=float(round(rng.uniform(low, high), -1)),
                            preferred_shift=shift, days_off_wish=days_off, earliest_start=earliest,
                            latest_end=latest))
    return agents


def _quota(mix, count: int, rng: np.random.Generator) -> list:
    """`count` values in the shares of `mix` ((value, share), …) by largest remainder, in random order."""
    exact = np.array([share for _, share in mix]) * count
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: count - counts.sum()]:
        counts[i] += 1
    values = [value for (value, _), c in zip(mix, counts, strict=True) for _ in range(c)]
    return [values[i] for i in rng.permutation(count)]


def _absences(site: Site, agents: list[Agent], monday: dt.date, rng: np.random.Generator) -> list[Absence]:
    vacation = round(VACATION_SHARE * len(agents))
    sick = round(SICK_SHARE * len(agents))
    chosen = rng.choice(len(agents), size=min(vacation + sick, len(agents)), replace=False)
    absences = []
    for k, i in enumerate(chosen):
        length = 7 if k < vacation else int(rng.integers(1, 4))
        absences.append(Absence(agents[i].agent_id, _midnight(site, monday),
                                _midnight(site, monday + dt.timedelta(days=length)),
                                "vacation" if k < vacation else "sick"))
    return sorted(absences, key=lambda a: a.agent_id)


def _midnight(site: Site, day: dt.date) -> dt.datetime:
    return local_instant(site, day, 0).to_pydatetime().astimezone(site.tz)


def _requirements(site: Site, agents: list[Agent], absences: list[Absence], days: tuple[dt.date, ...],
                  load: float) -> pd.DataFrame:
    """Each queue needs `load` times the agent-intervals its agents offer (an agent's contract split evenly
    over their skills; agents on leave all week offer nothing), spread by day and intraday weights."""
    on_leave = {a.agent_id for a in absences if a.reason == "vacation"}
    per_hour = 60 // site.interval_minutes
    offered = dict.fromkeys(QUEUES, 0.0)
    for agent in agents:
        if agent.agent_id not in on_leave:
            for queue in agent.skills:
                offered[queue] += agent.weekly_hours * per_hour / len(agent.skills)
    rows = []
    for queue in QUEUES:
        starts = [t for day in days for t in open_intervals(site, day)]
        if not starts:
            continue
        weight = np.array([DAY_FACTOR[t.weekday()] * _intraday(queue, t.hour + (t.minute + 7.5) / 60)
                           for t in starts])
        need = _rounded(load * offered[queue] * weight / weight.sum())
        rows.append(pd.DataFrame({"queue": queue, "interval_start": pd.DatetimeIndex(starts),
                                  "agents_required": need}))
    return pd.concat(rows, ignore_index=True)


def _intraday(queue: str, hour: float) -> float:
    floor, bumps, rise = PROFILE[queue]
    return floor + rise * max(hour - 8, 0) + sum(w * math.exp(-0.5 * ((hour - h) / s) ** 2) for w, h, s in bumps)


def _rounded(values: np.ndarray) -> np.ndarray:
    """Whole agents with the total kept (largest remainder), so the week's workload is what `load` says."""
    counts = np.floor(values).astype(int)
    for i in np.argsort(-(values - counts), kind="stable")[: int(round(values.sum())) - counts.sum()]:
        counts[i] += 1
    return counts
