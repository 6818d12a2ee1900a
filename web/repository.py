"""Rows <-> domain values: sites, queues, history and agents between the database and the pure libraries."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forecasts.site import Site, parse_site
from web import models


class NotFound(LookupError):
    """A thing asked for by name or id that is not in the database."""


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "site"


def find_site(session: Session, slug: str | None = None) -> models.Site:
    """The site with this slug, or the only/first site when no slug is given."""
    query = select(models.Site).order_by(models.Site.id)
    if slug:
        query = query.where(models.Site.slug == slug)
    site = session.scalars(query).first()
    if site is None:
        if slug:
            known = ", ".join(session.scalars(select(models.Site.slug))) or "none"
            raise NotFound(f"no site {slug!r}; known sites: {known}")
        raise NotFound("no site yet; import one with `wfm import site site.toml` or run `wfm demo`")
    return site


def site_config(row: models.Site) -> Site:
    """The validated site description stored with the site."""
    return parse_site(row.config_toml, source=f"site {row.slug}")


def history_frame(session: Session, site_row: models.Site, queue: str | None = None) -> pd.DataFrame:
    """The stored history of a site in the long format of forecasts.history_io, in site-local time."""
    table = models.HistoryRow.__table__
    query = select(table.c.queue, table.c.interval_start, table.c.offered, table.c.handled, table.c.abandoned,
                   table.c.aht_s).where(table.c.site_id == site_row.id)
    if queue:
        query = query.where(table.c.queue == queue)
    rows = session.execute(query.order_by(table.c.queue, table.c.interval_start)).all()
    frame = pd.DataFrame(rows, columns=["queue", "interval_start", "offered", "handled", "abandoned", "aht_s"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(site_row.timezone)
    return frame.astype({"offered": "int64", "handled": "Int64", "abandoned": "Int64", "aht_s": "Float64"})


def events_frame(session: Session, site_row: models.Site) -> pd.DataFrame:
    """The stored events of a site in the format of forecasts.history_io.read_events."""
    rows = session.execute(select(models.Event.date, models.Event.event, models.Event.queue, models.Event.size)
                           .where(models.Event.site_id == site_row.id).order_by(models.Event.date)).all()
    frame = pd.DataFrame(rows, columns=["date", "event", "queue", "size"])
    frame["size"] = frame["size"].astype("Float64")
    return frame


def history_stats(session: Session, site_id: int) -> list[dict]:
    """Per queue: rows, first and last local date, total offered."""
    h = models.HistoryRow
    query = (select(h.queue, func.count(), func.min(h.local_date), func.max(h.local_date), func.sum(h.offered))
             .where(h.site_id == site_id).group_by(h.queue).order_by(h.queue))
    return [{"queue": q, "rows": n, "first": first, "last": last, "offered": int(total or 0)}
            for q, n, first, last, total in session.execute(query)]


def weekly_offered(session: Session, site_id: int) -> dict[str, list[tuple[dt.date, float]]]:
    """Offered contacts per queue and week (weeks start on Monday), from the stored history."""
    h = models.HistoryRow
    rows = session.execute(select(h.queue, h.local_date, func.sum(h.offered)).where(h.site_id == site_id)
                           .group_by(h.queue, h.local_date)).all()
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["queue", "date", "offered"])
    frame["week"] = [d - dt.timedelta(days=d.weekday()) for d in frame["date"]]
    weekly = frame.groupby(["queue", "week"])["offered"].sum()
    return {queue: [(week, float(total)) for week, total in weekly.loc[queue].items()]
            for queue in weekly.index.get_level_values(0).unique()}

