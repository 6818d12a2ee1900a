"""How many of the agents' wishes a roster meets: preferred early or late shifts, and wished days off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduler.checker import EARLY_STARTS_BEFORE, LATE_ENDS_AFTER
from scheduler.domain import Agent
from scheduler.roster import Shift


@dataclass(frozen=True)
class WishTally:
    met: int
    total: int

    @property
    def share(self) -> float | None:
        """Met / total; None when nobody wished anything."""
        return self.met / self.total if self.total else None


def is_early(shift: Shift, zone: ZoneInfo) -> bool:
    return shift.start.astimezone(zone).time() < EARLY_STARTS_BEFORE


def is_late(shift: Shift, zone: ZoneInfo) -> bool:
    end = shift.end.astimezone(zone)
    return end.date() > shift.date or end.time() > LATE_ENDS_AFTER


def wishes_met(shifts: Iterable[Shift], agents: Sequence[Agent], days: Sequence[dt.date],
               zone: ZoneInfo) -> tuple[WishTally, dict[str, WishTally]]:
    """Over `days`: each shift of an agent who prefers early (late) shifts is one wish, met when it is early
    (late); each day whose weekday an agent wished off is one wish, met when they have no shift that day.
    Returns the whole roster's tally and each agent's (agents who wished nothing are left out)."""
    period = set(days)
    by_agent: dict[str, list[Shift]] = {}
    for shift in shifts:
        if shift.date in period:
            by_agent.setdefault(shift.agent_id, []).append(shift)
    tallies: dict[str, WishTally] = {}
    for agent in agents:
        mine = by_agent.get(agent.agent_id, [])
        met = total = 0
        if agent.preferred_shift in ("early", "late"):
            fits = is_early if agent.preferred_shift == "early" else is_late
            total += len(mine)
            met += sum(fits(s, zone) for s in mine)
        if agent.days_off_wish:
            worked = {s.date for s in mine}
            wished = [d for d in period if d.weekday() in agent.days_off_wish]
            total += len(wished)
            met += sum(d not in worked for d in wished)
        if total:
            tallies[agent.agent_id] = WishTally(met, total)
    return WishTally(sum(t.met for t in tallies.values()), sum(t.total for t in tallies.values())), tallies
