"""The share of wishes a roster meets, on a hand-checked week."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduler.domain import Agent
from scheduler.shift_edit import build_shift
from scheduler.wishes import WishTally, wishes_met

ZONE = ZoneInfo("Europe/Berlin")
MONDAY = dt.date(2026, 12, 7)
DAYS = [MONDAY + dt.timedelta(days=i) for i in range(7)]


def _shift(agent: str, day: int, start: int, end: int):
    return build_shift(agent, MONDAY + dt.timedelta(days=day), dt.time(start), dt.time(end), "billing", [],
                       "Europe/Berlin")


def _agent(agent_id: str, preferred: str | None = None, off: tuple[int, ...] = ()) -> Agent:
    return Agent(agent_id, agent_id, "Nord", ("billing",), 20.0, 5, preferred_shift=preferred, days_off_wish=off)


def test_early_and_late_wishes_count_each_shift_and_days_off_each_wished_day():
    shifts = [_shift("E", 0, 8, 14), _shift("E", 1, 11, 17),      # early wish: Monday met, Tuesday not
              _shift("L", 0, 12, 19),                              # late wish: met (ends after 18:00)
              _shift("F", 2, 8, 14)]                               # wished Wednesday and Friday off: 1 of 2
    agents = [_agent("E", "early"), _agent("L", "late"), _agent("F", off=(2, 4)), _agent("N")]
    total, per_agent = wishes_met(shifts, agents, DAYS, ZONE)
    assert per_agent == {"E": WishTally(1, 2), "L": WishTally(1, 1), "F": WishTally(1, 2)}
    assert total == WishTally(3, 5) and total.share == 0.6


def test_nobody_wishing_anything_gives_no_share():
    total, per_agent = wishes_met([_shift("N", 0, 8, 16)], [_agent("N")], DAYS, ZONE)
    assert (total.share, per_agent) == (None, {})


def test_shifts_outside_the_period_do_not_count():
    total, _ = wishes_met([_shift("E", 0, 12, 18)], [_agent("E", "early")], DAYS[1:], ZONE)
    assert total == WishTally(0, 0)
