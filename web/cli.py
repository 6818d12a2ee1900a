"""The `wfm` command: serve the app, create the demo, import files, manage the database and users."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from forecasts.errors import DataFileError
from forecasts.overrides import Override
from forecasts.site import SiteConfigError
from web import create_app, imports, models
from web.api_tokens import create_token, list_tokens, revoke_token
from web.auth import ROLES, create_user, new_password
from web.cli_bench import bench_group
from web.cli_forecasting import backtest_command, forecast_command
from web.cli_scheduling import schedule_command
from web.cli_staffing import staff_command
from web.cli_whatif import whatif_command
from web.db import get_db
from web.demo_loader import load_demo, saved_logins
from web.forecasting import add_override
from web.jobs import fail_orphans
from web.repository import NotFound


class CliError(click.ClickException):
    """A refusal printed as one line on stderr with exit code 1."""

    def format_message(self) -> str:
        return " ".join(self.message.split("\n"))

    def show(self, file=None) -> None:
        click.echo(f"wfm: error: {'; '.join(self.message.splitlines())}", err=True)


def _app() -> Flask:
    app = create_app()
    with app.app_context():
        get_db().upgrade()
    return app


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Workforce management for contact centers."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Start the web app (waitress)."""
    from waitress import serve as waitress_serve

    app = _app()
    # In-process jobs die with the server; jobs on Celery workers outlive it and are theirs to finish.
    orphans = 0 if app.config.get("BROKER_URL") else fail_orphans(app.extensions["wfm_db"])
    if orphans:
        click.echo(f"marked {orphans} job(s) of an earlier run as failed (the server stopped while they ran)")
    click.echo(f"WFM is running on http://{host}:{port}/ (Ctrl+C stops it)", err=False)
    waitress_serve(app, host=host, port=port, threads=threads, ident="wfm")


@main.command()
@click.option("--concurrency", default=None, type=click.IntRange(1, 256),
              help="Jobs run side by side (processes); default: the number of cores.")
@click.option("--queues", default="wfm-jobs,wfm-parts", show_default=True,
              help="Queues to take work from: whole jobs (wfm-jobs) and parts of jobs (wfm-parts).")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--hostname", default=None, help="The worker's name (default: celery@<host>).")
def worker(concurrency: int | None, queues: str, loglevel: str, hostname: str | None) -> None:
    """Run a Celery worker for jobs (needs WFM_BROKER_URL and the web app's DATABASE_URL)."""
    import os

    from web import celery_app

    if not os.environ.get("WFM_BROKER_URL"):
        raise CliError("WFM_BROKER_URL is not set: give the broker the web app sends jobs to, e.g. "
                       "redis://127.0.0.1:6379/0 (without it the web app runs jobs itself)")
    _app()  # brings the schema up to date, as the web app does
    names = tuple(q.strip() for q in queues.split(",") if q.strip())
    celery_app.start_worker(celery_app.worker_arguments(concurrency or os.cpu_count() or 1, names, loglevel,
                                                        hostname))


@main.command()
@click.option("--size", type=click.Choice(["small", "large"]), default="large", show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--if-empty", is_flag=True, help="Only create the demo when the database has no site yet.")
def demo(size: str, seed: int, if_empty: bool) -> None:
    """Create the demo site (Potsdam energy supplier) with history, events, agents and logins."""
    app = _app()
    instance = Path(app.instance_path)
    with app.app_context(), get_db().session() as session:
        has_site = session.scalars(select(models.Site)).first() is not None
        if has_site and if_empty:
            click.echo("The database already holds a site; keeping it. Demo logins:")
            for line in saved_logins(instance):
                click.echo(line)
            return
        if has_site:
            raise CliError("the database already holds a site; the demo goes into an empty database "
                           "(set WFM_INSTANCE_PATH or DATABASE_URL to another one)")
        click.echo(f"Creating the {size} demo site (history, events, agents) …", err=True)
        logins = load_demo(session, instance, size=size, seed=seed)
    click.echo("Demo logins:")
    for login in logins:
        click.echo(str(login))


@main.group("import")
def import_group() -> None:
    """Import site.toml, history, events, agents or absences (whole file checked first)."""


def _run_import(service, file: Path, site: str | None) -> None:
    app = _app()
    try:
        with app.app_context(), get_db().session() as session:
            summary = service(session, site, file)
    except (DataFileError, SiteConfigError, NotFound) as exc:
        raise CliError(f"{exc}\nnothing was stored") from None
    click.echo(str(summary))


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_SITE = click.option("--site", default=None, help="Site slug (default: the only site).")


@import_group.command("site")
@click.argument("file", type=_FILE)
def import_site(file: Path) -> None:
    """Create or update a site from site.toml."""
    app = _app()
    try:
        with app.app_context(), get_db().session() as session:
            row = imports.import_site(session, file)
            click.echo(f"site {row.slug!r} ({row.name}) with queues {', '.join(q.name for q in row.queues)}")
    except SiteConfigError as exc:
        raise CliError(f"{exc}\nnothing was stored") from None


for _kind in ("history", "events", "agents", "absences"):
    def _make(kind: str):
        @import_group.command(kind, help=f"Import {kind}.csv (see DATA.md).")
        @click.argument("file", type=_FILE)
        @_SITE
        def command(file: Path, site: str | None) -> None:
            _run_import(getattr(imports, f"import_{kind}"), file, site)
        return command
    _make(_kind)


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Run the migrations up to the newest schema."""
    _app()
    click.echo("database schema is up to date")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write the whole database to FILE (a zip: manifest and one JSON-lines file per table); never changes it."""
    from web.backup import BackupError, write_backup

    app = create_app()
    try:
        with app.app_context():
            manifest = write_backup(get_db(), file)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    for table in manifest.tables:
        click.echo(f"{table.name}\t{table.rows}")
    click.echo(f"wrote {file}: {manifest.total_rows:,} rows in {len(manifest.tables)} tables, schema revision "
               f"{manifest.revision}")


@main.command("restore")
@click.argument("file", type=_FILE)
@click.option("--force", is_flag=True, help="Replace a database that holds data or has jobs queued or running.")
def restore_command(file: Path, force: bool) -> None:
    """Replace the database's contents with a backup FILE, all or nothing, then run the newer migrations.
    Stop the web app and the workers first."""
    from web.backup import BackupError, restore_backup

    app = create_app()
    try:
        with app.app_context():
            summary = restore_backup(get_db(), file, force=force)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    manifest = summary.manifest
    for table in manifest.tables:
        click.echo(f"{table.name}\t{table.rows}")
    click.echo(f"restored {manifest.total_rows:,} rows in {len(manifest.tables)} tables from {file} (written "
               f"{manifest.created_at:%Y-%m-%d %H:%M} UTC at schema revision {manifest.revision}); schema now at "
               f"{summary.head}")
    if summary.replaced_rows:
        click.echo(f"replaced the {summary.replaced_rows:,} rows the database held before")


@main.group("user")
def user_group() -> None:
    """Users and roles."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agent", "agent_id", default=None, help="Link an agent login to this agent_id.")
@click.option("--team", "teams", multiple=True, help="A team this lead leads (repeat for several; none: all teams).")
def user_add(username: str, role: str, agent_id: str | None, teams: tuple[str, ...]) -> None:
    """Add a user; prints the generated password once."""
    app = _app()
    password = new_password()
    try:
        with app.app_context(), get_db().session() as session:
            agent_pk = None
            if agent_id:
                agent = session.scalars(select(models.Agent).where(models.Agent.agent_id == agent_id)).first()
                if agent is None:
                    raise ValueError(f"no agent {agent_id!r}; import agents.csv first")
                agent_pk = agent.id
            if teams and role != "lead":
                raise ValueError("--team is for team leads (--role lead)")
            known = set(session.scalars(select(models.Agent.team)))
            unknown = sorted(set(teams) - known)
            if unknown:
                raise ValueError(f"no agents in team(s) {', '.join(unknown)}; known teams: "
                                 f"{', '.join(sorted(known)) or 'none'}")
            create_user(session, username, role, password, agent_pk=agent_pk, teams=teams)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"login={username} password={password} role={role}")


@main.group("token")
def token_group() -> None:
    """Personal API tokens: programs send `Authorization: Bearer TOKEN` and act with the user's role."""


@token_group.command("create")
@click.option("--user", "username", required=True, help="The login the token acts as.")
@click.option("--label", default="", help="What the token is for (shown by `wfm token list`).")
def token_create(username: str, label: str) -> None:
    """Create a token; prints it once (only its hash is kept)."""
    app = _app()
    try:
        with app.app_context(), get_db().session() as session:
            row, clear = create_token(session, username, label)
            token_id = row.id
    except ValueError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"token={clear} id={token_id} user={username}")


@token_group.command("list")
@click.option("--user", "username", default=None)
def token_list(username: str | None) -> None:
    """Tokens with their user, label, creation, last use and revocation."""
    app = _app()
    with app.app_context(), get_db().session() as session:
        for row in list_tokens(session, username):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            click.echo(f"{row.id}\t{row.user.username}\t{row.label or '-'}\tcreated {row.created_at:%Y-%m-%d}"
                       f"\tlast used {used}\t{state}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    app = _app()
    try:
        with app.app_context(), get_db().session() as session:
            revoke_token(session, token_id)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"token {token_id} revoked")


@main.group("override")
def override_group() -> None:
    """Planner overrides: a percentage change on top of the forecast for a queue and dates."""


@override_group.command("add")
@click.option("--queue", required=True)
@click.option("--from", "start", required=True, help="First date, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last date (included), YYYY-MM-DD.")
@click.option("--percent", type=float, required=True, help="+10 = 10 % more contacts, -20 = 20 % fewer.")
@click.option("--reason", default="", help="Why (kept with who and when).")
@click.option("--by", "created_by", default="cli", show_default=True, help="Who decided it.")
@_SITE
def override_add(queue: str, start: str, end: str, percent: float, reason: str, created_by: str,
                 site: str | None) -> None:
    """Add an override; later forecasts of the site apply it."""
    try:
        override = Override(queue, dt.date.fromisoformat(start), dt.date.fromisoformat(end), percent, reason,
                            created_by)
    except ValueError as exc:
        raise CliError(f"{exc}; give dates as YYYY-MM-DD") from None
    app = _app()
    try:
        with app.app_context(), get_db().session() as session:
            row = add_override(session, site, override)
            click.echo(f"override {row.id}: {queue} {start} to {end} {percent:+g} %")
    except (ValueError, NotFound) as exc:
        raise CliError(str(exc)) from None


@override_group.command("list")
def override_list() -> None:
    """List the stored overrides."""
    app = _app()
    with app.app_context(), get_db().session() as session:
        for row in session.scalars(select(models.ForecastOverride).order_by(models.ForecastOverride.id)):
            click.echo(f"{row.id}\t{row.queue}\t{row.start_date}\t{row.end_date}\t{row.percent:+g} %\t"
                       f"{row.created_by}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.reason}")


@override_group.command("delete")
@click.argument("override_id", type=int)
def override_delete(override_id: int) -> None:
    """Delete an override by its id."""
    app = _app()
    with app.app_context(), get_db().session() as session:
        row = session.get(models.ForecastOverride, override_id)
        if row is None:
            raise CliError(f"no override {override_id}; `wfm override list` shows them")
        session.delete(row)
    click.echo(f"deleted override {override_id}")


main.add_command(forecast_command)
main.add_command(backtest_command)
main.add_command(staff_command)
main.add_command(schedule_command)
main.add_command(whatif_command)
main.add_command(bench_group)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
