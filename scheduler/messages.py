"""Messages as data: an English template marked for translation, and parameters that read in English by default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def N_(text: str) -> str:
    """Mark a template for the translation catalogue; it is translated where it is shown, not here."""
    return text


def render(template: str, params: Mapping[str, object]) -> str:
    """The English text: the template (placeholders only as %(name)s, a literal % as %%) filled with each
    parameter's str()."""
    return template % {key: str(value) for key, value in params.items()}


def params_json(params: Mapping[str, object]) -> dict[str, Any]:
    """Parameters for JSON: dates and times as ISO strings, durations in minutes, lists as arrays, nested
    phrases as {"template", "params"}."""
    return {key: _json(value) for key, value in params.items()}


def _json(value: object) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return value.json()  # type: ignore[attr-defined]  # every value type below has one


@dataclass(frozen=True)
class Day:
    """A local date: 'Tue 01.12.', or '01.12.' without the weekday."""

    date: dt.date
    weekday: bool = True

    def __str__(self) -> str:
        return f"{WEEKDAY_ABBR[self.date.weekday()]} {self.date:%d.%m.}" if self.weekday else f"{self.date:%d.%m.}"

    def json(self) -> str:
        return self.date.isoformat()


@dataclass(frozen=True)
class Clock:
    """A local wall-clock time '21:30'; minutes since midnight allow '24:00'."""

    at: dt.time | dt.datetime | int

    def __str__(self) -> str:
        if isinstance(self.at, int):
            return f"{self.at // 60:02d}:{self.at % 60:02d}"
        return f"{self.at:%H:%M}"

    def json(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Moment:
    """A local date and time: 'Tue 01.12. 21:30'."""

    at: dt.datetime

    def __str__(self) -> str:
        return f"{Day(self.at.date())} {Clock(self.at)}"

    def json(self) -> str:
        return self.at.isoformat()


@dataclass(frozen=True)
class Span:
    """A local time span: 'Mon 07.12. 08:00–16:30', both days when it crosses midnight; with days=False only
    the clocks, '08:00–16:30'."""

    start: dt.datetime
    end: dt.datetime
    days: bool = True

    def __str__(self) -> str:
        if not self.days:
            return f"{Clock(self.start)}–{Clock(self.end)}"
        if self.start.date() == self.end.date():
            return f"{Moment(self.start)}–{Clock(self.end)}"
        return f"{Moment(self.start)}–{Moment(self.end)}"

    def json(self) -> str:
        """An ISO 8601 interval."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


@dataclass(frozen=True)
class Duration:
    """Elapsed minutes read like speech: '9 h 30 min', '10 h', '45 min', '0 min'."""

    minutes: int

    def __str__(self) -> str:
        sign, minutes = ("-", -self.minutes) if self.minutes < 0 else ("", self.minutes)
        hours, rest = divmod(int(minutes), 60)
        if hours and rest:
            return f"{sign}{hours} h {rest} min"
        return f"{sign}{hours} h" if hours else f"{sign}{rest} min"

    def json(self) -> int:
        return self.minutes


@dataclass(frozen=True)
class Weekday:
    """A weekday by number (0 = Monday): 'Sat'."""

    number: int

    def __str__(self) -> str:
        return WEEKDAY_ABBR[self.number]

    def json(self) -> int:
        return self.number


@dataclass(frozen=True)
class Number:
    """A decimal number: with `places` fixed ('1.0'), else as short as it goes ('10', '2.5')."""

    value: float
    places: int | None = None

    def __str__(self) -> str:
        return f"{self.value:g}" if self.places is None else f"{self.value:.{self.places}f}"

    def json(self) -> float:
        return self.value


@dataclass(frozen=True)
class Term:
    """A word from the data (an activity such as 'break', an absence reason such as 'vacation'): shown as it is;
    a UI may translate the ones it knows."""

    text: str

    def __str__(self) -> str:
        return self.text

    def json(self) -> str:
        return self.text


@dataclass(frozen=True)
class Holiday:
    """A public holiday's name as the site's calendar (e.g. 'DE-BB') gives it in English: 'Christmas Day'."""

    name: str
    date: dt.date
    calendar: str

    def __str__(self) -> str:
        return self.name

    def json(self) -> str:
        return self.name


@dataclass(frozen=True)
class Listing:
    """Items joined by `separator`, or `empty` when there are none. Both are msgids (marked with N_) when they
    hold words, such as ' and ' or 'none'."""

    items: tuple[object, ...]
    separator: str = ", "
    empty: str = ""

    def __str__(self) -> str:
        return self.separator.join(str(i) for i in self.items) or self.empty

    def json(self) -> list[Any]:
        return [_json(i) for i in self.items]


@dataclass(frozen=True)
class Phrase:
    """A part of a message with a template of its own ('week %(number)s (%(first)s–%(last)s)')."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.template, self.params)

    def json(self) -> dict[str, Any]:
        return {"template": self.template, "params": params_json(self.params)}
