"""Backup and restore of the whole database as one portable file, for SQLite and PostgreSQL alike.

The file is a zip archive:

    manifest.json          format, format_version, alembic_revision, created_at, source_dialect,
                           tables (in foreign-key order: name, file, rows, sha256, columns as [name, type]),
                           checksum (SHA-256 of the manifest's canonical JSON without this field)
    tables/<name>.jsonl    one JSON array per row, values in the manifest's column order, rows by primary key

Column types in the file: int, float, decimal (text), str, bool, date (YYYY-MM-DD), time (HH:MM:SS, a wall-clock
time), datetime (ISO 8601 in UTC with +00:00), json (the value itself) and bytes (base64). SQL NULL is JSON null;
a JSON column holding JSON null comes back as SQL NULL (the app reads both as None).

A backup reads every table of the schema in one snapshot; it never changes the database. A restore checks the
whole file first, then in ONE transaction: refuses a database that holds data or has jobs queued or running
(unless forced), drops wfm's tables, runs the migrations up to the file's revision, loads the rows, runs the
remaining migrations up to this code's head and moves PostgreSQL's id sequences past the loaded ids. Anything
that fails rolls all of it back: the database stays as it was.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Text,
    Time,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError

from web.db import Database, alembic_config, make_engine
from web.jobs import ACTIVE
from web.models import Base, UTCDateTime

FORMAT = "wfm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERSION_TABLE = "alembic_version"
BATCH = 1000


class BackupError(ValueError):
    """A backup that cannot be written, or a file or database a restore refuses; the message says why and what
    to do."""


@dataclass(frozen=True)
class TableEntry:
    """One table in a backup file."""

    name: str
    file: str
    rows: int
    sha256: str
    columns: tuple[tuple[str, str], ...]  # (column name, value type)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    revision: str
    created_at: dt.datetime
    source_dialect: str
    tables: tuple[TableEntry, ...]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    head: str  # the schema revision the database is at after the restore
    replaced_rows: int  # rows the database held before (replaced with --force)
    sequences: int  # PostgreSQL id sequences moved past the restored ids


# --- value types -----------------------------------------------------------------------------------------------

_BIND_TYPES: dict[str, Any] = {
    "int": BigInteger(), "float": Float(), "decimal": Numeric(), "str": Text(), "bool": Boolean(),
    "date": Date(), "time": Time(), "datetime": UTCDateTime(), "json": JSON(none_as_null=True), "bytes": LargeBinary(),
}


def value_type(column_type: Any, where: str) -> str:
    """The file's name for a column's type (the model's type where the model has the column)."""
    kind = column_type.impl if isinstance(column_type, sqltypes.TypeDecorator) else column_type
    for cls, name in ((sqltypes.JSON, "json"), (sqltypes.Boolean, "bool"), (sqltypes.DateTime, "datetime"),
                      (sqltypes.Date, "date"), (sqltypes.Time, "time"), (sqltypes.Integer, "int"),
                      (sqltypes.Float, "float"), (sqltypes.Numeric, "decimal"), (sqltypes.String, "str"),
                      (sqltypes.LargeBinary, "bytes")):
        if isinstance(kind, cls):
            return name
    raise BackupError(f"column {where} has type {column_type!r}, which the backup cannot store yet; "
                      "teach web/backup.py its type")


def _encode(kind: str, value: Any) -> Any:
    if value is None or kind in ("int", "float", "str", "bool", "json"):
        return value
    if kind == "datetime":
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}")
        return value.astimezone(dt.UTC).isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    return base64.b64encode(bytes(value)).decode("ascii")


class _BadValue(ValueError):
    pass


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind == "json":
        return value
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _BadValue("a whole number")
    if kind == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _BadValue("a number")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise _BadValue("true or false")
    if kind == "str":
        if isinstance(value, str):
            return value
        raise _BadValue("text")
    if not isinstance(value, str):
        raise _BadValue({"datetime": "an ISO date and time", "date": "a date YYYY-MM-DD",
                         "time": "a time HH:MM:SS"}.get(kind, kind))
    try:
        if kind == "datetime":
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise _BadValue("a date and time with its UTC offset")
            return parsed.astimezone(dt.UTC)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "time":
            return dt.time.fromisoformat(value)
        if kind == "decimal":
            return decimal.Decimal(value)
        return base64.b64decode(value, validate=True)
    except _BadValue:
        raise
    except (ValueError, decimal.InvalidOperation):
        raise _BadValue({"datetime": "an ISO date and time", "date": "a date YYYY-MM-DD", "time": "a time HH:MM:SS",
                         "decimal": "a decimal number", "bytes": "base64"}[kind]) from None


def _table(name: str, columns: tuple[tuple[str, str], ...], not_null: frozenset[str] = frozenset()) -> Table:
    """A stand-alone table object that reads and binds the columns with the file's types. None goes in as SQL
    NULL, except into a JSON column that is NOT NULL, where it is JSON null."""
    return Table(name, MetaData(), *(Column(column, JSON() if kind == "json" and column in not_null
                                            else _BIND_TYPES[kind]) for column, kind in columns))


# --- engines ---------------------------------------------------------------------------------------------------

def _engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine whose transactions cover everything, DDL included (pysqlite leaves SELECT and DDL outside its
    transactions unless told otherwise): a backup reads one snapshot, a restore is all or nothing."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _no_driver_transactions(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    return engine


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _migrate(connection: Connection, url: str, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _app_tables(connection: Connection) -> list[str]:
    """wfm's tables present in the database, in foreign-key order."""
    present = set(inspect(connection).get_table_names())
    return [t.name for t in Base.metadata.sorted_tables if t.name in present]


# --- backup ----------------------------------------------------------------------------------------------------

def write_backup(database: Database, path: Path) -> Manifest:
    """Write every wfm table of the database to `path` (atomically: a temporary file renamed at the end)."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give the backup file's name, e.g. {path / 'wfm-backup.zip'}")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist; create it first")
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    engine = _engine(database.url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                manifest = _write_zip(connection, temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
    except SQLAlchemyError as exc:
        raise BackupError(f"reading the database failed: {_first_line(exc)}; nothing was written") from None
    finally:
        engine.dispose()
        temporary.unlink(missing_ok=True)
    return manifest


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover (platforms without directory handles)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_zip(connection: Connection, target: Path) -> Manifest:
    revision = _revision(connection)
    if revision is None:
        raise BackupError("the database holds no wfm schema (no alembic_version table): nothing to back up; "
                          "check DATABASE_URL")
    inspector = inspect(connection)
    entries = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name in _app_tables(connection):
            model = Base.metadata.tables[name]
            columns = tuple((c["name"], value_type(model.c[c["name"]].type if c["name"] in model.c else c["type"],
                                                   f"{name}.{c['name']}"))
                            for c in inspector.get_columns(name))
            order = inspector.get_pk_constraint(name).get("constrained_columns") or [c for c, _ in columns]
            entries.append(_write_table(connection, archive, name, columns, order))
        created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        manifest = Manifest(FORMAT_VERSION, revision, created, connection.dialect.name, tuple(entries))
        archive.writestr(MANIFEST, json.dumps(_manifest_json(manifest), indent=1, ensure_ascii=False) + "\n")
    return manifest


def _write_table(connection: Connection, archive: zipfile.ZipFile, name: str, columns: tuple[tuple[str, str], ...],
                 order: list[str]) -> TableEntry:
    table = _table(name, columns)
    member = f"tables/{name}.jsonl"
    digest, rows = hashlib.sha256(), 0
    kinds = [kind for _, kind in columns]
    result = connection.execute(select(table).order_by(*(table.c[column] for column in order))
                                .execution_options(yield_per=BATCH))
    with archive.open(member, "w", force_zip64=True) as out:
        for batch in result.partitions():
            lines = []
            for row in batch:
                try:
                    values = [_encode(kind, value) for kind, value in zip(kinds, row, strict=True)]
                except ValueError as exc:
                    raise BackupError(f"table {name}, row {rows + len(lines) + 1}: {exc} cannot be stored") from None
                lines.append(json.dumps(values, separators=(",", ":")) + "\n")  # ASCII: any text survives
            chunk = "".join(lines).encode("utf-8")
            digest.update(chunk)
            out.write(chunk)
            rows += len(lines)
    return TableEntry(name, member, rows, digest.hexdigest(), columns)


def _manifest_json(manifest: Manifest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": manifest.format_version,
        "alembic_revision": manifest.revision,
        "created_at": manifest.created_at.isoformat(),
        "source_dialect": manifest.source_dialect,
        "tables": [{"name": t.name, "file": t.file, "rows": t.rows, "sha256": t.sha256,
                    "columns": [list(c) for c in t.columns]} for t in manifest.tables],
    }
    body["checksum"] = manifest_checksum(body)
    return body


def manifest_checksum(body: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON without its `checksum` field."""
    canonical = json.dumps({k: v for k, v in body.items() if k != "checksum"}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- reading and checking a file -------------------------------------------------------------------------------

def _open(path: Path) -> zipfile.ZipFile:
    if not path.exists():
        raise BackupError(f"no file {path}")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise BackupError(f"{path.name} is not a complete wfm backup ({exc}): a backup cut short, e.g. by a full "
                          "disk or an interrupted copy, loses the end of the file where the zip's index is; "
                          "use an intact copy") from None


def _manifest(archive: zipfile.ZipFile, name: str) -> Manifest:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupError(f"{name} holds no {MANIFEST}: it is not a wfm backup") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{name}: {MANIFEST} is damaged ({exc}); use another copy") from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{name}: {MANIFEST} is not readable JSON ({exc}); use another copy") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BackupError(f"{name} is not a wfm backup ({MANIFEST} does not say format \"{FORMAT}\")")
    version = body.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise BackupError(f"{name} has backup format version {version!r}; this wfm reads version {FORMAT_VERSION}:"
                          " restore it with the wfm that wrote it (or a newer one)")
    if body.get("checksum") != manifest_checksum(body):
        raise BackupError(f"{name}: {MANIFEST} does not match its checksum: it was damaged or edited; "
                          "use another copy")
    try:
        tables = tuple(TableEntry(t["name"], t["file"], t["rows"], t["sha256"],
                                  tuple((c, k) for c, k in t["columns"])) for t in body["tables"])
        created = dt.datetime.fromisoformat(body["created_at"])
        manifest = Manifest(version, body["alembic_revision"], created, body["source_dialect"], tables)
        if not isinstance(manifest.revision, str) or not manifest.revision:
            raise ValueError("alembic_revision")
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"{name}: {MANIFEST} lacks or garbles {exc}; use another copy") from None
    for table in tables:
        unknown = sorted({k for _, k in table.columns} - set(_BIND_TYPES))
        if unknown:
            raise BackupError(f"{name}: table {table.name} has columns of unknown type {', '.join(unknown)}; "
                              "restore it with the wfm that wrote it")
    return manifest


def check_backup(path: Path) -> Manifest:
    """Read the whole file: every table's data against its checksum and row count, every value against its
    column's type. Raises BackupError saying what is wrong and where."""
    path = Path(path)
    with _open(path) as archive:
        manifest = _manifest(archive, path.name)
        for table in manifest.tables:
            for _ in _rows(archive, path.name, table):
                pass
    return manifest


def _rows(archive: zipfile.ZipFile, name: str, table: TableEntry) -> Iterator[list[Any]]:
    """The rows of one table, decoded; checks the count and the checksum at the end."""
    digest, count = hashlib.sha256(), 0
    kinds = [kind for _, kind in table.columns]
    where = f"{name}: table {table.name}"
    try:
        with archive.open(table.file) as member:
            for line in member:
                digest.update(line)
                count += 1
                yield _row(line, kinds, table, f"{where}, row {count} (line {count} of {table.file})")
    except KeyError:
        raise BackupError(f"{where}: its data ({table.file}) is missing from the file; use another copy") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{where}: its data is damaged ({exc}); use another copy") from None
    if count != table.rows:
        raise BackupError(f"{where} holds {count} rows but the manifest says {table.rows}: the file is damaged "
                          "or cut short; use another copy")
    if digest.hexdigest() != table.sha256:
        raise BackupError(f"{where}: the data does not match its checksum in the manifest: it was damaged or "
                          "edited; use another copy")


def _row(line: bytes, kinds: list[str], table: TableEntry, where: str) -> list[Any]:
    try:
        values = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{where} is not readable JSON ({exc}); the file is damaged") from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise BackupError(f"{where} is not a list of {len(kinds)} values; the file is damaged")
    decoded = []
    for (column, kind), value in zip(table.columns, values, strict=True):
        try:
            decoded.append(_decode(kind, value))
        except _BadValue as exc:
            raise BackupError(f"{where}, column {column}: expected {exc}, found {value!r}; the file is damaged") \
                from None
    return decoded


# --- restore ---------------------------------------------------------------------------------------------------

def restore_backup(database: Database, path: Path, *, force: bool = False) -> RestoreSummary:
    """Replace the database's contents with the backup's (see the module's docstring); all or nothing."""
    path = Path(path)
    manifest = check_backup(path)
    script = ScriptDirectory.from_config(alembic_config(database.url))
    head = script.get_current_head()
    if not _known(script, manifest.revision):
        raise BackupError(f"{path.name} is at schema revision {manifest.revision!r}, which this wfm does not know "
                          f"(its newest is {head!r}): the backup was made by a newer wfm; upgrade wfm, then "
                          "restore; nothing was changed")
    engine = _engine(database.url, immediate=True)
    try:
        with engine.begin() as connection, _open(path) as archive:
            replaced = _refuse_unless_empty(connection, script, head, force)
            _drop_app_tables(connection)
            _step(f"creating the schema at revision {manifest.revision}",
                  lambda: _migrate(connection, database.url, manifest.revision))
            _check_schema(connection, manifest, path.name)
            _load(connection, archive, manifest, path.name)
            _reset_sequences(connection)
            _step(f"upgrading the restored data from revision {manifest.revision} to {head}",
                  lambda: _migrate(connection, database.url, "head"))
            sequences = _reset_sequences(connection)
    except SQLAlchemyError as exc:
        raise BackupError(f"the restore failed: {_first_line(exc)}; nothing was changed") from None
    finally:
        engine.dispose()
    database.engine.dispose()  # pooled connections may hold plans of the dropped tables
    return RestoreSummary(manifest, head, replaced, sequences)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _step(what: str, action) -> None:
    try:
        action()
    except (SQLAlchemyError, CommandError) as exc:
        raise BackupError(f"{what} failed: {_first_line(exc)}; nothing was changed") from None


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _refuse_unless_empty(connection: Connection, script: ScriptDirectory, head: str, force: bool) -> int:
    """Rows the database holds; refuses a database with data or active jobs unless forced, and a database at a
    revision this code does not know."""
    current = _revision(connection)
    if current is not None and not _known(script, current):
        raise BackupError(f"the database is at schema revision {current!r}, which this wfm does not know (its "
                          f"newest is {head!r}); restore into it with that newer wfm, or into an empty database; "
                          "nothing was changed")
    counts = {name: connection.scalar(select(func.count()).select_from(sa.table(name)))
              for name in _app_tables(connection)}
    held = {name: n for name, n in counts.items() if n}
    jobs = 0
    if counts.get("job"):
        job = sa.table("job", sa.column("status"))
        jobs = connection.scalar(select(func.count()).select_from(job).where(job.c.status.in_(ACTIVE)))
    if force:
        return sum(held.values())
    problems = []
    if held:
        listed = ", ".join(f"{name} {n:,}" for name, n in list(held.items())[:6]) + (", …" if len(held) > 6 else "")
        problems.append(f"the database already holds data ({sum(held.values()):,} rows: {listed}) and a restore "
                        "replaces all of it")
    if jobs:
        problems.append(f"{jobs} job(s) are queued or running (stop the web app and the workers first)")
    if problems:
        raise BackupError("; ".join(problems) + "; give --force to replace it anyway, or restore into an empty "
                          "database (DATABASE_URL); nothing was changed")
    return 0


def _quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _drop_app_tables(connection: Connection) -> None:
    """Drop wfm's tables and the migration marker, referring tables first (other tables are left alone)."""
    ours = set(Base.metadata.tables) | {VERSION_TABLE}
    ordered = [name for name, _ in inspect(connection).get_sorted_table_and_fkc_names() if name in ours]
    for name in reversed(ordered):
        connection.execute(text(f"DROP TABLE {_quoted(connection, name)}"))


def _check_schema(connection: Connection, manifest: Manifest, name: str) -> None:
    """The file's tables and columns are exactly those of the schema at its revision."""
    inspector = inspect(connection)
    in_file = {t.name: {c for c, _ in t.columns} for t in manifest.tables}
    ours = set(Base.metadata.tables) | set(in_file)
    schema = {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names() if t in ours}
    problems = []
    if set(in_file) - set(schema):
        problems.append(f"tables {', '.join(sorted(set(in_file) - set(schema)))} are not in that schema")
    if set(schema) - set(in_file):
        problems.append(f"tables {', '.join(sorted(set(schema) - set(in_file)))} are missing from the file")
    for table in sorted(set(schema) & set(in_file)):
        if schema[table] != in_file[table]:
            problems.append(f"table {table} has columns {', '.join(sorted(in_file[table]))} but the schema has "
                            f"{', '.join(sorted(schema[table]))}")
    if problems:
        raise BackupError(f"{name} does not match schema revision {manifest.revision}: {'; '.join(problems)}; "
                          "nothing was changed")


def _load(connection: Connection, archive: zipfile.ZipFile, manifest: Manifest, name: str) -> None:
    by_name = {t.name: t for t in manifest.tables}
    inspector = inspect(connection)
    order = [t for t, _ in inspector.get_sorted_table_and_fkc_names() if t in by_name]
    for table_name in order:
        entry = by_name[table_name]
        not_null = frozenset(c["name"] for c in inspector.get_columns(table_name) if not c["nullable"])
        table = _table(entry.name, entry.columns, not_null)
        columns = [c for c, _ in entry.columns]
        batch: list[dict[str, Any]] = []
        done = 0
        for values in _rows(archive, name, entry):
            batch.append(dict(zip(columns, values, strict=True)))
            if len(batch) == BATCH:
                _insert(connection, table, batch, done)
                done += len(batch)
                batch = []
        if batch:
            _insert(connection, table, batch, done)


def _insert(connection: Connection, table: Table, batch: list[dict[str, Any]], done: int) -> None:
    try:
        connection.execute(table.insert(), batch)
    except SQLAlchemyError as exc:
        raise BackupError(f"restoring table {table.name} failed in rows {done + 1} to {done + len(batch)}: "
                          f"{_first_line(exc)}; nothing was changed") from None


def _reset_sequences(connection: Connection) -> int:
    """PostgreSQL: each id sequence of wfm's tables continues after the largest restored id (SQLite needs
    nothing: a new row's id is one more than the largest)."""
    if connection.dialect.name != "postgresql":
        return 0
    inspector = inspect(connection)
    moved = 0
    for table in _app_tables(connection):
        for column in inspector.get_pk_constraint(table).get("constrained_columns") or []:
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                         {"table": _quoted(connection, table), "column": column})
            if sequence is None:
                continue
            largest = f"SELECT MAX({_quoted(connection, column)}) FROM {_quoted(connection, table)}"
            connection.execute(text(f"SELECT setval(CAST(:sequence AS regclass), COALESCE(({largest}), 0) + 1, false)"),
                               {"sequence": sequence})
            moved += 1
    return moved
