"""The site description (site.toml): time zone, holidays, opening hours and queues, validated."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

CHANNELS = ("phone", "chat", "email")
INTERVAL_MINUTES = (15, 30, 60)
MAX_CHAT_SLOWDOWN = 0.5
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")

_SITE_KEYS = {"name", "timezone", "holidays", "interval_minutes", "opening_hours", "special_days",
              "open_on_holidays"}
_QUEUE_KEYS = {"channel", "service_level", "answer_within_s", "answer_within_hours", "patience_s",
               "max_occupancy", "shrinkage", "concurrency", "label", "default_aht_s", "concurrency_slowdown",
               "prefer_quiet_intervals"}


class SiteConfigError(ValueError):
    """A site.toml that cannot be used; the message lists every problem with its key."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


@dataclass(frozen=True)
class OpeningRange:
    """One stretch of opening on a local day, in minutes after local midnight (end may be 1440)."""

    start_min: int
    end_min: int

    def __str__(self) -> str:
        return f"{_clock(self.start_min)}-{_clock(self.end_min)}"


@dataclass(frozen=True)
class QueueConfig:
    """One queue's channel and service target."""

    name: str
    channel: str
    service_level: float
    answer_within_s: float | None = None
    answer_within_hours: float | None = None
    patience_s: float | None = None
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    concurrency: int = 1
    label: str | None = None
    default_aht_s: float | None = None  # handle time to use where the history has none
    concurrency_slowdown: float = 0.3  # chat: each extra concurrent chat makes every chat this much slower
    prefer_quiet_intervals: bool = True  # e-mail: work the backlog when the phone queues are quiet


@dataclass(frozen=True)
class Site:
    """Everything about a site that forecasts and rosters depend on."""

    name: str
    timezone: str
    holidays: str
    interval_minutes: int
    opening_hours: Mapping[int, tuple[OpeningRange, ...]]
    special_days: Mapping[str, tuple[OpeningRange, ...]]
    queues: tuple[QueueConfig, ...]
    open_on_holidays: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def queue_names(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.queues)

    def queue(self, name: str) -> QueueConfig:
        for q in self.queues:
            if q.name == name:
                return q
        raise KeyError(f"unknown queue {name!r}; the site has {', '.join(self.queue_names)}")


def load_site(path: str | Path) -> Site:
    """Read and validate a site.toml file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SiteConfigError(str(path), ["file not found; give the path of the site's site.toml"]) from None
    return parse_site(decode_site(data, str(path)), source=path.name)


def decode_site(data: bytes, source: str = "site.toml") -> str:
    """The text of a site.toml: UTF-8 (a byte-order mark is fine), as TOML requires; else refused with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SiteConfigError(source, [f"line {line}: byte 0x{data[exc.start]:02X} is not UTF-8; TOML files are "
                                       "UTF-8 text: save the file as UTF-8"]) from None


def parse_site(text: str, source: str = "site.toml") -> Site:
    """Validate the text of a site.toml; every problem found is reported at once."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(source, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    raw_site = doc.get("site")
    if not isinstance(raw_site, dict):
        raise SiteConfigError(source, ["missing the [site] table (name, timezone, holidays, interval_minutes)"])
    _unknown_keys(raw_site, _SITE_KEYS, "[site]", problems)

    name = raw_site.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("[site] name: missing; give the site a name, e.g. name = \"Kundenservice Potsdam\"")
        name = ""
    timezone = _timezone(raw_site.get("timezone"), problems)
    holiday_code = _holiday_code(raw_site.get("holidays"), problems)
    interval = raw_site.get("interval_minutes", 15)
    if isinstance(interval, bool) or interval not in INTERVAL_MINUTES:
        problems.append(f"[site] interval_minutes = {interval!r}: use 15, 30 or 60")
        interval = 15
    open_on_holidays = raw_site.get("open_on_holidays", False)
    if not isinstance(open_on_holidays, bool):
        problems.append(f"[site] open_on_holidays = {open_on_holidays!r}: use true or false")
        open_on_holidays = False

    opening = _opening_hours(raw_site.get("opening_hours"), interval, problems)
    special = _special_days(raw_site.get("special_days", {}), interval, problems)
    queues = _queues(doc.get("queues"), problems)
    if problems:
        raise SiteConfigError(source, problems)
    extra = {k: v for k, v in doc.items() if k not in ("site", "queues")}
    return Site(name=name.strip(), timezone=timezone, holidays=holiday_code, interval_minutes=interval,
                opening_hours=opening, special_days=special, queues=queues,
                open_on_holidays=open_on_holidays, extra=extra)


def parse_opening(value: Any, where: str, interval: int, problems: list[str]) -> tuple[OpeningRange, ...]:
    """Parse '08:00-20:00', '08:00-12:00, 13:00-18:00' or 'closed' into ranges."""
    if not isinstance(value, str):
        problems.append(f"{where} = {value!r}: write opening hours as \"08:00-20:00\" or \"closed\"")
        return ()
    if value.strip().lower() == "closed":
        return ()
    ranges: list[OpeningRange] = []
    for part in value.split(","):
        bounds = part.strip().split("-")
        if len(bounds) != 2:
            problems.append(f"{where} = {value!r}: write each range as HH:MM-HH:MM, e.g. \"08:00-20:00\"")
            return ()
        start, end = (_minutes(b.strip()) for b in bounds)
        if start is None or end is None:
            problems.append(f"{where} = {value!r}: {part.strip()!r} is not HH:MM-HH:MM with times 00:00 to 24:00")
            return ()
        if end <= start:
            problems.append(f"{where} = {value!r}: {part.strip()} ends before it starts; an overnight opening is "
                            "written as two days (\"22:00-24:00\" and \"00:00-06:00\")")
            return ()
        if start % interval or end % interval:
            problems.append(f"{where} = {value!r}: times must fall on the {interval}-minute interval grid")
            return ()
        if ranges and start < ranges[-1].end_min:
            problems.append(f"{where} = {value!r}: ranges overlap or are not in order")
            return ()
        ranges.append(OpeningRange(start, end))
    return tuple(ranges)


def _minutes(text: str) -> int | None:
    m = _CLOCK.fullmatch(text)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _unknown_keys(table: Mapping[str, Any], known: set[str], where: str, problems: list[str]) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
            problems.append(f"{where} {key}: unknown key{hint}")


def _timezone(value: Any, problems: list[str]) -> str:
    if not isinstance(value, str) or not value:
        problems.append("[site] timezone: missing; give an IANA zone such as \"Europe/Berlin\"")
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"[site] timezone = {value!r}: not a known time zone; use an IANA name such as "
                        "\"Europe/Berlin\"")
        return "UTC"
    return value


def _holiday_code(value: Any, problems: list[str]) -> str:
    if not isinstance(value, str) or not value:
        problems.append("[site] holidays: missing; give country and subdivision, e.g. \"DE-BB\"")
        return ""
    country, _, subdiv = value.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError:
        supported = holidays.list_supported_countries()
        if country not in supported:
            problems.append(f"[site] holidays = {value!r}: unknown country {country!r}; use an ISO code "
                            "such as \"DE\"")
        else:
            subdivs = ", ".join(supported[country])
            problems.append(f"[site] holidays = {value!r}: unknown subdivision {subdiv!r} of {country}; "
                            f"use one of {subdivs}")
    return value


def _opening_hours(value: Any, interval: int, problems: list[str]) -> dict[int, tuple[OpeningRange, ...]]:
    if not isinstance(value, dict):
        problems.append("[site.opening_hours]: missing; give hours per weekday, e.g. mon = \"08:00-20:00\"")
        return {}
    hours: dict[int, tuple[OpeningRange, ...]] = {}
    for key, text in value.items():
        if key not in WEEKDAYS:
            problems.append(f"[site.opening_hours] {key}: not a weekday; use {', '.join(WEEKDAYS)}")
            continue
        ranges = parse_opening(text, f"[site.opening_hours] {key}", interval, problems)
        if ranges:
            hours[WEEKDAYS.index(key)] = ranges
    return hours


def _special_days(value: Any, interval: int, problems: list[str]) -> dict[str, tuple[OpeningRange, ...]]:
    """Keys are 'YYYY-MM-DD' (one date) or 'MM-DD' (every year), values opening hours or 'closed'."""
    if not isinstance(value, dict):
        problems.append("[site.special_days]: must be a table of \"MM-DD\" or \"YYYY-MM-DD\" = hours")
        return {}
    special: dict[str, tuple[OpeningRange, ...]] = {}
    for key, text in value.items():
        key = str(key)
        if not _is_special_day_key(key):
            problems.append(f"[site.special_days] {key}: use \"MM-DD\" for every year or \"YYYY-MM-DD\" for one date")
            continue
        special[key] = parse_opening(text, f"[site.special_days] {key}", interval, problems)
    return special


def _is_special_day_key(key: str) -> bool:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
            dt.date.fromisoformat(key)
            return True
        if re.fullmatch(r"\d{2}-\d{2}", key):
            dt.date.fromisoformat(f"2024-{key}")  # a leap year, so 02-29 is allowed
            return True
    except ValueError:
        return False
    return False


def _queues(value: Any, problems: list[str]) -> tuple[QueueConfig, ...]:
    if not isinstance(value, dict) or not value:
        problems.append("[queues]: no queues; add at least one, e.g. [queues.billing] with channel = \"phone\"")
        return ()
    queues = []
    for name, table in value.items():
        where = f"[queues.{name}]"
        if not QUEUE_NAME.fullmatch(name):
            problems.append(f"{where}: queue names may contain only letters, digits, '_' and '-'")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table with channel and service_level")
            continue
        queue = _queue(name, table, where, problems)
        if queue is not None:
            queues.append(queue)
    return tuple(queues)


def _queue(name: str, table: dict[str, Any], where: str, problems: list[str]) -> QueueConfig | None:
    _unknown_keys(table, _QUEUE_KEYS, where, problems)
    before = len(problems)
    channel = table.get("channel")
    if channel not in CHANNELS:
        problems.append(f"{where} channel = {channel!r}: not a channel; use one of {', '.join(CHANNELS)}")
    service_level = _number(table, "service_level", where, problems, low=0, high=1, required=True,
                            low_open=True, high_open=True)
    answer_s = _number(table, "answer_within_s", where, problems, low=0, low_open=True,
                       required=channel in ("phone", "chat"))
    answer_h = _number(table, "answer_within_hours", where, problems, low=0, low_open=True,
                       required=channel == "email")
    patience = _number(table, "patience_s", where, problems, low=0, low_open=True)
    occupancy = _number(table, "max_occupancy", where, problems, low=0, high=1, low_open=True)
    shrinkage = _number(table, "shrinkage", where, problems, low=0, high=1, high_open=True)
    concurrency = table.get("concurrency", 1)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 10:
        problems.append(f"{where} concurrency = {concurrency!r}: give a whole number of contacts at once, 1 to 10")
        concurrency = 1
    if channel != "chat" and concurrency != 1:
        problems.append(f"{where} concurrency: only chat queues handle several contacts at once")
    default_aht = _number(table, "default_aht_s", where, problems, low=0, low_open=True)
    # Above 0.5 the chat model's balanced-load assumption overstates the service level by more than 0.01.
    slowdown = _number(table, "concurrency_slowdown", where, problems, low=0, high=MAX_CHAT_SLOWDOWN)
    if slowdown is not None and channel != "chat":
        problems.append(f"{where} concurrency_slowdown: only chat queues handle several contacts at once")
    prefer_quiet = table.get("prefer_quiet_intervals", True)
    if not isinstance(prefer_quiet, bool):
        problems.append(f"{where} prefer_quiet_intervals = {prefer_quiet!r}: use true or false")
    label = table.get("label")
    if label is not None and not isinstance(label, str):
        problems.append(f"{where} label = {label!r}: must be text")
    if len(problems) > before:
        return None
    return QueueConfig(name=name, channel=channel, service_level=service_level, answer_within_s=answer_s,
                       answer_within_hours=answer_h, patience_s=patience, max_occupancy=occupancy,
                       shrinkage=shrinkage or 0.0, concurrency=concurrency, label=label, default_aht_s=default_aht,
                       concurrency_slowdown=0.3 if slowdown is None else slowdown,
                       prefer_quiet_intervals=bool(prefer_quiet))


def _number(table: dict[str, Any], key: str, where: str, problems: list[str], *, low: float | None = None,
            high: float | None = None, required: bool = False, low_open: bool = False,
            high_open: bool = False) -> float | None:
    value = table.get(key)
    if value is None:
        if required:
            problems.append(f"{where} {key}: missing; this channel needs it")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where} {key} = {value!r}: must be a number")
        return None
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{low if low is not None else '-inf'}, {high if high is not None else 'inf'}{right}"
        problems.append(f"{where} {key} = {value!r}: must lie in {span}")
        return None
    return float(value)
