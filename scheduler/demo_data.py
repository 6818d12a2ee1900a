"""A seeded generator of a realistic demo site: an energy supplier's customer service in Potsdam.

`generate_demo(size)` builds the site description, 15-minute contact history with the year-end billing peak
(driven by bill_mailing events listed in `events`, including the next season's future mailings), agents and
their absences; `write_demo` writes them as the input files of DATA.md. The same seed gives the same site.
Volumes are built per day (weekday, season, growth, holidays, events, noise) and spread over the day by a
per-queue intraday profile; counts are gamma-Poisson (over-dispersed), abandonment rises with unexpected load,
handle times rise at the intraday peak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasts.calendar import holiday_name, is_open, local_instant, open_intervals
from forecasts.site import Site, parse_site
from scheduler.agents_io import format_absences, format_agents
from scheduler.domain import Absence, Agent


@dataclass(frozen=True)
class DemoSize:
    name: str
    agents: int
    history_weeks: int      # 64 weeks always hold one whole year-end season and the November before it
    volume_scale: float     # contact volumes relative to the large site


SIZES = {
    "small": DemoSize("small", 25, 64, 25 / 80),
    "large": DemoSize("large", 80, 156, 1.0),
    "xl": DemoSize("xl", 300, 64, 300 / 80),  # the scale benchmark's site: 300 agents
}
HISTORY_COLUMNS = ("queue", "interval_start", "offered", "handled", "abandoned", "aht_s")
EVENT_COLUMNS = ("date", "event", "queue", "size")
FILES = ("site.toml", "history.csv", "events.csv", "agents.csv", "absences.csv")


@dataclass(frozen=True, eq=False)
class DemoSite:
    site_toml: str
    site: Site
    history: pd.DataFrame   # HISTORY_COLUMNS, every open interval of every open day, sorted by queue and time
    events: pd.DataFrame    # EVENT_COLUMNS: date (datetime.date), event, queue (None = all), size (NaN = none)
    agents: list[Agent]
    absences: list[Absence]


@dataclass(frozen=True)
class _QueueModel:
    daily: float            # offered on an average normal weekday at volume scale 1.0, at the history's end
    aht_s: float            # mean handle time off-peak; +AHT_PEAK_RISE at the intraday peak
    saturday: float         # Saturday volume per open interval relative to an average weekday
    abandon: float          # share abandoned at planned load; grows with the square of unexpected load
    bill_uplift: float      # extra volume (x normal) per reference-size bill mailing at the kernel's peak
    profile: tuple[tuple[float, float, float], ...]   # intraday bumps (weight, hour, width in hours)
    floor: float            # intraday weight everywhere
    evening_slope: float    # intraday weight added per hour after 08:00


_QUEUES = {
    "billing": _QueueModel(1300, 300, 0.50, 0.04, 1.4, ((1.0, 10.0, 1.3), (0.55, 14.0, 1.6)), 0.25, 0.0),
    "technical": _QueueModel(600, 540, 0.55, 0.05, 0.15, ((0.45, 10.5, 1.5), (1.0, 15.0, 1.7)), 0.30, 0.0),
    "chat": _QueueModel(450, 480, 0.80, 0.03, 0.5, ((0.7, 19.0, 1.8),), 0.20, 0.06),
    "email": _QueueModel(350, 420, 0.30, 0.0, 0.45, ((0.4, 9.0, 1.5), (0.15, 14.0, 2.0)), 0.80, 0.0),
}
_WEEKDAY_FACTOR = (1.20, 1.04, 0.98, 0.94, 0.84)        # Mon..Fri, mean 1.0: Monday highest
_SPECIAL_DAY_FACTOR = {"12-24": 0.6, "12-31": 0.7}     # short days are quiet days too
_AFTER_HOLIDAY = 1.2           # the first open day after a public holiday catches up
_GROWTH_PER_YEAR = 0.04
_SUMMER_DIP, _SUMMER_PEAK_DOY, _SUMMER_WIDTH = 0.12, 213, 20.0   # about -12 % around 1 August
_DAY_NOISE = 0.05              # lognormal sigma of a queue's daily level
_GAMMA_SHAPE = 25.0            # interval rate ~ Gamma(k, 1/k): variance lambda + lambda^2 / k
_AHT_PEAK_RISE = 0.12
_AHT_EVENT_RISE = 0.15          # handle time rise at full event uplift (the billing peak)
_AHT_DAY_NOISE = 0.04
_AHT_SHAPE = 2.0               # single handle times ~ Gamma(2): CV 0.7
_MAX_ABANDON = 0.4
_NORMAL_DAY_INTERVALS = 48     # 08:00-20:00 in quarter hours, the day the profile is normalised over

# Event effects: extra volume, as a multiple of the normal level, on the days after the event (index 0 = the
# event's own day). Letters arrive a day or two after mailing; calls peak then and fade over about ten days.
_LETTER_KERNEL = np.array([0.0, 0.6, 1.0, 0.9, 0.7, 0.55, 0.42, 0.32, 0.24, 0.18, 0.13, 0.09, 0.06, 0.04, 0.02])
_BILL_LETTERS = 60_000         # letters in a typical bill-mailing wave of the large site
_PRICE_LETTERS = 30_000
_PRICE_UPLIFT = 0.6            # billing only, per reference-size price letter
_OUTAGE_UPLIFT = 1.5           # technical only, the outage day itself

_FIRST_NAMES = ("Anna", "Lukas", "Marie", "Jonas", "Sophie", "Leon", "Lea", "Felix", "Laura", "Paul", "Julia",
                "Maximilian", "Lena", "Tim", "Hannah", "Jan", "Sarah", "Niklas", "Katharina", "David", "Johanna",
                "Tobias", "Lisa", "Florian", "Emma", "Sebastian", "Mia", "Philipp", "Clara", "Moritz", "Sabine",
                "Thomas", "Petra", "Michael", "Claudia", "Andreas", "Kerstin", "Stefan", "Anja", "Markus")
_LAST_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
               "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
               "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
               "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König",
               "Walter", "Mayer", "Huber", "Kaiser")
_TEAMS = ("Team Nord", "Team Süd", "Team West", "Team Ost")
_AGENTS_PER_TEAM = 20
# Skill mixes roughly in proportion to the workload (billing > technical > email > chat): (skills, share).
_SKILL_MIX = ((("billing",), 0.22), (("billing", "chat"), 0.18), (("billing", "email"), 0.10),
              (("technical",), 0.16), (("technical", "email"), 0.10), (("technical", "chat"), 0.06),
              (("billing", "technical"), 0.08), (("billing", "technical", "chat"), 0.06),
              (("billing", "chat", "email"), 0.04))
_CONTRACTS = ((40.0, 0.60), (30.0, 0.25), (20.0, 0.15))   # weekly hours, share
_LEVEL_MIX = (("entry", 0.35), ("experienced", 0.65))
_VACATION_SHARE = 0.10
_SICK_AGENTS = 2


def last_sunday(today: dt.date) -> dt.date:
    """The most recent Sunday strictly before `today` (on a Sunday: a week ago), the last complete week's end."""
    return today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)


def generate_demo(size: str = "small", *, end: dt.date | None = None, seed: int = 2026,
                  weeks: int | None = None) -> DemoSite:
    """The demo site with `weeks` (default: the size's) weeks of history ending on `end` (default: the last
    Sunday before today in Potsdam)."""
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; use one of {', '.join(SIZES)}")
    spec = SIZES[size]
    weeks = spec.history_weeks if weeks is None else weeks
    if weeks < 1:
        raise ValueError(f"weeks = {weeks}: the demo needs at least one week of history")
    if end is None:
        end = last_sunday(dt.datetime.now(ZoneInfo("Europe/Berlin")).date())
    start = end - dt.timedelta(days=7 * weeks - 1)
    rng = np.random.default_rng(seed)
    text = site_toml()
    site = parse_site(text, source="demo site.toml")
    events = _events(site, start, end, spec.volume_scale, rng)
    history = _history(site, start, end, spec.volume_scale, events, rng)
    agents = _agents(site, spec.agents, rng)
    absences = _absences(site, agents, end, rng)
    return DemoSite(site_toml=text, site=site, history=history, events=events, agents=agents, absences=absences)


def write_demo(demo: DemoSite, directory: Path) -> dict[str, Path]:
    """Write the five input files (DATA.md formats) into `directory`; returns file name -> path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "site.toml": demo.site_toml,
        "history.csv": _history_csv(demo.history),
        "events.csv": _events_csv(demo.events),
        "agents.csv": format_agents(demo.agents),
        "absences.csv": format_absences(demo.absences, demo.site),
    }
    paths = {}
    for name in FILES:
        paths[name] = directory / name
        paths[name].write_text(texts[name], encoding="utf-8")
    return paths


def site_toml() -> str:
    """The demo site.toml: 24 and 31 December are short days (a yearly special day never opens a Sunday)."""
    return '''# Demo site: the customer service of an energy supplier in Potsdam (generated by wfm demo).
[site]
name = "Kundenservice Potsdam"
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

[site.special_days]
"12-24" = "08:00-14:00"
"12-31" = "08:00-14:00"

[queues.billing]
label = "Abrechnung"
channel = "phone"
service_level = 0.80
answer_within_s = 20
patience_s = 180
max_occupancy = 0.90
shrinkage = 0.30

[queues.technical]
label = "Technik und Störungen"
channel = "phone"
service_level = 0.80
answer_within_s = 30
patience_s = 240
shrinkage = 0.30

[queues.chat]
label = "Chat"
channel = "chat"
service_level = 0.80
answer_within_s = 60
concurrency = 2
shrinkage = 0.30

[queues.email]
label = "E-Mail"
channel = "email"
service_level = 0.90
answer_within_hours = 24
shrinkage = 0.30

[costs]
employer_cost_factor = 1.21      # gross pay x this = cost to the employer (German social contributions)

[pay_bands]                      # gross EUR per month at full time, [lowest, highest]
entry = [2300, 2800]
experienced = [2900, 3400]
'''


# --- events -------------------------------------------------------------------------------------------------

def _events(site: Site, start: dt.date, end: dt.date, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Bill-mailing waves of every season touching the history and of the next season, price letters each
    autumn and one or two outages in the history."""
    rows: list[tuple[dt.date, str, str | None, float]] = []
    next_season = end.year if end < dt.date(end.year, 12, 1) else end.year + 1
    for year in range(start.year - 1, next_season + 1):
        for day in _bill_mailing_days(year, rng):
            letters = round(_BILL_LETTERS * scale * rng.uniform(0.75, 1.25), -2)
            if day >= start - dt.timedelta(days=len(_LETTER_KERNEL)):
                rows.append((day, "bill_mailing", None, float(letters)))
    for year in range(start.year, end.year + 1):
        day = _next_open_weekday(site, dt.date(year, 9, 22) + dt.timedelta(days=int(rng.integers(0, 33))))
        letters = round(_PRICE_LETTERS * scale * rng.uniform(0.8, 1.2), -2)
        if start <= day <= end:
            rows.append((day, "price_letter", "billing", float(letters)))
    quiet = [d for d in _days(start, end) if d.weekday() < 5 and is_open(site, d)
             and d.month not in (11, 12, 1)]
    outages = min(len(quiet), 1 if (end - start).days < 364 else 2)
    for i in sorted(rng.choice(len(quiet), size=outages, replace=False)) if outages else ():
        rows.append((quiet[int(i)], "outage", "technical", np.nan))
    rows.sort(key=lambda r: (r[0], r[1]))
    return pd.DataFrame({
        "date": pd.Series([r[0] for r in rows], dtype=object),
        "event": pd.Series([r[1] for r in rows], dtype=object),
        "queue": pd.Series([r[2] for r in rows], dtype=object),
        "size": pd.Series([r[3] for r in rows], dtype="float64"),
    })


def _bill_mailing_days(year: int, rng: np.random.Generator) -> list[dt.date]:
    """Mailing waves of the season starting in December of `year`: weekly from the first December week (two
    or three waves, never in Christmas week) and two in the first half of January; each Monday to Wednesday."""
    def first_monday(day: dt.date) -> dt.date:
        return day + dt.timedelta(days=-day.weekday() % 7)

    december = first_monday(dt.date(year, 12, 1))
    january = first_monday(dt.date(year + 1, 1, 4))
    mondays = [december, december + dt.timedelta(days=7)]
    if (december + dt.timedelta(days=14)).day <= 17:
        mondays.append(december + dt.timedelta(days=14))
    mondays += [january, january + dt.timedelta(days=7)]
    return [m + dt.timedelta(days=int(rng.integers(0, 3))) for m in mondays]


def _next_open_weekday(site: Site, day: dt.date) -> dt.date:
    while day.weekday() >= 5 or not is_open(site, day):
        day += dt.timedelta(days=1)
    return day


def _event_uplift(events: pd.DataFrame, start: dt.date, n_days: int, scale: float) -> dict[str, np.ndarray]:
    """Extra volume per queue and day (as a multiple of the normal level) from all events."""
    uplift = {q: np.zeros(n_days) for q in _QUEUES}
    for day, kind, _queue, size in events.itertuples(index=False):
        if kind == "bill_mailing":
            effects = {q: m.bill_uplift * size / (_BILL_LETTERS * scale) for q, m in _QUEUES.items()}
            kernel = _LETTER_KERNEL
        elif kind == "price_letter":
            effects = {"billing": _PRICE_UPLIFT * size / (_PRICE_LETTERS * scale)}
            kernel = _LETTER_KERNEL
        else:
            effects = {"technical": _OUTAGE_UPLIFT}
            kernel = np.array([1.0])
        offset = (day - start).days
        lo, hi = max(offset, 0), min(offset + len(kernel), n_days)
        if lo >= hi:
            continue
        for q, effect in effects.items():
            if q in uplift:
                uplift[q][lo:hi] += effect * kernel[lo - offset:hi - offset]
    return uplift


# --- history ------------------------------------------------------------------------------------------------

def _history(site: Site, start: dt.date, end: dt.date, scale: float, events: pd.DataFrame,
             rng: np.random.Generator) -> pd.DataFrame:
    days = _days(start, end)
    n_days = len(days)
    open_flags = np.array([is_open(site, d) for d in days])
    base = _day_factors(site, days, end)
    uplift = _event_uplift(events, start, n_days, scale)

    open_days = [i for i in range(n_days) if open_flags[i]]
    parts = [open_intervals(site, days[i]) for i in open_days]
    if not parts:
        return _empty_history(site)
    instants = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
    day_of_row = np.repeat(np.array(open_days), [len(p) for p in parts])
    hours = (instants.hour.to_numpy() * 60 + instants.minute.to_numpy() + site.interval_minutes / 2) / 60
    saturday = np.array([d.weekday() == 5 for d in days])
    normal_hours = (np.arange(_NORMAL_DAY_INTERVALS) * 15 + 7.5) / 60 + 8
    n = len(instants)

    frames = {}
    for q in site.queue_names:
        model = _QUEUES[q]
        weight = _intraday(model, hours)
        normal = _intraday(model, normal_hours)
        mean_weight = normal.mean()
        planned = base * np.where(saturday, model.saturday, 1.0)
        level = planned * (1 + uplift[q]) * rng.lognormal(0.0, _DAY_NOISE, n_days)
        rate = level[day_of_row] * model.daily * scale / _NORMAL_DAY_INTERVALS * weight / mean_weight
        offered = rng.poisson(rate * rng.gamma(_GAMMA_SHAPE, 1 / _GAMMA_SHAPE, n))
        surprise = level / planned                               # load beyond what the day was planned for
        p_abandon = np.clip(model.abandon * surprise[day_of_row] ** 2 * np.sqrt(weight / mean_weight),
                            0.0, _MAX_ABANDON)
        abandoned = rng.binomial(offered, p_abandon)
        handled = offered - abandoned
        peak = (weight - normal.min()) / np.ptp(normal)
        # Calls get longer at the intraday peak and in event waves (a new bill raises harder questions).
        event_rise = 1 + _AHT_EVENT_RISE * np.clip(uplift[q], 0, 1)
        mean_aht = (model.aht_s * (1 + _AHT_PEAK_RISE * np.clip(peak, 0, 1))
                    * (rng.lognormal(0.0, _AHT_DAY_NOISE, n_days) * event_rise)[day_of_row])
        shape = np.where(handled > 0, _AHT_SHAPE * handled, 1.0)
        aht = rng.gamma(shape, mean_aht / shape)
        aht = np.where(handled > 0, np.round(aht, 1), np.nan)
        frames[q] = (offered, handled, abandoned, aht)

    queues = sorted(site.queue_names)
    order = np.tile(np.arange(n), len(queues))
    return pd.DataFrame({
        "queue": np.repeat(np.array(queues, dtype=object), n),
        "interval_start": instants[order],
        "offered": np.concatenate([frames[q][0] for q in queues]).astype("int64"),
        "handled": np.concatenate([frames[q][1] for q in queues]).astype("int64"),
        "abandoned": np.concatenate([frames[q][2] for q in queues]).astype("int64"),
        "aht_s": np.concatenate([frames[q][3] for q in queues]).astype("float64"),
    })


def _day_factors(site: Site, days: list[dt.date], end: dt.date) -> np.ndarray:
    """The planned level of each day relative to an average weekday at `end`, before events and noise."""
    weekday = np.array([d.weekday() for d in days])
    factor = np.array([_WEEKDAY_FACTOR[w] if w < 5 else 1.0 for w in weekday])
    years = np.array([(d - end).days for d in days]) / 365.25
    doy = np.array([d.timetuple().tm_yday for d in days])
    summer = 1 - _SUMMER_DIP * np.exp(-0.5 * ((doy - _SUMMER_PEAK_DOY) / _SUMMER_WIDTH) ** 2)
    special = np.array([_SPECIAL_DAY_FACTOR.get(d.strftime("%m-%d"), 1.0) for d in days])
    after = np.array([_AFTER_HOLIDAY if _after_holiday(site, d) else 1.0 for d in days])
    return factor * (1 + _GROWTH_PER_YEAR) ** years * summer * special * after


def _after_holiday(site: Site, day: dt.date) -> bool:
    """Whether a public holiday falls between the previous open day and this one."""
    for back in range(1, 8):
        before = day - dt.timedelta(days=back)
        if holiday_name(site, before) is not None:
            return True
        if is_open(site, before):
            return False
    return False


def _intraday(model: _QueueModel, hours: np.ndarray) -> np.ndarray:
    weight = model.floor + model.evening_slope * np.clip(hours - 8, 0, None)
    for amplitude, centre, width in model.profile:
        weight = weight + amplitude * np.exp(-0.5 * ((hours - centre) / width) ** 2)
    return weight


def _empty_history(site: Site) -> pd.DataFrame:
    return pd.DataFrame({
        "queue": pd.Series([], dtype=object),
        "interval_start": pd.DatetimeIndex([], tz=site.timezone),
        "offered": pd.Series([], dtype="int64"), "handled": pd.Series([], dtype="int64"),
        "abandoned": pd.Series([], dtype="int64"), "aht_s": pd.Series([], dtype="float64"),
    })


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# --- agents and absences ------------------------------------------------------------------------------------

def _agents(site: Site, count: int, rng: np.random.Generator) -> list[Agent]:
    if count > len(_FIRST_NAMES) * len(_LAST_NAMES):
        raise ValueError(f"{count} agents: the demo has names for at most "
                         f"{len(_FIRST_NAMES) * len(_LAST_NAMES)}")
    pairs = rng.choice(len(_FIRST_NAMES) * len(_LAST_NAMES), size=count, replace=False)
    names = [f"{_FIRST_NAMES[p // len(_LAST_NAMES)]} {_LAST_NAMES[p % len(_LAST_NAMES)]}" for p in pairs]
    n_teams = min(len(_TEAMS), max(1, -(-count // _AGENTS_PER_TEAM)))
    teams = [_TEAMS[i % n_teams] for i in rng.permutation(count)]
    skills = _shuffled_quota(_SKILL_MIX, count, rng)
    hours = _shuffled_quota(_CONTRACTS, count, rng)
    levels = _shuffled_quota(_LEVEL_MIX, count, rng)
    bands = site.extra["pay_bands"]
    agents = []
    for i in range(count):
        agent_id = f"A{i + 1:03d}"
        weekly = hours[i]
        max_days = int(rng.choice([4, 5])) if weekly <= 20 else 5
        low, high = bands[levels[i]]
        pay = float(round(rng.uniform(low, high) / 10) * 10)
        shift = (None, "early", "late")[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        days_off: tuple[int, ...] = ()
        if rng.random() < 0.25:
            days_off = ((5,), (5,), (0,), (4,), (2,), (4, 5))[int(rng.integers(0, 6))]
        earliest = latest = None
        roll = rng.random()
        if roll < 0.08:
            earliest = dt.time(9) if weekly > 30 else (dt.time(10), dt.time(12))[int(rng.integers(0, 2))]
        elif roll < 0.14 and weekly <= 30:
            latest = (dt.time(15), dt.time(16), dt.time(17))[int(rng.integers(0, 3))]
        ordered = tuple(q for q in site.queue_names if q in skills[i])
        agents.append(Agent(agent_id=agent_id, name=names[i], team=teams[i], skills=ordered, weekly_hours=weekly,
                            max_days_per_week=max_days, level=levels[i], monthly_pay_eur=pay, preferred_shift=shift,
                            days_off_wish=days_off, earliest_start=earliest, latest_end=latest,
                            email=f"{agent_id.lower()}@demo.invalid"))
    return agents


def _shuffled_quota(mix, count: int, rng: np.random.Generator) -> list:
    """`count` values in the shares of `mix` ((value, share), …) by largest remainder, in random order."""
    exact = np.array([share for _, share in mix]) * count
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: count - counts.sum()]:
        counts[i] += 1
    values = [value for (value, _), c in zip(mix, counts, strict=True) for _ in range(c)]
    return [values[i] for i in rng.permutation(count)]


def _absences(site: Site, agents: list[Agent], end: dt.date, rng: np.random.Generator) -> list[Absence]:
    """Approved vacation for about a tenth of the agents in the six weeks after `end`, and a few sick notes."""
    vacation = max(1, round(_VACATION_SHARE * len(agents)))
    sick = min(_SICK_AGENTS, len(agents) - vacation)
    chosen = rng.choice(len(agents), size=vacation + sick, replace=False)
    monday = end + dt.timedelta(days=7 - end.weekday())
    spans = []
    for k, i in enumerate(chosen):
        if k < vacation:
            first = monday + dt.timedelta(days=7 * int(rng.integers(0, 5)))
            spans.append((agents[i].agent_id, first, first + dt.timedelta(days=int(rng.choice([4, 11]))),
                          "vacation"))
        else:
            first = monday + dt.timedelta(days=int(rng.integers(0, 3)))
            spans.append((agents[i].agent_id, first, first + dt.timedelta(days=int(rng.integers(1, 4))), "sick"))
    absences = [Absence(agent_id, _midnight(site, first), _midnight(site, last + dt.timedelta(days=1)), reason)
                for agent_id, first, last, reason in spans]
    return sorted(absences, key=lambda a: (a.start, a.agent_id))


def _midnight(site: Site, day: dt.date) -> dt.datetime:
    return local_instant(site, day, 0).to_pydatetime().astimezone(site.tz)


# --- files --------------------------------------------------------------------------------------------------

def _history_csv(history: pd.DataFrame) -> str:
    """history.csv text with local timestamps and their UTC offset (2025-12-01T08:00:00+01:00)."""
    starts = history["interval_start"]
    wall = starts.dt.tz_localize(None)
    offset_min = ((wall - starts.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1))
    offsets = {m: f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in offset_min.unique()}
    stamps = wall.to_numpy().astype("datetime64[s]").astype(str).astype(object) + offset_min.map(offsets).to_numpy()
    out = history.assign(interval_start=stamps)
    return out.to_csv(index=False, columns=list(HISTORY_COLUMNS), float_format="%.1f", na_rep="",
                      lineterminator="\n")


def _events_csv(events: pd.DataFrame) -> str:
    lines = [",".join(EVENT_COLUMNS)]
    for day, kind, queue, size in events.itertuples(index=False):
        size_text = "" if pd.isna(size) else (str(int(size)) if float(size).is_integer() else repr(float(size)))
        lines.append(f"{day.isoformat()},{kind},{queue or ''},{size_text}")
    return "\n".join(lines) + "\n"
