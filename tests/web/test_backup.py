"""Backup and restore: every row back exactly (SQLite, PostgreSQL and across), refusals that change nothing, and
files that are damaged, cut short or from a newer wfm named as such."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from forecasts.overrides import Override
from scheduler.demo_data import generate_demo, write_demo
from scheduler.roster import Roster, Segment, Shift
from tests.postgres import PG_SKIP_REASON, PG_URL
from web import create_app, imports, models
from web.api_tokens import create_token
from web.auth import create_user
from web.backup import BackupError, check_backup, manifest_checksum, restore_backup, write_backup
from web.cli import main
from web.db import Database, alembic_config, get_db, make_engine
from web.forecasting import add_override
from web.roster_store import save_version, submit_for_approval

END = dt.date(2026, 11, 22)
WEEK = dt.date(2026, 11, 23)
BERLIN = ZoneInfo("Europe/Berlin")
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return write_demo(generate_demo("small", end=END, weeks=1), tmp_path_factory.mktemp("demo"))


def fill(app, demo_files) -> None:
    """Representative data in every table, through the services where there are some."""
    with app.app_context(), get_db().session() as session:
        site = imports.import_site(session, demo_files["site.toml"])
        for kind in ("history", "events", "agents", "absences"):
            getattr(imports, f"import_{kind}")(session, site.slug, demo_files[f"{kind}.csv"])
        agents = session.scalars(select(models.Agent).order_by(models.Agent.id)).all()
        queue = site.queues[0].name
        create_user(session, "lead", "lead", "pw", site_id=site.id, teams=[agents[0].team])
        create_user(session, "anna", "agent", "pw", agent_pk=agents[0].id, display_name="Anna Müller")
        create_token(session, "lead", "wallboard")
        add_override(session, site.slug, Override(queue, WEEK, WEEK + dt.timedelta(days=2), 12.5, "bill mailing",
                                                  "lead"))
        run = models.ForecastRun(site_id=site.id, start_date=WEEK, days=7, method="auto",
                                 details={"notes": ["Nov 23: Montag"], "mape": None}, created_by="lead")
        session.add(run)
        session.flush()
        start = dt.datetime(2026, 11, 23, 8, tzinfo=BERLIN)
        session.add_all([models.ForecastValue(run_id=run.id, queue=queue, interval_start=start + i * dt.timedelta(
            minutes=15), offered=10.0 + i / 3, aht_s=None if i else 240.5, offered_p10=0.1 + 0.2, offered_p90=1e-9)
            for i in range(4)])
        job = models.Job(id=str(uuid.uuid4()), kind="roster", status="succeeded", progress=1.0, message="done",
                         message_template="done %(n)s", message_params={"n": 2}, params={"start": WEEK.isoformat()},
                         result={"shifts": 2, "ratio": 1 / 3}, created_by="lead", attempts=1, worker="host:42",
                         started_at=dt.datetime(2026, 11, 20, 9, 0, 0, 123456, tzinfo=dt.UTC),
                         finished_at=dt.datetime(2026, 11, 20, 9, 1, tzinfo=dt.UTC))
        session.add(job)
        session.add(models.Scenario(site_id=site.id, name="January peak", toml='[scenario]\nname = "peak"\n',
                                    created_by="planner"))
        session.add(models.TimeOffRule(site_id=site.id, auto_approve=True, min_service_level=0.75, min_days_ahead=10,
                                       vacation_days=28, swap_auto_approve=True,
                                       updated_by="lead"))
        reader = session.scalars(select(models.User).order_by(models.User.id)).first()
        session.add(models.Notification(user_id=reader.id, kind="roster_published",
                                        template="The roster of the week of %(week)s is published.",
                                        params={"week": "2026-12-07"}, link="/my/shifts",
                                        read_at=dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC)))
        absence = session.scalars(select(models.Absence).order_by(models.Absence.id)).first()
        session.add(models.TimeOffRequest(agent_pk=absence.agent_pk, site_id=site.id, start_date=WEEK,
                                          end_date=WEEK, start_time=dt.time(8), end_time=dt.time(10, 30),
                                          kind="other", note="Arzt", status="approved", decided_by="lead",
                                          decided_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC),
                                          decision_note="ok", absence_id=absence.id,
                                          checks={"days": 0, "staffing": {"safe": True, "days": []}}))
        session.add(models.SwapRequest(site_id=site.id, owner_pk=agents[0].id, target_pk=agents[1].id,
                                       taker_pk=agents[1].id, date=WEEK, note="Arzttermin",
                                       segments=[["2026-11-23T07:00:00+00:00", "2026-11-23T15:00:00+00:00", queue]],
                                       status="approved", checks={"taker": agents[1].agent_id, "violations": []},
                                       accepted_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), decided_by="lead",
                                       decided_at=dt.datetime(2026, 11, 20, 11, tzinfo=dt.UTC), decision_note="ok"))
        shifts = tuple(Shift(agent.agent_id, WEEK, (Segment(start, start + dt.timedelta(hours=4), queue),
                                                    Segment(start + dt.timedelta(hours=4),
                                                            start + dt.timedelta(hours=4, minutes=30), "break"),
                                                    Segment(start + dt.timedelta(hours=4, minutes=30),
                                                            start + dt.timedelta(hours=8), queue)))
                       for agent in agents[:2])
        session.flush()
        version = save_version(session, site.id, WEEK, 7, Roster(shifts), created_by="lead", job_id=job.id,
                               forecast_run=run.id, summary={"objective": 12})
        submit_for_approval(session, version, "lead")


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows in primary-key order, read through the models (aware datetimes, JSON values)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                select(table).order_by(*table.primary_key.columns))] for table in models.Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def revision_and_tables(url: str) -> tuple[str | None, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            revision = connection.scalar(text("SELECT version_num FROM alembic_version")) \
                if "alembic_version" in names else None
            return revision, names
    finally:
        engine.dispose()


@pytest.fixture
def filled(app, demo_files):
    fill(app, demo_files)
    return app


@pytest.fixture
def new_database(tmp_path) -> Callable[[str], str]:
    """Fresh empty databases: new_database("sqlite") or new_database("postgresql") (a schema of its own)."""
    schemas: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'target-{uuid.uuid4().hex[:6]}.sqlite3'}"
        if not PG_URL:
            pytest.skip(PG_SKIP_REASON)
        schema = f"wfm_test_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        url = make_url(PG_URL).set(drivername="postgresql+psycopg")
        return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg")) if PG_URL else None
    yield make
    if admin is not None:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def restore(url: str, path: Path, **kwargs):
    database = Database(url)
    try:
        return restore_backup(database, path, **kwargs)
    finally:
        database.engine.dispose()


def backup_of(app, path: Path):
    with app.app_context():
        return write_backup(get_db(), path)


def rewrite(source: Path, target: Path, *, members: dict[str, Callable[[bytes], bytes]] | None = None,
            manifest: Callable[[dict], None] | None = None, fix_checksums: bool = True, drop: str | None = None
            ) -> Path:
    """A changed copy of a backup: members' bytes and the manifest edited; checksums (row counts too) fixed to
    match unless told otherwise."""
    with zipfile.ZipFile(source) as archive:
        body = json.loads(archive.read("manifest.json"))
        data = {info.filename: archive.read(info.filename) for info in archive.infolist()
                if info.filename != "manifest.json"}
    for name, change in (members or {}).items():
        data[name] = change(data[name])
        if fix_checksums:
            entry = next(t for t in body["tables"] if t["file"] == name)
            entry["sha256"] = hashlib.sha256(data[name]).hexdigest()
            entry["rows"] = data[name].count(b"\n")
    if manifest is not None:
        manifest(body)
    if fix_checksums:
        body["checksum"] = manifest_checksum(body)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in data.items():
            if name != drop:
                archive.writestr(name, content)
        archive.writestr("manifest.json", json.dumps(body))
    return target


def _lines(change: Callable[[list[list]], None]) -> Callable[[bytes], bytes]:
    def edit(content: bytes) -> bytes:
        rows = [json.loads(line) for line in content.splitlines()]
        change(rows)
        return b"".join(json.dumps(row).encode() + b"\n" for row in rows)
    return edit


# --- round trips -----------------------------------------------------------------------------------------------

def test_backup_then_restore_gives_back_every_row_exactly(filled, database_url, new_database, tmp_path):
    before = dump(database_url)
    empty = sorted(name for name, rows in before.items() if not rows)
    assert not empty, f"fill() leaves {empty} empty: give every table a row so the round trip covers it"
    manifest = backup_of(filled, tmp_path / "wfm.zip")
    assert manifest.revision == HEAD
    assert {t.name: t.rows for t in manifest.tables} == {name: len(rows) for name, rows in before.items()}
    assert [t.name for t in manifest.tables] == [t.name for t in models.Base.metadata.sorted_tables]

    target = new_database(kind_of(database_url))
    summary = restore(target, tmp_path / "wfm.zip")
    assert dump(target) == before
    assert revision_and_tables(target) == revision_and_tables(database_url)
    assert (summary.head, summary.replaced_rows) == (HEAD, 0)
    serial = [t for t in models.Base.metadata.sorted_tables if isinstance(t.primary_key.columns[0].type, Integer)]
    assert summary.sequences == (0 if kind_of(target) == "sqlite" else len(serial))


def test_new_rows_after_a_restore_get_fresh_ids(filled, database_url, new_database, tmp_path):
    backup_of(filled, tmp_path / "wfm.zip")
    target = new_database(kind_of(database_url))
    restore(target, tmp_path / "wfm.zip")
    restored = dump(target)
    database = Database(target)
    try:
        with database.session() as session:
            old = session.scalars(select(models.RosterVersion)).first()
            site = session.get(models.Site, old.site_id)
            version = save_version(session, site.id, WEEK, 7, Roster(()), created_by="lead", based_on=old.id)
            session.add(models.Agent(site_id=site.id, agent_id="NEW1", name="Neu", team="Nord", skills=[],
                                     weekly_hours=20.0, max_days_per_week=3, details={}))
            session.flush()
            assert version.id == max(row[0] for row in restored["roster_version"]) + 1
        after = dump(target)
        for table in ("roster_change", "agent"):
            assert after[table][-1][0] == max(row[0] for row in restored[table]) + 1
    finally:
        database.engine.dispose()


def test_a_backup_restores_across_sqlite_and_postgresql(filled, database_url, new_database, tmp_path):
    other = "postgresql" if kind_of(database_url) == "sqlite" else "sqlite"
    backup_of(filled, tmp_path / "wfm.zip")
    target = new_database(other)
    restore(target, tmp_path / "wfm.zip")
    assert dump(target) == dump(database_url)
    assert revision_and_tables(target)[0] == HEAD


def test_a_backup_of_an_older_schema_is_restored_then_upgraded(database_url, new_database, tmp_path):
    old = "0007"
    database = Database(database_url)
    try:
        with database.engine.begin() as connection:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, old)
            job = Table("job", MetaData(), Column("id", String), Column("kind", String), Column("status", String),
                        Column("progress", Float), Column("message", String), Column("params", JSON),
                        Column("cancel_requested", Boolean), Column("created_by", String),
                        Column("created_at", models.UTCDateTime))  # the job table as revision 0007 has it
            connection.execute(job.insert(), [{"id": "j1", "kind": "forecast", "status": "succeeded", "progress": 1.0,
                                               "message": "done", "params": {"weeks": 6}, "cancel_requested": False,
                                               "created_by": "maria",
                                               "created_at": dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)}])
    finally:
        database.engine.dispose()
    source = Database(database_url)
    manifest = write_backup(source, tmp_path / "old.zip")
    source.engine.dispose()
    assert manifest.revision == old
    assert "attempts" not in [c for t in manifest.tables if t.name == "job" for c, _ in t.columns]

    target = new_database(kind_of(database_url))
    restore(target, tmp_path / "old.zip")
    assert revision_and_tables(target)[0] == HEAD
    [row] = dump(target)["job"]
    job_row = dict(zip([c.name for c in models.Job.__table__.columns], row, strict=True))
    assert (job_row["id"], job_row["params"], job_row["attempts"], job_row["active_key"]) == ("j1", {"weeks": 6}, 0,
                                                                                              None)
    assert job_row["created_at"] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)


# --- refusals --------------------------------------------------------------------------------------------------

def test_a_database_with_data_is_replaced_only_with_force(filled, database_url, tmp_path):
    backup_of(filled, tmp_path / "wfm.zip")
    at_backup = dump(database_url)
    with filled.app_context(), get_db().session() as session:
        session.execute(models.RosterShift.__table__.delete())
        create_user(session, "late", "planner", "pw")
        session.add(models.Job(id="queued-1", kind="forecast", status="queued", params={}, created_by="late",
                               progress=0.0, message="queued"))
    changed = dump(database_url)
    with pytest.raises(BackupError) as refused:
        restore(database_url, tmp_path / "wfm.zip")
    message = str(refused.value)
    assert message.startswith("the database already holds data (")
    assert "1 job(s) are queued or running (stop the web app and the workers first)" in message
    assert message.endswith("give --force to replace it anyway, or restore into an empty database (DATABASE_URL); "
                            "nothing was changed")
    assert dump(database_url) == changed

    summary = restore(database_url, tmp_path / "wfm.zip", force=True)
    assert dump(database_url) == at_backup
    assert summary.replaced_rows == sum(len(rows) for rows in changed.values())


def test_a_failure_midway_leaves_the_database_as_it_was(filled, database_url, new_database, tmp_path):
    backup_of(filled, tmp_path / "wfm.zip")
    # roster_shift is loaded late (after sites, agents, history ...); its second row names a missing version.
    broken = rewrite(tmp_path / "wfm.zip", tmp_path / "broken.zip",
                     members={"tables/roster_shift.jsonl": _lines(lambda rows: rows[1].__setitem__(1, 999999))})
    with filled.app_context(), get_db().session() as session:
        site_id = session.scalars(select(models.Site.id)).one()
        session.add(models.Event(site_id=site_id, date=WEEK, event="after the backup", queue=None, size=1.0))
    before = dump(database_url)
    with pytest.raises(BackupError) as failed:
        restore(database_url, broken, force=True)
    assert str(failed.value).startswith("restoring table roster_shift failed in rows 1 to 2: ")
    assert str(failed.value).endswith("; nothing was changed")
    assert dump(database_url) == before
    assert revision_and_tables(database_url)[0] == HEAD

    empty = new_database(kind_of(database_url))
    with pytest.raises(BackupError):
        restore(empty, broken)
    assert revision_and_tables(empty) == (None, [])


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory, demo_files) -> Path:
    """One backup of the filled demo (SQLite) for the tests that only read files."""
    folder = tmp_path_factory.mktemp("backup")
    app = create_app({"INSTANCE_PATH": folder / "instance", "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
                      "TESTING": True, "SECRET_KEY": "test", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        get_db().upgrade()
    fill(app, demo_files)
    backup_of(app, folder / "wfm.zip")
    app.extensions["wfm_db"].engine.dispose()
    return folder / "wfm.zip"


def test_a_backup_from_a_newer_wfm_is_refused(sqlite_backup, database_url, tmp_path):
    newer = rewrite(sqlite_backup, tmp_path / "newer.zip", manifest=lambda body: body.update(alembic_revision="0099"))
    with pytest.raises(BackupError) as refused:
        restore(database_url, newer)
    assert str(refused.value) == (f"newer.zip is at schema revision '0099', which this wfm does not know (its newest "
                                  f"is '{HEAD}'): the backup was made by a newer wfm; upgrade wfm, then restore; "
                                  "nothing was changed")
    assert revision_and_tables(database_url) == (None, [])


def _flip_inside(member: str) -> Callable[[Path, Path], Path]:
    def damage(source: Path, target: Path) -> Path:
        with zipfile.ZipFile(source) as archive:
            info = archive.getinfo(member)
        content = bytearray(source.read_bytes())
        header = info.header_offset
        start = header + 30 + int.from_bytes(content[header + 26:header + 28], "little") + \
            int.from_bytes(content[header + 28:header + 30], "little")
        middle = start + info.compress_size // 2
        content[middle:middle + 8] = bytes(b ^ 0x5A for b in content[middle:middle + 8])
        target.write_bytes(bytes(content))
        return target
    return damage


def _text(target: Path, content: str) -> Path:
    target.write_text(content)
    return target


def _cut(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes()[: source.stat().st_size * 2 // 3])
    return target


@pytest.mark.parametrize(("damage", "message"), [
    (_cut, "bad.zip is not a complete wfm backup (File is not a zip file): a backup cut short, e.g. by a full disk "
           "or an interrupted copy, loses the end of the file where the zip's index is; use an intact copy"),
    (lambda source, target: _text(target, "site,name\n1,x\n"),
     "bad.zip is not a complete wfm backup (File is not a zip file)"),
    (_flip_inside("tables/history.jsonl"), "bad.zip: table history"),
    (lambda source, target: rewrite(source, target, fix_checksums=False, members={
        "tables/agent.jsonl": _lines(lambda rows: rows[0].__setitem__(3, "Anna Süd"))}),
     "bad.zip: table agent: the data does not match its checksum in the manifest: it was damaged or edited; "
     "use another copy"),
    (lambda source, target: rewrite(source, target, fix_checksums=False, members={
        "tables/event.jsonl": _lines(lambda rows: rows.pop())}),
     "bad.zip: table event holds"),
    (lambda source, target: rewrite(source, target, fix_checksums=False,
                                    manifest=lambda body: body["tables"][0].update(rows=7)),
     "bad.zip: manifest.json does not match its checksum: it was damaged or edited; use another copy"),
    (lambda source, target: rewrite(source, target, members={
        "tables/event.jsonl": _lines(lambda rows: rows[0].__setitem__(2, "2026-13-45"))}),
     "bad.zip: table event, row 1 (line 1 of tables/event.jsonl), column date: expected a date YYYY-MM-DD, found "
     "'2026-13-45'; the file is damaged"),
    (lambda source, target: rewrite(source, target, members={
        "tables/roster_shift.jsonl": _lines(lambda rows: rows[1].__setitem__(4, "2026-11-23T08:00:00"))}),
     "bad.zip: table roster_shift, row 2 (line 2 of tables/roster_shift.jsonl), column start: expected a date and "
     "time with its UTC offset, found '2026-11-23T08:00:00'; the file is damaged"),
    (lambda source, target: rewrite(source, target, drop="tables/agent.jsonl"),
     "bad.zip: table agent: its data (tables/agent.jsonl) is missing from the file; use another copy"),
], ids=["cut-short", "not-a-zip", "bytes-flipped", "row-edited", "row-missing", "manifest-edited", "bad-date",
        "naive-datetime", "table-missing"])
def test_a_damaged_file_is_refused_saying_what_is_wrong(sqlite_backup, tmp_path, damage, message):
    bad = damage(sqlite_backup, tmp_path / "bad.zip")
    with pytest.raises(BackupError) as refused:
        check_backup(bad)
    assert str(refused.value).startswith(message)


def test_a_damaged_file_changes_nothing_in_the_database(sqlite_backup, app, database_url, tmp_path):
    bad = _flip_inside("tables/history.jsonl")(sqlite_backup, tmp_path / "bad.zip")
    before = revision_and_tables(database_url)
    with pytest.raises(BackupError, match="table history"):
        restore(database_url, bad, force=True)
    assert revision_and_tables(database_url) == before


# --- the commands ----------------------------------------------------------------------------------------------

@pytest.fixture
def wfm(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WFM_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    monkeypatch.delenv("WFM_SECRET_KEY", raising=False)
    runner = CliRunner()

    def run(url: str, *args: str):
        monkeypatch.setenv("DATABASE_URL", url)
        return runner.invoke(main, list(args), catch_exceptions=False)
    return run


def test_wfm_backup_and_restore(filled, database_url, new_database, wfm, tmp_path):
    file = tmp_path / "backups" / "nightly.zip"
    file.parent.mkdir()
    counts = {name: len(rows) for name, rows in dump(database_url).items()}
    written = wfm(database_url, "backup", str(file))
    assert written.exit_code == 0, written.output
    lines = written.output.strip().splitlines()
    assert lines[:-1] == [f"{name}\t{rows}" for name, rows in counts.items()]
    assert lines[-1] == (f"wrote {file}: {sum(counts.values()):,} rows in {len(counts)} tables, schema revision "
                         f"{HEAD}")
    assert sorted(p.name for p in file.parent.iterdir()) == ["nightly.zip"]  # no temporary file left

    target = new_database("sqlite")
    restored = wfm(target, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert restored.output.strip().splitlines()[-1].startswith(f"restored {sum(counts.values()):,} rows in "
                                                                f"{len(counts)} tables from {file} (written ")
    assert dump(target) == dump(database_url)

    again = wfm(target, "restore", str(file))
    assert again.exit_code == 1 and len(again.stderr.strip().splitlines()) == 1
    assert again.stderr.startswith("wfm: error: the database already holds data (")
    forced = wfm(target, "restore", "--force", str(file))
    assert forced.exit_code == 0
    assert forced.output.strip().endswith(f"replaced the {sum(counts.values()):,} rows the database held before")

    bad = _cut(file, tmp_path / "cut.zip")
    refused = wfm(target, "restore", "--force", str(bad))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("wfm: error: cut.zip is not a complete wfm backup")
    assert dump(target) == dump(database_url)


def test_wfm_backup_of_a_database_without_schema_says_so(wfm, tmp_path):
    result = wfm(f"sqlite:///{tmp_path / 'nothing.sqlite3'}", "backup", str(tmp_path / "b.zip"))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("wfm: error: the database holds no wfm schema (no alembic_version table): "
                                     "nothing to back up; check DATABASE_URL")
    assert not (tmp_path / "b.zip").exists()


def test_backup_and_restore_have_help(wfm, tmp_path):
    for args in (["backup", "--help"], ["restore", "--help"]):
        assert wfm(f"sqlite:///{tmp_path / 'h.sqlite3'}", *args).exit_code == 0
