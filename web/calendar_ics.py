"""iCalendar (RFC 5545) text for shift events: a VCALENDAR with the site's VTIMEZONE and one VEVENT per shift."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

PRODID = "-//WFM//Roster feed//EN"
REFRESH = dt.timedelta(hours=1)  # how often calendar apps should fetch the feed again (X-PUBLISHED-TTL below)


@dataclass(frozen=True)
class CalendarEvent:
    """One shift as an event: `uid` stays the same across roster versions so a client replaces the event."""

    uid: str
    start: dt.datetime  # aware, in the calendar's zone
    end: dt.datetime
    summary: str
    description: str
    modified: dt.datetime  # when the roster holding it was published


@dataclass(frozen=True)
class Transition:
    onset: dt.datetime  # naive wall-clock time in the offset before the change, as RFC 5545 wants DTSTART
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    standard: bool


def calendar_bytes(events: Sequence[CalendarEvent], *, name: str, tzid: str, today: dt.date) -> bytes:
    """The feed: calendar properties, the VTIMEZONE covering all events (and today), then the events."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", tzid)
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")  # Outlook's older name for REFRESH-INTERVAL
    days = [today] + [e.start.date() for e in events] + [e.end.date() for e in events]
    calendar.add_component(vtimezone(tzid, dt.date(min(days).year, 1, 1), dt.date(max(days).year + 1, 1, 1)))
    zone = ZoneInfo(tzid)
    for item in events:
        event = Event()
        event.add("UID", item.uid)
        event.add("DTSTAMP", item.modified.astimezone(dt.UTC))
        event.add("LAST-MODIFIED", item.modified.astimezone(dt.UTC))
        event.add("DTSTART", item.start.astimezone(zone))
        event.add("DTEND", item.end.astimezone(zone))
        event.add("SUMMARY", item.summary)
        event.add("DESCRIPTION", item.description)
        event.add("TRANSP", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def vtimezone(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """The zone's offsets and changes between two dates as a VTIMEZONE, one observance per kind of change with
    its further onsets as RDATEs. Built here rather than with icalendar's Timezone.from_tzid, which (7.3) puts
    the spring change an hour late: its DAYLIGHT DTSTART is the new wall clock, RFC 5545 reads it in the old."""
    grouped: dict[tuple[dt.timedelta, dt.timedelta, str, bool], list[dt.datetime]] = {}
    for change in transitions(tzid, first, last):
        key = (change.offset_from, change.offset_to, change.name, change.standard)
        grouped.setdefault(key, []).append(change.onset)
    component = Timezone()
    component.add("TZID", tzid)
    for (offset_from, offset_to, name, standard), onsets in grouped.items():
        observance = TimezoneStandard() if standard else TimezoneDaylight()
        observance.add("DTSTART", onsets[0])
        if onsets[1:]:
            observance.add("RDATE", onsets[1:])
        observance.add("TZOFFSETFROM", offset_from)
        observance.add("TZOFFSETTO", offset_to)
        observance.add("TZNAME", name)
        component.add_component(observance)
    return component


@functools.lru_cache(maxsize=32)
def transitions(tzid: str, first: dt.date, last: dt.date) -> tuple[Transition, ...]:
    """The zone's state at `first` (as an onset from and to the same offset) and every change until `last`."""
    zone = ZoneInfo(tzid)
    start = dt.datetime.combine(first, dt.time(), zone)
    moment = int(start.timestamp())
    stop = int(dt.datetime.combine(last, dt.time(), zone).timestamp())
    result = [_transition(moment, zone, start.utcoffset())]
    # Zones change at most once a day, so a daily scan finds every change; bisection then finds its second.
    while moment < stop:
        following = min(moment + 86_400, stop)
        if _offset(following, zone) != _offset(moment, zone):
            before, after = moment, following
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (middle, after) if _offset(middle, zone) == _offset(before, zone) else (before, middle)
            result.append(_transition(after, zone, _offset(before, zone)))
        moment = following
    return tuple(result)


def _offset(timestamp: int, zone: ZoneInfo) -> dt.timedelta:
    return dt.datetime.fromtimestamp(timestamp, zone).utcoffset()


def _transition(timestamp: int, zone: ZoneInfo, offset_from: dt.timedelta) -> Transition:
    local = dt.datetime.fromtimestamp(timestamp, zone)
    onset = dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None) + offset_from
    return Transition(onset, offset_from, local.utcoffset(), local.tzname(), local.dst() == dt.timedelta(0))
