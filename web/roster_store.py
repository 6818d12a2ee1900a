"""Stored rosters: versions of a site's week, edits checked by the roster checker, approval and publishing,
with every change written to the roster's audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from scheduler.checker import CheckContext, Violation, check_roster
from scheduler.roster import Roster, Segment, Shift
from scheduler.rules import rules_for_site
from web import models
from web.notify import N_, agent_users, notify
from web.repository import site_config

DRAFT, AWAITING, APPROVED, PUBLISHED, SUPERSEDED = "draft", "awaiting_approval", "approved", "published", "superseded"
EDITABLE = (DRAFT,)
# Hard rules a team lead may still override with a written reason: contract matters between employer and
# employee. ArbZG's limits, leave, skills and the shape of a shift are never overridable.
OVERRIDABLE_HARD_RULES = frozenset({"weekly_contract_hours", "max_days_per_week"})


class RosterStateError(ValueError):
    """The action does not fit the version's state (editing a published week, publishing without approval)."""


class StaleVersion(RosterStateError):
    """Somebody saved the version since it was loaded: `lock_version` moved on."""

    def __init__(self, version: models.RosterVersion, expected: int):
        super().__init__(f"roster {version.week_start} version {version.number} was changed by someone else "
                         f"(now at edit {version.lock_version}, you had {expected}); reload it and apply your "
                         "change again")
        self.current, self.expected = version.lock_version, expected


@dataclass(frozen=True)
class EditCheck:
    """What an edit would newly break: `blocking` stops it, `overridable` needs a reason."""

    blocking: tuple[Violation, ...]
    overridable: tuple[Violation, ...]

    @property
    def clean(self) -> bool:
        return not self.blocking and not self.overridable


class PublishRefused(RosterStateError):
    """Publishing refused because hard rules are broken; `violations` lists them."""

    def __init__(self, violations: list[Violation]):
        super().__init__(f"{len(violations)} hard-rule violation(s) must be fixed before publishing, e.g. "
                         f"{violations[0].message}")
        self.violations = violations


class ShiftRefused(RosterStateError):
    """An edit the rules do not allow (or that needs a reason it was not given)."""

    def __init__(self, check: EditCheck, needs_reason: bool):
        problems = check.blocking or check.overridable
        lead = ("needs a reason to override: " if needs_reason and not check.blocking else "breaks a rule: ")
        super().__init__(lead + "; ".join(v.message for v in problems))
        self.check, self.needs_reason = check, needs_reason


# --- conversion ------------------------------------------------------------------------------------------------

def segments_json(shift: Shift) -> list[list[str]]:
    return [[s.start.isoformat(), s.end.isoformat(), s.activity] for s in shift.segments]


def shift_of(row: models.RosterShift) -> Shift:
    return Shift(row.agent_id, row.date, tuple(Segment(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b), c)
                                               for a, b, c in row.segments))


def roster_of(version: models.RosterVersion) -> Roster:
    return Roster(tuple(shift_of(row) for row in version.shifts))


def _row(shift: Shift) -> models.RosterShift:
    return models.RosterShift(agent_id=shift.agent_id, date=shift.date, start=shift.start, end=shift.end,
                              segments=segments_json(shift))


def shift_summary(shift: Shift | None) -> dict[str, Any] | None:
    """A shift as the audit trail records it."""
    return None if shift is None else {"start": shift.start.isoformat(), "end": shift.end.isoformat(),
                                       "segments": segments_json(shift)}


# --- versions --------------------------------------------------------------------------------------------------

def save_version(session: Session, site_id: int, week_start: dt.date, days: int, roster: Roster, *,
                 created_by: str, job_id: str | None = None, forecast_run: int | None = None,
                 summary: dict[str, Any] | None = None, based_on: int | None = None) -> models.RosterVersion:
    """A new draft version of the site's period holding `roster`'s shifts inside it."""
    end = week_start + dt.timedelta(days=days)
    number = (session.scalar(select(func.max(models.RosterVersion.number))
                             .where(models.RosterVersion.site_id == site_id,
                                    models.RosterVersion.week_start == week_start)) or 0) + 1
    version = models.RosterVersion(site_id=site_id, week_start=week_start, days=days, number=number, status=DRAFT,
                                   job_id=job_id, forecast_run=forecast_run, summary=summary or {},
                                   based_on=based_on, created_by=created_by, lock_version=1)
    version.shifts = [_row(s) for s in roster.shifts if week_start <= s.date < end]
    session.add(version)
    session.flush()
    _audit(session, version, "create", created_by,
           after={"status": DRAFT, "shifts": len(version.shifts), "based_on": based_on})
    return version


def copy_as_draft(session: Session, version: models.RosterVersion, user: str) -> models.RosterVersion:
    """A new draft with the same shifts, to change a week that is already published or approved."""
    return save_version(session, version.site_id, version.week_start, version.days, roster_of(version),
                        created_by=user, forecast_run=version.forecast_run, summary=dict(version.summary),
                        based_on=version.id)


def published_version(session: Session, site_id: int, week_start: dt.date) -> models.RosterVersion | None:
    return session.scalars(select(models.RosterVersion).where(
        models.RosterVersion.site_id == site_id, models.RosterVersion.week_start == week_start,
        models.RosterVersion.status == PUBLISHED)).first()


def published_shifts(session: Session, site_id: int, start: dt.date, end: dt.date,
                     agent_ids: Iterable[str] | None = None) -> list[Shift]:
    """The published shifts dated in [start, end), optionally of some agents only: what agents may see."""
    query = (select(models.RosterShift).join(models.RosterVersion)
             .where(models.RosterVersion.site_id == site_id, models.RosterVersion.status == PUBLISHED,
                    models.RosterShift.date >= start, models.RosterShift.date < end)
             .order_by(models.RosterShift.date, models.RosterShift.start))
    if agent_ids is not None:
        query = query.where(models.RosterShift.agent_id.in_(list(agent_ids)))
    return [shift_of(row) for row in session.scalars(query)]


# --- checking and editing --------------------------------------------------------------------------------------

def check_context(session: Session, version: models.RosterVersion, roster: Roster | None = None) -> CheckContext:
    """The checker's view of a version: the site's rules, stored agents and absences, and the published week
    before it (for rest and days off across the boundary)."""
    from web.rostering import stored_absences, stored_agents  # the roster job imports this module

    site_row = session.get(models.Site, version.site_id)
    site = site_config(site_row)
    previous = published_shifts(session, version.site_id, version.week_start - dt.timedelta(days=7),
                                version.week_start)
    return CheckContext.build(roster if roster is not None else roster_of(version),
                              stored_agents(session, version.site_id), site, rules=rules_for_site(site),
                              absences=stored_absences(session, version.site_id), previous=previous,
                              week_start=version.week_start, days=version.days)


def check_version(session: Session, version: models.RosterVersion) -> list[Violation]:
    return check_roster(check_context(session, version))


def _replaced(roster: Roster, agent_id: str, day: dt.date, shift: Shift | None) -> Roster:
    kept = tuple(s for s in roster.shifts if not (s.agent_id == agent_id and s.date == day))
    return Roster(kept + ((shift,) if shift is not None else ()))


def check_edit(session: Session, version: models.RosterVersion, agent_id: str, day: dt.date,
               shift: Shift | None) -> EditCheck:
    """The violations of the agent that the edit adds (what the roster already broke is not the edit's fault)."""
    if shift is not None and (shift.agent_id != agent_id or shift.date != day):
        raise ValueError("the new shift must belong to the agent and date being edited")
    before_ctx = check_context(session, version)
    after_ctx = check_context(session, version, _replaced(before_ctx.roster, agent_id, day, shift))

    def mine(ctx: CheckContext) -> list[Violation]:
        return [v for v in check_roster(ctx) if v.agent_id == agent_id]

    old = {(v.rule, v.message) for v in mine(before_ctx)}
    new = [v for v in mine(after_ctx) if (v.rule, v.message) not in old]
    blocking = tuple(v for v in new if v.hard and v.rule not in OVERRIDABLE_HARD_RULES)
    overridable = tuple(v for v in new if not v.hard or v.rule in OVERRIDABLE_HARD_RULES)
    return EditCheck(blocking, overridable)


def edit_shift(session: Session, version: models.RosterVersion, agent_id: str, day: dt.date, shift: Shift | None,
               *, user: str, reason: str = "", expected_lock: int | None = None) -> EditCheck:
    """Set (or with None remove) the agent's shift on `day` in a draft; refused with the violations when it
    breaks a rule that cannot be overridden, or an overridable one without a reason."""
    _editable(version, expected_lock)
    if not version.week_start <= day < version.week_start + dt.timedelta(days=version.days):
        raise RosterStateError(f"{day} is outside the roster's days {version.week_start} to "
                               f"{version.week_start + dt.timedelta(days=version.days - 1)}")
    result = check_edit(session, version, agent_id, day, shift)
    if result.blocking or (result.overridable and not reason.strip()):
        raise ShiftRefused(result, needs_reason=not result.blocking)
    existing = next((r for r in version.shifts if r.agent_id == agent_id and r.date == day), None)
    before = shift_summary(shift_of(existing)) if existing else None
    if existing is not None:
        version.shifts.remove(existing)
        session.flush()  # the unique (version, agent, date) row must go before its replacement comes
    if shift is not None:
        version.shifts.append(_row(shift))
    version.lock_version += 1
    action = "override" if result.overridable else "edit"
    note = reason.strip()
    if result.overridable:
        note = (note + " — overrides: " + "; ".join(v.message for v in result.overridable)).strip(" —")
    _audit(session, version, action, user, agent_id=agent_id, day=day, before=before,
           after=shift_summary(shift), reason=note)
    _save(session, version)
    return result


def _save(session: Session, version: models.RosterVersion) -> None:
    """Write the version's change now; a save that lost the race to another since this session read the version
    changes no row (the UPDATE is conditional on lock_version) and is refused as stale, with nothing written."""
    read = version.lock_version - 1  # every change counts lock_version up by one from what was read
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleVersion(version, read) from None


def changes_since(session: Session, version: models.RosterVersion, read_lock: int) -> list[models.RosterChange]:
    """What happened to the version since somebody read it at `read_lock`, oldest first: every step of
    lock_version is one recorded change of this version (an edit, an override, a submission, ...)."""
    missed = version.lock_version - read_lock
    if missed <= 0:
        return []
    rows = session.scalars(select(models.RosterChange).where(models.RosterChange.version_id == version.id)
                           .order_by(models.RosterChange.id.desc()).limit(missed)).all()
    return list(reversed(rows))


def _editable(version: models.RosterVersion, expected_lock: int | None) -> None:
    if version.status not in EDITABLE:
        raise RosterStateError(f"roster version {version.number} is {version.status.replace('_', ' ')}; "
                               "make a new draft from it to change it")
    if expected_lock is not None and expected_lock != version.lock_version:
        raise StaleVersion(version, expected_lock)


class SwapRefused(RosterStateError):
    """A shift swap the roster checker refuses: `violations` are the hard rules it would newly break."""

    def __init__(self, violations: list[Violation]):
        super().__init__("the swap breaks a rule: " + "; ".join(v.message for v in violations))
        self.violations = violations


def check_swap(session: Session, version: models.RosterVersion, owner_id: str, taker_id: str,
               day: dt.date) -> tuple[Shift, list[Violation]]:
    """The owner's shift on `day` as the taker's, and the hard rules the move newly breaks for either of them.
    Contract hours count here too: a swap has no lead's written reason to override them."""
    existing = next((r for r in version.shifts if r.agent_id == owner_id and r.date == day), None)
    if existing is None:
        raise RosterStateError(f"{owner_id} has no shift on {day} in roster version {version.number}")
    moved = Shift(taker_id, day, shift_of(existing).segments)
    before_ctx = check_context(session, version)
    after = _replaced(_replaced(before_ctx.roster, owner_id, day, None), taker_id, day, moved)
    both = (owner_id, taker_id)
    old = {(v.rule, v.agent_id, v.message) for v in check_roster(before_ctx) if v.agent_id in both}
    new = [v for v in check_roster(check_context(session, version, after))
           if v.agent_id in both and v.hard and (v.rule, v.agent_id, v.message) not in old]
    return moved, new


def swap_shift(session: Session, version: models.RosterVersion, owner_id: str, taker_id: str, day: dt.date, *,
               user: str, reason: str = "") -> Shift:
    """Move the owner's shift on `day` to the taker in the PUBLISHED version itself, checked and audited.
    A new version would need the works council's approval again and would be refused for unrelated findings of
    the week; the swap changes two agents' day and nothing else, and is checked like an edit."""
    if version.status != PUBLISHED:
        raise RosterStateError(f"roster version {version.number} is {version.status.replace('_', ' ')}; swaps "
                               "change the published roster only")
    moved, broken = check_swap(session, version, owner_id, taker_id, day)
    if broken:
        raise SwapRefused(broken)
    existing = next(r for r in version.shifts if r.agent_id == owner_id and r.date == day)
    before = {"agent": owner_id, **shift_summary(shift_of(existing))}
    version.shifts.remove(existing)
    session.flush()
    version.shifts.append(_row(moved))
    version.lock_version += 1
    _audit(session, version, "swap", user, agent_id=taker_id, day=day, before=before,
           after={"agent": taker_id, **shift_summary(moved)}, reason=reason)
    _save(session, version)
    return moved


def published_version_on(session: Session, site_id: int, day: dt.date) -> models.RosterVersion | None:
    """The published version whose days hold `day`."""
    rows = session.scalars(select(models.RosterVersion).where(
        models.RosterVersion.site_id == site_id, models.RosterVersion.status == PUBLISHED,
        models.RosterVersion.week_start <= day).order_by(models.RosterVersion.week_start.desc()))
    return next((v for v in rows if day < v.week_start + dt.timedelta(days=v.days)), None)


# --- approval and publishing -----------------------------------------------------------------------------------

def submit_for_approval(session: Session, version: models.RosterVersion, user: str) -> None:
    if version.status != DRAFT:
        raise RosterStateError(f"only a draft can be submitted; version {version.number} is {version.status}")
    version.status = AWAITING
    version.lock_version += 1
    _audit(session, version, "submit", user, before={"status": DRAFT}, after={"status": AWAITING})
    _save(session, version)


def approve(session: Session, version: models.RosterVersion, user: str) -> None:
    if version.status != AWAITING:
        raise RosterStateError(f"only a roster awaiting approval can be approved; version {version.number} is "
                               f"{version.status.replace('_', ' ')}")
    version.status, version.approved_by, version.approved_at = APPROVED, user, models.utc_now()
    version.lock_version += 1
    _audit(session, version, "approve", user, before={"status": AWAITING}, after={"status": APPROVED})
    _save(session, version)


def reject(session: Session, version: models.RosterVersion, user: str, reason: str) -> None:
    if version.status != AWAITING:
        raise RosterStateError(f"only a roster awaiting approval can be sent back; version {version.number} is "
                               f"{version.status.replace('_', ' ')}")
    version.status = DRAFT
    version.lock_version += 1
    _audit(session, version, "reject", user, before={"status": AWAITING}, after={"status": DRAFT}, reason=reason)
    _save(session, version)


def publish(session: Session, version: models.RosterVersion, user: str) -> list[Violation]:
    """Make this the version agents see; the week's earlier published version is superseded. Refused while
    hard rules are broken, and without approval where the site asks for it."""
    site = session.get(models.Site, version.site_id)
    allowed = (APPROVED,) if site.approval_required else (DRAFT, APPROVED)
    if version.status not in allowed:
        needed = " (this site needs the works council's approval first)" if site.approval_required else ""
        raise RosterStateError(f"version {version.number} is {version.status.replace('_', ' ')} and cannot be "
                               f"published{needed}")
    violations = check_version(session, version)
    hard = [v for v in violations if v.hard and v.rule not in OVERRIDABLE_HARD_RULES]
    if hard:
        raise PublishRefused(hard)
    old = published_version(session, version.site_id, version.week_start)
    if old is not None and old.id != version.id:
        old.status = SUPERSEDED
        old.lock_version += 1
        _audit(session, old, "supersede", user, before={"status": PUBLISHED},
               after={"status": SUPERSEDED, "by": version.id})
    before = version.status
    version.status, version.published_by, version.published_at = PUBLISHED, user, models.utc_now()
    version.lock_version += 1
    _save(session, version)
    _audit(session, version, "publish", user, before={"status": before},
           after={"status": PUBLISHED, "shifts": len(version.shifts)})
    notify(session, agent_users(session, version.site_id, {row.agent_id for row in version.shifts}),
           "roster_published", N_("The roster of the week of %(week)s is published; see your shifts."),
           link="/my/shifts", week=version.week_start.strftime("%d.%m.%Y"))
    return violations


def _audit(session: Session, version: models.RosterVersion, action: str, user: str, *, agent_id: str | None = None,
           day: dt.date | None = None, before: dict | None = None, after: dict | None = None,
           reason: str = "") -> None:
    session.add(models.RosterChange(site_id=version.site_id, version_id=version.id, action=action,
                                    agent_id=agent_id, date=day, before=before, after=after, reason=reason,
                                    created_by=user))
