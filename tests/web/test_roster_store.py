"""Stored roster versions: edits checked by the roster checker, overrides with reasons, approval, publishing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from scheduler.roster import Roster
from scheduler.shift_edit import build_shift
from tests.web.site_fixture import SITE_TOML
from web import imports, models
from web.db import get_db
from web.roster_store import (
    AWAITING,
    PUBLISHED,
    SUPERSEDED,
    RosterStateError,
    ShiftRefused,
    StaleVersion,
    approve,
    copy_as_draft,
    edit_shift,
    publish,
    published_shifts,
    roster_of,
    save_version,
    submit_for_approval,
)

MONDAY = dt.date(2026, 12, 7)
AGENTS = ("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
          "A1,Anna,Nord,billing,16,5\nB2,Ben,Sued,billing,16,5\n")


def day_shift(agent: str, day: dt.date, start: int = 8, end: int = 16, brk: int = 12) -> object:
    return build_shift(agent, day, dt.time(start), dt.time(end), "billing", [(dt.time(brk), dt.time(brk, 30))],
                       "Europe/Berlin")


@pytest.fixture
def session(app):
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, io.BytesIO(SITE_TOML.encode()), name="site.toml")
        imports.import_agents(session, site.slug, io.BytesIO(AGENTS.encode()), name="agents.csv")
        yield session


def _version(session, shifts) -> models.RosterVersion:
    site = session.scalars(select(models.Site)).one()
    return save_version(session, site.id, MONDAY, 7, Roster(tuple(shifts)), created_by="lead")


def _week(agent: str) -> list:
    return [day_shift(agent, MONDAY + dt.timedelta(days=i)) for i in (0, 1)]


def test_a_saved_version_is_a_numbered_draft_holding_its_shifts(session):
    first = _version(session, _week("A1"))
    second = _version(session, _week("B2"))
    assert (first.number, second.number, first.status) == (1, 2, "draft")
    assert sorted((s.agent_id, s.date) for s in roster_of(first).shifts) == [("A1", MONDAY),
                                                                              ("A1", MONDAY + dt.timedelta(1))]


def test_an_edit_into_an_11_hour_rest_violation_is_refused_with_the_message(session):
    saturday, sunday = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)
    version = _version(session, [build_shift("A1", saturday, dt.time(9), dt.time(14), "billing", [],
                                             "Europe/Berlin")])
    night = build_shift("A1", sunday, dt.time(0), dt.time(5), "billing", [], "Europe/Berlin")
    with pytest.raises(ShiftRefused) as refused:
        edit_shift(session, version, "A1", sunday, night, user="lead", reason="I insist")
    assert "rest_between_shifts" in [v.rule for v in refused.value.check.blocking]
    assert "only 10 h" in str(refused.value)
    assert [s.date for s in roster_of(version).shifts] == [saturday]  # nothing changed


def test_a_soft_or_contract_finding_needs_a_reason_and_is_then_recorded_as_an_override(session):
    version = _version(session, _week("A1"))
    third = day_shift("A1", MONDAY + dt.timedelta(days=2))  # 3 × 7.5 h = 22.5 h against a 16 h contract
    with pytest.raises(ShiftRefused) as refused:
        edit_shift(session, version, "A1", third.date, third, user="lead")
    assert [v.rule for v in refused.value.check.overridable] == ["weekly_contract_hours"]
    edit_shift(session, version, "A1", third.date, third, user="lead", reason="year-end peak")
    change = session.scalars(select(models.RosterChange).where(models.RosterChange.action == "override")).one()
    assert change.agent_id == "A1" and change.before is None and change.reason.startswith("year-end peak — ")
    assert version.lock_version == 2


def test_a_stale_lock_version_is_refused(session):
    version = _version(session, _week("A1"))
    with pytest.raises(StaleVersion):
        edit_shift(session, version, "A1", MONDAY, None, user="lead", expected_lock=version.lock_version + 1)


def test_publishing_supersedes_the_earlier_published_version_and_only_published_shifts_are_visible(session):
    first = _version(session, _week("A1"))
    assert published_shifts(session, first.site_id, MONDAY, MONDAY + dt.timedelta(7)) == []
    publish(session, first, "lead")
    second = copy_as_draft(session, first, "lead")
    edit_shift(session, second, "A1", MONDAY, None, user="lead", reason="sick")
    assert len(published_shifts(session, first.site_id, MONDAY, MONDAY + dt.timedelta(7), ["A1"])) == 2
    publish(session, second, "lead")
    assert (first.status, second.status) == (SUPERSEDED, PUBLISHED)
    assert [s.date for s in published_shifts(session, first.site_id, MONDAY, MONDAY + dt.timedelta(7))] == \
        [MONDAY + dt.timedelta(1)]


def test_a_published_version_cannot_be_edited(session):
    version = _version(session, _week("A1"))
    publish(session, version, "lead")
    with pytest.raises(RosterStateError, match="make a new draft"):
        edit_shift(session, version, "A1", MONDAY, None, user="lead")


def test_with_works_council_approval_switched_on_a_draft_is_published_only_after_approval(session):
    version = _version(session, _week("A1"))
    session.get(models.Site, version.site_id).approval_required = True
    with pytest.raises(RosterStateError, match="approval"):
        publish(session, version, "lead")
    submit_for_approval(session, version, "lead")
    assert version.status == AWAITING
    approve(session, version, "council")
    publish(session, version, "lead")
    assert version.status == PUBLISHED and version.approved_by == "council"


def test_of_two_edits_racing_from_the_same_version_the_second_is_refused_not_written(app, session):
    version = _version(session, _week("A1"))
    session.commit()
    with app.app_context(), get_db().session() as other:
        theirs = other.get(models.RosterVersion, version.id)
        assert theirs.lock_version == 1  # both have read edit 1
        edit_shift(session, version, "A1", MONDAY, None, user="lead one", reason="sick", expected_lock=1)
        session.commit()
        # The second save passes the in-memory check (it read 1 too), but its UPDATE finds edit 2 stored.
        with pytest.raises(StaleVersion, match="now at edit 2, you had 1"):
            edit_shift(other, theirs, "B2", MONDAY, day_shift("B2", MONDAY), user="lead two", reason="cover",
                       expected_lock=1)
    session.expire_all()
    stored = session.get(models.RosterVersion, version.id)
    assert stored.lock_version == 2
    assert {(r.agent_id, r.date) for r in stored.shifts} == {("A1", MONDAY + dt.timedelta(1))}
    edits = session.scalars(select(models.RosterChange).where(models.RosterChange.agent_id.is_not(None))).all()
    assert [c.created_by for c in edits] == ["lead one"]
