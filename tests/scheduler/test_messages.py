"""Message parameters: how each reads in English and what JSON clients get to localize it themselves."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduler.messages import (
    N_,
    Clock,
    Day,
    Duration,
    Holiday,
    Listing,
    Moment,
    Number,
    Phrase,
    Span,
    Term,
    Weekday,
    params_json,
    render,
)

BERLIN = ZoneInfo("Europe/Berlin")
EVENING = dt.datetime(2026, 12, 1, 21, 30, tzinfo=BERLIN)
MORNING = dt.datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("value, english, json", [
    (Day(dt.date(2026, 12, 1)), "Tue 01.12.", "2026-12-01"),
    (Day(dt.date(2026, 12, 1), weekday=False), "01.12.", "2026-12-01"),
    (Moment(EVENING), "Tue 01.12. 21:30", "2026-12-01T21:30:00+01:00"),
    (Clock(EVENING), "21:30", "21:30"),
    (Clock(dt.time(7, 5)), "07:05", "07:05"),
    (Clock(24 * 60), "24:00", "24:00"),
    (Span(EVENING, EVENING.replace(hour=23, minute=0)), "Tue 01.12. 21:30–23:00",
     "2026-12-01T21:30:00+01:00/2026-12-01T23:00:00+01:00"),
    (Span(EVENING, MORNING), "Tue 01.12. 21:30–Wed 02.12. 08:00",
     "2026-12-01T21:30:00+01:00/2026-12-02T08:00:00+01:00"),
    (Span(EVENING, MORNING, days=False), "21:30–08:00", "2026-12-01T21:30:00+01:00/2026-12-02T08:00:00+01:00"),
    (Duration(630), "10 h 30 min", 630),
    (Duration(600), "10 h", 600),
    (Duration(45), "45 min", 45),
    (Duration(0), "0 min", 0),
    (Duration(-90), "-1 h 30 min", -90),
    (Weekday(5), "Sat", 5),
    (Number(10.0), "10", 10.0),
    (Number(2 / 3, 1), "0.7", 2 / 3),
    (Term("vacation"), "vacation", "vacation"),
    (Holiday("Christmas Day", dt.date(2026, 12, 25), "DE-BB"), "Christmas Day", "Christmas Day"),
    (Listing((Clock(dt.time(7)), Clock(dt.time(17))), N_(" and ")), "07:00 and 17:00", ["07:00", "17:00"]),
    (Listing((), empty=N_("none")), "none", []),
    (Phrase(N_("%(reason)s on %(day)s"), {"reason": Term("sick"), "day": Day(dt.date(2026, 12, 11))}),
     "sick on Fri 11.12.", {"template": "%(reason)s on %(day)s", "params": {"reason": "sick", "day": "2026-12-11"}}),
])
def test_a_parameter_in_english_and_in_json(value, english, json):
    assert str(value) == english
    assert params_json({"x": value}) == {"x": json}


def test_render_fills_the_template_with_the_english_parameters():
    assert render("%(who)s: %(n)s shifts, ± %(p)s %%", {"who": "Anna", "n": 2, "p": Number(10.0)}) == \
        "Anna: 2 shifts, ± 10 %"
    assert render("no placeholders", {}) == "no placeholders"
    assert params_json({"n": 2, "who": "Anna", "none": None}) == {"n": 2, "who": "Anna", "none": None}
