"""The roster checker's findings in the reader's language: the template translated, the parameters formatted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache

import holidays
from babel.dates import get_day_names
from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from scheduler.checker import Violation
from scheduler.messages import Clock, Day, Holiday, Listing, Moment, Number, Phrase, Span, Term, Weekday

# The same pattern as the dates elsewhere on the pages ("Di. 01.12.", "Tue 01.12."): a finding next to a day
# column reads the same as the column.
DAY_PATTERN = "EEE dd.MM."
# Words from the data that the catalogue knows (activities, absence reasons); any other is shown as it is.
TERMS = {"break": _l("break"), "training": _l("training"), "meeting": _l("meeting"), "vacation": _l("vacation"),
         "sick": _l("sick"), "absence": _l("absence")}


def localized(violation: Violation) -> str:
    """The finding in the current locale; the English message when it has no template, or when a translation
    does not fit its parameters (a broken catalogue entry must not break the page)."""
    if not violation.template:
        return violation.message
    try:
        return _text(violation.template, violation.params)
    except (KeyError, TypeError, ValueError):
        return violation.message


def localized_list(violations: Iterable[Violation]) -> str:
    return "; ".join(localized(v) for v in violations)


def shift_refused_text(blocking: Iterable[Violation], overridable: Iterable[Violation], needs_reason: bool) -> str:
    """Why an edit was not saved, as roster_store.ShiftRefused says it, in the reader's language."""
    blocking, overridable = list(blocking), list(overridable)
    if needs_reason and not blocking:
        return gettext("needs a reason to override: %(findings)s", findings=localized_list(overridable))
    return gettext("breaks a rule: %(findings)s", findings=localized_list(blocking or overridable))


def publish_refused_text(violations: list[Violation]) -> str:
    """Why publishing was refused, as roster_store.PublishRefused says it, in the reader's language."""
    return ngettext("%(num)d hard-rule violation must be fixed before publishing, e.g. %(example)s",
                    "%(num)d hard-rule violations must be fixed before publishing, e.g. %(example)s",
                    len(violations), example=localized(violations[0]))


def _text(template: str, params: Mapping[str, object]) -> str:
    return gettext(template) % {key: _value(value) for key, value in params.items()}


def _value(value: object) -> str:
    if isinstance(value, Day):
        return format_date(value.date, DAY_PATTERN if value.weekday else "dd.MM.")
    if isinstance(value, Moment):
        return f"{_value(Day(value.at.date()))} {Clock(value.at)}"
    if isinstance(value, Span):
        if not value.days:
            return str(value)  # clocks only: "08:00–16:30" in either language
        if value.start.date() == value.end.date():
            return f"{_value(Moment(value.start))}–{Clock(value.end)}"
        return f"{_value(Moment(value.start))}–{_value(Moment(value.end))}"
    if isinstance(value, Weekday):
        return get_day_names("abbreviated", context="format", locale=get_locale())[value.number]
    if isinstance(value, Number):
        return format_decimal(value.value, None if value.places is None else "0." + "0" * value.places)
    if isinstance(value, Term):
        known = TERMS.get(value.text)
        return str(known) if known is not None else value.text
    if isinstance(value, Holiday):
        return _holiday(value)
    if isinstance(value, Listing):
        return _word(value.separator).join(_value(i) for i in value.items) or _word(value.empty)
    if isinstance(value, Phrase):
        return _text(value.template, value.params)
    # Clock ("21:30") and Duration ("10 h 30 min": h and min are the units the German pages use too, as in
    # "h/Woche") read the same in both languages; whole numbers stay unformatted (a year is "2027", not "2.027").
    return str(value)


def _word(text: str) -> str:
    """A separator or filler word of a listing; gettext("") would answer the catalogue's header."""
    return gettext(text) if text.strip(" ,;") else text


def _holiday(holiday: Holiday) -> str:
    language = get_locale().language if get_locale() is not None else "en"
    if language == "en":
        return holiday.name
    return _holiday_names(holiday.calendar, language, holiday.date.year).get(holiday.date) or holiday.name


@lru_cache(maxsize=16)
def _holiday_names(calendar: str, language: str, year: int) -> dict[dt.date, str]:
    country, _, subdiv = calendar.partition("-")
    return dict(holidays.country_holidays(country, subdiv=subdiv or None, years=year, language=language))
