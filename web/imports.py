"""Import services: validate a whole file with the pure readers, then store it in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from forecasts.history_io import read_events, read_history
from forecasts.site import Site, SiteConfigError, parse_site
from scheduler.agents_io import read_absences, read_agents
from web import models
from web.repository import find_site, site_config, slugify

Source = str | Path | IO[bytes]
_DELETE_CHUNK = 500


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored, for the CLI line and the page's flash message."""

    kind: str
    file: str
    rows: int
    detail: str

    def __str__(self) -> str:
        return f"imported {self.rows} {self.kind} rows from {self.file}: {self.detail}"


def import_site(session: Session, source: Source, name: str | None = None) -> models.Site:
    """Create or update a site from its site.toml; a queue that still has history cannot be removed."""
    file_name = name or _name(source)
    text = _text(source, file_name)
    config = parse_site(text, source=file_name)
    slug = slugify(config.name)
    row = session.scalars(select(models.Site).where(models.Site.slug == slug)).first()
    if row is None:
        row = models.Site(slug=slug, name=config.name, timezone=config.timezone, config_toml=text)
        session.add(row)
    else:
        _refuse_dropped_queues_with_history(session, row, config, file_name)
        row.name, row.timezone, row.config_toml = config.name, config.timezone, text
    row.approval_required = _approval_required(config, file_name)
    existing = {q.name: q for q in row.queues}
    for queue in config.queues:
        settings = {k: v for k, v in queue.__dict__.items() if k not in ("name", "channel")}
        if queue.name in existing:
            existing[queue.name].channel = queue.channel
            existing[queue.name].settings = settings
        else:
            row.queues.append(models.Queue(name=queue.name, channel=queue.channel, settings=settings))
    for queue_name, queue_row in existing.items():
        if queue_name not in config.queue_names:
            row.queues.remove(queue_row)
    session.flush()
    return row


def _approval_required(config, file_name: str) -> bool:
    """[roster] works_council_approval = true: rosters are published only after the works council approved."""
    table = config.extra.get("roster", {})
    if not isinstance(table, dict):
        raise SiteConfigError(file_name, ["[roster] must be a table, e.g. works_council_approval = true"])
    value = table.get("works_council_approval", False)
    if not isinstance(value, bool):
        raise SiteConfigError(file_name, [f"[roster] works_council_approval = {value!r}: write true or false"])
    return value


def import_history(session: Session, site_slug: str | None, source: Source, name: str | None = None
                   ) -> ImportSummary:
    """Store a history file; the days it covers replace those days of the same queues, all other days stay."""
    site_row = find_site(session, site_slug)
    site = site_config(site_row)
    frame = read_history(source, site, name=name)
    file_name = name or _name(source)
    if frame.empty:
        return ImportSummary("history", file_name, 0, "the file holds no rows; nothing changed")
    local = frame["interval_start"].dt.tz_convert(site.timezone)
    frame = frame.assign(local_date=local.dt.date)
    table = models.HistoryRow.__table__
    for queue, days in frame.groupby("queue")["local_date"].unique().items():
        days = sorted(days)
        for i in range(0, len(days), _DELETE_CHUNK):
            session.execute(delete(table).where(table.c.site_id == site_row.id, table.c.queue == queue,
                                                table.c.local_date.in_(days[i:i + _DELETE_CHUNK])))
    session.execute(insert(table), _history_records(frame, site_row.id))
    first, last = min(frame["local_date"]), max(frame["local_date"])
    queues = ", ".join(sorted(frame["queue"].unique()))
    return ImportSummary("history", file_name, len(frame), f"queues {queues}, days {first} to {last}")


def import_events(session: Session, site_slug: str | None, source: Source, name: str | None = None
                  ) -> ImportSummary:
    """Store an events file; an event already stored for the same date, kind and queue gets the new size."""
    site_row = find_site(session, site_slug)
    frame = read_events(source, site_config(site_row), name=name)
    file_name = name or _name(source)
    stored = {(e.date, e.event, e.queue): e for e in
              session.scalars(select(models.Event).where(models.Event.site_id == site_row.id))}
    added = 0
    for record in frame.itertuples(index=False):
        queue = record.queue if isinstance(record.queue, str) and record.queue else None
        size = None if pd.isna(record.size) else float(record.size)
        existing = stored.get((record.date, record.event, queue))
        if existing is not None:
            existing.size = size
        else:
            added += 1
            session.add(models.Event(site_id=site_row.id, date=record.date, event=record.event, queue=queue,
                                     size=size))
    session.flush()
    return ImportSummary("events", file_name, len(frame), f"{added} new, {len(frame) - added} updated")


def import_agents(session: Session, site_slug: str | None, source: Source, name: str | None = None
                  ) -> ImportSummary:
    """Store an agents file; agents are matched by agent_id, agents not in the file are kept."""
    site_row = find_site(session, site_slug)
    agents = read_agents(source, site_config(site_row), name=name)
    file_name = name or _name(source)
    stored = {a.agent_id: a for a in
              session.scalars(select(models.Agent).where(models.Agent.site_id == site_row.id))}
    added = 0
    for agent in agents:
        row = stored.get(agent.agent_id)
        if row is None:
            added += 1
            row = models.Agent(site_id=site_row.id, agent_id=agent.agent_id)
            session.add(row)
        row.name, row.team, row.skills = agent.name, agent.team, list(agent.skills)
        row.weekly_hours, row.max_days_per_week = agent.weekly_hours, agent.max_days_per_week
        row.details = _agent_details(agent)
        row.active = True
    session.flush()
    return ImportSummary("agents", file_name, len(agents), f"{added} new, {len(agents) - added} updated")


def import_absences(session: Session, site_slug: str | None, source: Source, name: str | None = None
                    ) -> ImportSummary:
    """Store an absences file; an identical absence (agent, start, end, reason) is not stored twice."""
    site_row = find_site(session, site_slug)
    agent_rows = {a.agent_id: a for a in
                  session.scalars(select(models.Agent).where(models.Agent.site_id == site_row.id))}
    absences = read_absences(source, site_config(site_row), agent_ids=set(agent_rows), name=name)
    file_name = name or _name(source)
    known = {(r.agent_pk, r.start, r.end, r.reason) for r in session.scalars(
        select(models.Absence).where(models.Absence.agent_pk.in_([a.id for a in agent_rows.values()])))}
    added = 0
    for absence in absences:
        agent_pk = agent_rows[absence.agent_id].id
        key = (agent_pk, absence.start.astimezone(dt.UTC), absence.end.astimezone(dt.UTC), absence.reason)
        if key not in known:
            known.add(key)
            added += 1
            session.add(models.Absence(agent_pk=agent_pk, start=absence.start, end=absence.end,
                                       reason=absence.reason))
    session.flush()
    return ImportSummary("absences", file_name, len(absences), f"{added} new")


def _agent_details(agent) -> dict:
    details = {
        "level": agent.level, "monthly_pay_eur": agent.monthly_pay_eur, "preferred_shift": agent.preferred_shift,
        "days_off_wish": list(agent.days_off_wish), "email": agent.email,
        "earliest_start": agent.earliest_start.isoformat("minutes") if agent.earliest_start else None,
        "latest_end": agent.latest_end.isoformat("minutes") if agent.latest_end else None,
    }
    return {k: v for k, v in details.items() if v not in (None, [])}


def _history_records(frame: pd.DataFrame, site_id: int) -> list[dict]:
    utc = frame["interval_start"].dt.tz_convert("UTC").dt.to_pydatetime()
    handled = frame["handled"].astype(object).where(frame["handled"].notna(), None)
    abandoned = frame["abandoned"].astype(object).where(frame["abandoned"].notna(), None)
    aht = frame["aht_s"].astype(object).where(frame["aht_s"].notna(), None)
    return [
        {"site_id": site_id, "queue": q, "interval_start": t, "local_date": d, "offered": int(o),
         "handled": None if h is None else int(h), "abandoned": None if a is None else int(a),
         "aht_s": None if s is None else float(s)}
        for q, t, d, o, h, a, s in zip(frame["queue"], utc, frame["local_date"], frame["offered"], handled,
                                      abandoned, aht, strict=True)
    ]


def _refuse_dropped_queues_with_history(session: Session, row: models.Site, config: Site, file_name: str) -> None:
    dropped = [q.name for q in row.queues if q.name not in config.queue_names]
    if not dropped:
        return
    h = models.HistoryRow
    with_history = sorted(set(session.scalars(select(h.queue).where(h.site_id == row.id, h.queue.in_(dropped))
                                              .distinct())))
    if with_history:
        raise SiteConfigError(file_name, [f"queue {q!r} has stored history but is missing from the file; keep "
                                          "it in site.toml or delete its history first" for q in with_history])


def _name(source: Source) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return Path(getattr(source, "filename", None) or getattr(source, "name", None) or "upload").name


def _text(source: Source, file_name: str) -> str:
    if isinstance(source, str | Path):
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise SiteConfigError(file_name, [f"file not found: {source}"]) from None
    else:
        data = source.read()
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SiteConfigError(file_name, ["not UTF-8 text; save the file as UTF-8"]) from None
