"""The checker's findings in the reader's language: German by default, English exactly as the checker says it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from forecasts.site import parse_site
from scheduler.checker import CheckContext, Violation, check_roster
from scheduler.domain import Absence, Agent
from scheduler.messages import N_, Day, Duration, Listing, Moment, Phrase, Term, render
from scheduler.roster import Roster
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web.violation_text import localized, publish_refused_text, shift_refused_text

BERLIN = ZoneInfo("Europe/Berlin")
REST = N_("%(who)s: only %(rest)s rest between the shift ending %(end)s and the one starting %(start)s; "
          "ArbZG §5 requires %(need)s")
PARAMS = {"who": "Tim Mayer", "rest": Duration(630), "end": Moment(dt.datetime(2026, 12, 1, 21, 30, tzinfo=BERLIN)),
          "start": Moment(dt.datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN)), "need": Duration(660)}
RESTED = Violation("T1", dt.date(2026, 12, 2), "rest_between_shifts", True, render(REST, PARAMS), REST, PARAMS)


@pytest.fixture
def in_language(app):
    """Run a function inside a request whose browser asks for `language`."""
    def run(language: str, function, *args):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            return function(*args)
    return run


def test_a_finding_in_german_and_in_english(in_language):
    assert RESTED.message == ("Tim Mayer: only 10 h 30 min rest between the shift ending Tue 01.12. 21:30 and the "
                              "one starting Wed 02.12. 08:00; ArbZG §5 requires 11 h")
    assert in_language("de", localized, RESTED) == (
        "Tim Mayer: nur 10 h 30 min Ruhezeit zwischen dem Schichtende Di. 01.12. 21:30 und dem Schichtbeginn "
        "Mi. 02.12. 08:00; ArbZG §5 verlangt 11 h")
    assert in_language("en", localized, RESTED) == RESTED.message


def test_nested_phrases_lists_and_words_of_the_data_are_translated_too(in_language):
    week = Phrase(N_("week %(number)s (%(first)s–%(last)s)"),
                  {"number": 50, "first": Day(dt.date(2026, 12, 7), weekday=False),
                   "last": Day(dt.date(2026, 12, 13), weekday=False)})
    template = N_("%(who)s: no two consecutive days off in %(week)s (days off: %(off)s); the site requires two in "
                  "a row")
    none_off = {"who": "Anna", "week": week, "off": Listing((), empty=N_("none"))}
    finding = Violation("A1", dt.date(2026, 12, 7), "days_off_per_week", True, render(template, none_off), template,
                        none_off)
    assert in_language("de", localized, finding) == (
        "Anna: keine zwei freien Tage am Stück in KW 50 (07.12.–13.12.) (freie Tage: keine); der Standort verlangt "
        "zwei hintereinander")
    assert in_language("en", localized, finding) == finding.message
    overlap = N_("%(who)s: the shift on %(day)s (%(span)s) overlaps %(absence)s")
    absence = Phrase(N_("%(reason)s on %(day)s"), {"reason": Term("vacation"), "day": Day(dt.date(2026, 12, 11))})
    params = {"who": "Anna", "day": Day(dt.date(2026, 12, 11)), "span": "07:00–15:30", "absence": absence}
    leave = Violation("A1", dt.date(2026, 12, 11), "leave_and_availability", True, render(overlap, params), overlap,
                      params)
    assert in_language("de", localized, leave) == (
        "Anna: die Schicht am Fr. 11.12. (07:00–15:30) überschneidet sich mit Urlaub am Fr. 11.12.")


def test_a_finding_without_a_template_or_with_a_broken_translation_shows_the_english_message(in_language):
    plain = Violation("A1", None, "custom", True, "something is off")
    assert in_language("de", localized, plain) == "something is off"
    unfit = Violation("A1", None, "custom", True, "x", "%(missing)s", {})
    assert in_language("de", localized, unfit) == "x"


def test_refusals_say_why_in_the_readers_language(in_language):
    assert in_language("de", shift_refused_text, [RESTED], [], False).startswith(
        "verletzt eine Regel: Tim Mayer: nur 10 h 30 min Ruhezeit")
    assert in_language("en", shift_refused_text, [], [RESTED], True) == "needs a reason to override: " + RESTED.message
    assert in_language("de", publish_refused_text, [RESTED, RESTED]).startswith(
        "2 Verstöße gegen harte Regeln müssen vor dem Veröffentlichen behoben werden, z. B. Tim Mayer: nur")
    assert in_language("en", publish_refused_text, [RESTED]) == (
        "1 hard-rule violation must be fixed before publishing, e.g. " + RESTED.message)


def test_every_finding_of_a_messy_week_reads_german_and_english(in_language):
    """German: translated, nothing left of the template; English: exactly the checker's message."""
    site = parse_site(SITE_TOML.replace('sun = "00:00-24:00"', "").replace(
        'sat = "09:00-14:00"', 'sat = "09:00-14:00"\n[site.special_days]\n"2026-12-24" = "08:00-12:00"'))
    anna = Agent("A1", "Anna", "Nord", ("billing",), 16, 2, preferred_shift="early", days_off_wish=(2,),
                 earliest_start=dt.time(9), latest_end=dt.time(15))
    ben = Agent("B2", "Ben", "Nord", ("billing",), 16, 5)

    def day(n: int) -> dt.date:
        return dt.date(2026, 12, 21) + dt.timedelta(days=n)

    shifts = [build_shift("A1", day(i), dt.time(8), dt.time(19, 30), "email" if i == 1 else "billing", [],
                          "Europe/Berlin") for i in range(7)]
    shifts.append(build_shift("B2", day(4), dt.time(8), dt.time(12), "billing", [], "Europe/Berlin"))
    absences = [Absence("A1", dt.datetime(2026, 12, 23, tzinfo=BERLIN), dt.datetime(2026, 12, 24, tzinfo=BERLIN),
                        "vacation")]
    found = check_roster(CheckContext.build(Roster(tuple(shifts)), [anna, ben], site, absences=absences,
                                            week_start=day(0), days=7))
    assert len({v.template for v in found}) >= 10
    for finding in found:
        german = in_language("de", localized, finding)
        assert german != finding.message and "%(" not in german, german
        assert in_language("en", localized, finding) == finding.message
    german = " | ".join(in_language("de", localized, v) for v in found)
    assert "Erster Weihnachtstag" in german and "Urlaub" in german and "KW 52" in german
