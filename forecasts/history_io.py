"""Reading history.csv and events.csv into typed frames, refusing a file with every problem named at once."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasts.csv_table import number_hint, read_csv_table, to_numbers
from forecasts.errors import DataFileError, Problem
from forecasts.site import QUEUE_NAME, Site

Source = str | Path | IO[bytes] | IO[str]

HISTORY_REQUIRED = ("queue", "interval_start", "offered")
HISTORY_OPTIONAL = ("handled", "abandoned", "aht_s")
HISTORY_COLUMNS = HISTORY_REQUIRED + HISTORY_OPTIONAL
EVENTS_REQUIRED = ("date", "event")
EVENTS_OPTIONAL = ("queue", "size")
EVENTS_COLUMNS = EVENTS_REQUIRED + EVENTS_OPTIONAL

# Problems of one kind listed per file; beyond that they are counted, so a broken 200,000-row file stays fast.
MAX_PER_KIND = 200
# Counts above this cannot be held exactly as float64 and are certainly not contacts in one interval.
MAX_COUNT = 2**53

_DATE_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_OFFSET = r"Z|[+-]\d{2}(?::?\d{2})?"
_WITH_OFFSET = f"{_DATE_TIME}(?:{_OFFSET})"
_SPLIT_OFFSET = re.compile(f"({_DATE_TIME})({_OFFSET})")
_DATE_PARTS = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?")
_DATE = r"\d{4}-\d{2}-\d{2}"
# German Excel (';'-separated files): DD.MM.YYYY dates, and naive DD.MM.YYYY HH:MM[:SS] times (refused, see README).
_GERMAN_DATE = r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"
_GERMAN_DATE_TIME = f"^{_GERMAN_DATE}[ T](\\d{{1,2}}):(\\d{{2}})(?::(\\d{{2}}))?$"
_EVENT = re.compile(r"[a-z][a-z0-9_]*")
_COUNT_RULE = "counts are whole numbers ≥ 0"


def read_history(source: Source, site: Site, name: str | None = None) -> pd.DataFrame:
    """Read and validate history.csv for a site; raise one DataFileError listing every problem.

    Returns columns queue, interval_start (site time zone), offered (int64), handled and abandoned (Int64)
    and aht_s (Float64), one row per queue and interval, sorted by queue and interval_start.
    """
    table = read_csv_table(source, required=HISTORY_REQUIRED, optional=HISTORY_OPTIONAL, name=name)
    frame = table.frame.reset_index(drop=True)
    check = RowChecker(table.name, table.line.to_numpy())

    queue_ok = check_queue(check, frame["queue"], site)
    instant, instant_ok = check_interval_start(check, frame["interval_start"], site, german=table.german)
    sep = table.delimiter
    offered, offered_ok = _check_count(check, frame, "offered", required=True, delimiter=sep)
    handled, handled_ok = _check_count(check, frame, "handled", required=False, delimiter=sep)
    abandoned, abandoned_ok = _check_count(check, frame, "abandoned", required=False, delimiter=sep)
    aht = _check_aht(check, frame, sep)
    _check_outcomes(check, offered, handled, abandoned, offered_ok & handled_ok & abandoned_ok)
    check_duplicate_intervals(check, frame["queue"], instant, queue_ok & instant_ok, site)
    check.raise_if_any()

    history = pd.DataFrame({
        "queue": frame["queue"],
        "interval_start": instant.dt.tz_convert(site.timezone).dt.as_unit("us"),
        "offered": offered.astype("int64"),
        "handled": pd.array(handled, dtype="Int64"),
        "abandoned": pd.array(abandoned, dtype="Int64"),
        "aht_s": pd.array(aht, dtype="Float64"),
    })
    return history.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def read_events(source: Source, site: Site, name: str | None = None) -> pd.DataFrame:
    """Read and validate events.csv for a site; raise one DataFileError listing every problem.

    Returns columns date (datetime.date), event (str), queue (str, or None for all queues) and size
    (Float64), sorted by date, event and queue. A ';'-separated file (German Excel) may write dates DD.MM.YYYY
    and size with a decimal comma.
    """
    table = read_csv_table(source, required=EVENTS_REQUIRED, optional=EVENTS_OPTIONAL, name=name)
    frame = table.frame.reset_index(drop=True)
    check = RowChecker(table.name, table.line.to_numpy())
    queue = frame["queue"] if "queue" in frame else pd.Series("", index=frame.index, dtype="str")

    day, day_ok = _check_date(check, frame["date"], german=table.german)
    event_ok = _check_event(check, frame["event"])
    queue_given = (queue != "").to_numpy()
    queue_ok = check_queue(check, queue, site, allow_empty=True)
    size = _check_size(check, frame, table.delimiter)
    _check_duplicate_events(check, day, frame["event"], queue, day_ok & event_ok & queue_ok)
    check.raise_if_any()

    events = pd.DataFrame({
        "date": pd.Series(day.dt.date.to_numpy(dtype=object), dtype=object),
        "event": frame["event"],
        "queue": pd.Series(np.where(queue_given, queue.to_numpy(dtype=object), None), dtype=object),
        "size": pd.array(size, dtype="Float64"),
    })
    order = pd.DataFrame({"d": day, "e": frame["event"], "g": queue_given, "q": queue})
    events = events.iloc[order.sort_values(["d", "e", "g", "q"], kind="stable").index]
    return events.reset_index(drop=True)


def history_day_totals(history: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Per queue and site-local date: offered contacts summed and the number of intervals that have a row."""
    local = history["interval_start"].dt.tz_convert(site.timezone)
    frame = pd.DataFrame({"queue": history["queue"], "date": local.dt.date, "offered": history["offered"],
                          "interval_start": local})
    totals = frame.groupby(["queue", "date"], sort=True).agg(offered=("offered", "sum"),
                                                             intervals=("interval_start", "nunique"))
    return totals.reset_index().astype({"offered": "int64", "intervals": "int64"})


class RowChecker:
    """Collects the problems of one file; per kind the first MAX_PER_KIND are listed and the rest counted."""

    def __init__(self, name: str, lines: np.ndarray):
        self.name = name
        self.lines = lines
        self.problems: list[Problem] = []

    def rows(self, column: str | None, mask: np.ndarray, kind: str, message: Callable[[int], str]) -> None:
        """Report each row where mask is true; message(i) explains row position i; kind is a plural phrase."""
        positions = np.flatnonzero(mask)
        for i in positions[:MAX_PER_KIND]:
            self.problems.append(Problem(self.name, int(self.lines[i]), column, message(int(i))))
        if len(positions) > MAX_PER_KIND:
            self.problems.append(Problem(self.name, None, column, f"{len(positions):,} rows {kind}; "
                                         f"the first {MAX_PER_KIND} are listed"))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DataFileError(self.problems)


def check_queue(check: RowChecker, queue: pd.Series, site: Site, allow_empty: bool = False) -> np.ndarray:
    """Rows whose queue is a queue of the site (or empty, when allowed); one problem per unknown name."""
    empty = (queue == "").to_numpy()
    known = queue.isin(site.queue_names).to_numpy()
    if not allow_empty:
        check.rows("queue", empty, "have no queue",
                   lambda i: f"empty; every row needs a queue, one of {', '.join(site.queue_names)}")
    bad = ~known & ~empty
    if bad.any():
        values = queue[bad]
        counts = values.value_counts(sort=False)
        first = np.zeros(len(queue), dtype=bool)
        first[values.drop_duplicates().index.to_numpy()] = True
        check.rows("queue", first, "name unknown queues",
                   lambda i: _unknown_queue(queue.iat[i], int(counts[queue.iat[i]]) - 1, site))
    return known | (empty & allow_empty)


def _unknown_queue(value: str, more: int, site: Site) -> str:
    also = f" (also on {more:,} more line{'s' if more > 1 else ''})" if more else ""
    if not QUEUE_NAME.fullmatch(value):
        return (f"{value!r} is not a queue name{also}; queue names contain only letters, digits, '_' and '-' "
                f"and the site has {', '.join(site.queue_names)}")
    lower = {q.lower(): q for q in site.queue_names}
    close = lower.get(value.lower()) or next(iter(difflib.get_close_matches(value, site.queue_names, n=1)), None)
    hint = f"did you mean {close!r}? If not, " if close else ""
    return (f"unknown queue {value!r}{also}; the site has {', '.join(site.queue_names)}; "
            f"{hint}add [queues.{value}] to site.toml")


def check_interval_start(check: RowChecker, text: pd.Series, site: Site, german: bool = False
                         ) -> tuple[pd.Series, np.ndarray]:
    """Parse interval_start to UTC instants; refuse naive, unreal, wrongly offset and misaligned times.

    With `german` (a ';'-separated file), DD.MM.YYYY HH:MM is recognised as a naive local time and refused
    with the ISO 8601 form to write instead: without an offset the fall-back hour would be ambiguous.
    Returns the instants (NaT where unusable) and the rows whose instant is usable for duplicate checks.
    """
    column = "interval_start"
    values = text.to_numpy(dtype=object)
    empty = (text == "").to_numpy()
    check.rows(column, empty, "have no interval_start",
               lambda i: "empty; every row needs the start of its interval, e.g. 2025-12-01T08:00:00+01:00")
    with_offset = text.str.fullmatch(_WITH_OFFSET).to_numpy(dtype=bool)
    other = ~with_offset & ~empty
    naive_shape = np.zeros(len(text), dtype=bool)
    naive_shape[other] = text[other].str.fullmatch(_DATE_TIME).to_numpy(dtype=bool)
    iso_text, german_shape = text, np.zeros(len(text), dtype=bool)
    if german and (other & ~naive_shape).any():
        parts = text[other & ~naive_shape].str.extract(_GERMAN_DATE_TIME).reindex(text.index)
        german_shape = parts[0].notna().to_numpy()
        if german_shape.any():
            iso = (parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2) + "T"
                   + parts[3].str.zfill(2) + ":" + parts[4] + ":" + parts[5].fillna("00"))
            iso_text = text.where(~german_shape, iso)
            naive_shape |= german_shape
    iso_values = iso_text.to_numpy(dtype=object)
    check.rows(column, other & ~naive_shape, "are not ISO 8601 times",
               lambda i: f"{values[i]!r} is not an ISO 8601 time with UTC offset; write it like "
                         "2025-12-01T08:00:00+01:00 (site-local time with its offset) or 2025-12-01T07:00:00Z (UTC)")
    naive_wall = pd.to_datetime(iso_text.where(naive_shape), format="ISO8601", errors="coerce")
    naive = naive_wall.notna().to_numpy()
    check.rows(column, naive, "have no UTC offset", lambda i: _naive_message(
        iso_values[i], naive_wall.iat[i], site, shown=values[i] if german_shape[i] else None))

    instant = pd.to_datetime(text.where(with_offset), utc=True, format="ISO8601", errors="coerce")
    wall = pd.to_datetime(text.str.slice(0, 16).where(with_offset), format="ISO8601", errors="coerce")
    parsed = instant.notna().to_numpy()
    check.rows(column, (with_offset & ~parsed) | (naive_shape & ~naive), "are not real dates and times",
               lambda i: _unreal_message(values[i]))

    utc_wall = instant.dt.tz_localize(None)
    written = wall - utc_wall.dt.floor("min")
    local_wall = instant.dt.tz_convert(site.timezone).dt.tz_localize(None)
    local = local_wall - utc_wall
    offset_ok = ((written == pd.Timedelta(0)) | (written == local)).to_numpy()
    wrong = parsed & ~offset_ok
    check.rows(column, wrong, f"have a UTC offset that is neither 0 nor that of {site.timezone}",
               lambda i: _wrong_offset_message(values[i], (utc_wall.iat[i] + written.iat[i]), site))

    usable = parsed & offset_ok
    step = pd.Timedelta(minutes=site.interval_minutes)
    rest = (local_wall - local_wall.dt.floor(step)).to_numpy()
    misaligned = usable & (rest != np.timedelta64(0, "us"))
    check.rows(column, misaligned, f"are not aligned to the {site.interval_minutes}-minute intervals",
               lambda i: _misaligned_message(utc_wall.iat[i] + written.iat[i], pd.Timedelta(rest[i]), step))
    return instant, usable


def _naive_message(value: str, wall: pd.Timestamp, site: Site, shown: str | None = None) -> str:
    """Why a local time without offset is refused; `shown` is the cell when `value` is its ISO 8601 form."""
    tz = ZoneInfo(site.timezone)
    first, second = _offsets(wall.to_pydatetime(), tz)
    gap = _gap(wall, site)
    lead = f"{value} has no UTC offset" if shown is None else f"{shown!r} is {value} without a UTC offset"
    if gap:
        return (f"{lead}, and {wall:%H:%M} does not exist in {site.timezone} on "
                f"{wall:%Y-%m-%d}: clocks jump from {gap[0]} to {gap[1]}; write every time with its UTC offset")
    if first != second:
        return (f"{lead}, and {wall:%H:%M} occurs twice in {site.timezone} on {wall:%Y-%m-%d}; "
                f"write {value}{_offset_text(first)} for the first and {value}{_offset_text(second)} for the "
                "second, after the clocks go back")
    return f"{lead}; write it with the site's offset, e.g. {value}{_offset_text(first)}"


def _unreal_message(value: str) -> str:
    parts = _DATE_PARTS.match(value)
    if parts is None:
        return f"{value!r} is not a real date and time"
    try:
        dt.date.fromisoformat(parts.group(1))
    except ValueError:
        return f"{value} is not a real date: there is no {parts.group(1)}"
    hour, minute, second = int(parts.group(2)), int(parts.group(3)), int(parts.group(4) or 0)
    if hour == 24 and minute == 0 and second == 0:
        return f"{value} is not a valid time: write 24:00 as 00:00 of the next day"
    if hour > 23 or minute > 59 or second > 59:
        return f"{value} is not a valid time of day: hours run 00-23, minutes and seconds 00-59"
    split = _SPLIT_OFFSET.fullmatch(value)
    offset = split.group(2) if split else ""
    return f"{value} has an impossible UTC offset {offset}; offsets lie between -23:59 and +23:59"


def _wrong_offset_message(value: str, wall: pd.Timestamp, site: Site) -> str:
    gap = _gap(wall, site)
    if gap:
        return (f"{value} does not exist in {site.timezone}: clocks jump from {gap[0]} to {gap[1]} on "
                f"{wall:%Y-%m-%d}; check how the export writes the times of that day")
    split = _SPLIT_OFFSET.fullmatch(value)
    prefix = split.group(1) if split else value
    first, second = _offsets(wall.to_pydatetime(), ZoneInfo(site.timezone))
    if first != second:
        return (f"{value} has the wrong UTC offset for {site.timezone}: {wall:%H:%M} on {wall:%Y-%m-%d} occurs "
                f"twice, first at {_offset_text(first)} and after the clocks go back at {_offset_text(second)}; "
                f"write {prefix}{_offset_text(first)} or {prefix}{_offset_text(second)}, or the time in UTC")
    return (f"{value} has the wrong UTC offset for {site.timezone}: on {wall:%Y-%m-%d} at {wall:%H:%M} the offset "
            f"is {_offset_text(first)}; write {prefix}{_offset_text(first)}, or the time in UTC")


def _misaligned_message(wall: pd.Timestamp, rest: pd.Timedelta, step: pd.Timedelta) -> str:
    before = wall - rest
    minutes = int(step / pd.Timedelta(minutes=1))
    return (f"{_clock(wall)} is not aligned to the {minutes}-minute intervals; the intervals around it start at "
            f"{_clock(before)} and {_clock(before + step)}")


def _clock(moment: pd.Timestamp) -> str:
    if moment.microsecond:
        return f"{moment:%H:%M:%S.%f}".rstrip("0")
    return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"


def _offsets(wall: dt.datetime, tz: ZoneInfo) -> tuple[dt.timedelta, dt.timedelta]:
    """UTC offsets of a wall time in a zone: the first and second occurrence (equal unless clocks go back)."""
    first = wall.replace(tzinfo=tz, fold=0).utcoffset()
    second = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert first is not None and second is not None
    return first, second


def _gap(wall: pd.Timestamp, site: Site) -> tuple[str, str] | None:
    """For a wall time skipped when clocks go forward, the clock times of the jump ('02:00', '03:00')."""
    tz = ZoneInfo(site.timezone)
    naive = wall.to_pydatetime()
    if naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return None
    after = wall.tz_localize(site.timezone, nonexistent="shift_forward").tz_localize(None)
    before, later = _offsets(naive, tz)
    return f"{after - (later - before):%H:%M}", f"{after:%H:%M}"


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _check_count(check: RowChecker, frame: pd.DataFrame, column: str, required: bool, delimiter: str = ","
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Parse a count column; returns floats (NaN where empty or bad) and the rows where it is usable."""
    if column not in frame:
        return np.full(len(frame), np.nan), np.ones(len(frame), dtype=bool)
    text = frame[column]
    values = text.to_numpy(dtype=object)
    empty = (text == "").to_numpy()
    number = to_numbers(text, delimiter)
    finite = np.isfinite(number)
    whole = finite & (np.floor(number) == number)
    if required:
        check.rows(column, empty, f"have no {column} count",
                   lambda i: f"empty; give the number of contacts {column} (0 if there were none)")
    check.rows(column, ~empty & ~finite, "are not numbers",
               lambda i: f"{values[i]!r} is not a number{number_hint(values[i], delimiter)}; {_COUNT_RULE}")
    check.rows(column, finite & ~whole, "are not whole numbers",
               lambda i: f"{values[i]} is not a whole number; {_COUNT_RULE}")
    check.rows(column, whole & (number < 0), "are negative", lambda i: f"{values[i]} is negative; {_COUNT_RULE}")
    check.rows(column, whole & (number > MAX_COUNT), "are too large",
               lambda i: f"{values[i]} is too large for a count of contacts in one interval")
    usable = whole & (number >= 0) & (number <= MAX_COUNT)
    return np.where(usable, number, np.nan), usable | (empty & (not required))


def _check_aht(check: RowChecker, frame: pd.DataFrame, delimiter: str = ",") -> np.ndarray:
    if "aht_s" not in frame:
        return np.full(len(frame), np.nan)
    values, empty, number, finite = optional_numbers(frame["aht_s"], delimiter)
    check.rows("aht_s", ~empty & ~finite, "are not numbers",
               lambda i: f"{values[i]!r} is not a number{number_hint(values[i], delimiter)}; aht_s is the average "
                         "handle time in seconds, or empty when no contacts were handled")
    check.rows("aht_s", finite & (number <= 0), "are not positive",
               lambda i: f"{values[i]} is not a positive number of seconds; leave aht_s empty when no contacts "
                         "were handled")
    return np.where(finite & (number > 0), number, np.nan)


def _check_outcomes(check: RowChecker, offered: np.ndarray, handled: np.ndarray, abandoned: np.ndarray,
                    usable: np.ndarray) -> None:
    total = np.nan_to_num(handled) + np.nan_to_num(abandoned)
    over = usable & ~np.isnan(offered) & (total > offered)

    def message(i: int) -> str:
        parts = [f"{name} {int(v)}" for name, v in (("handled", handled[i]), ("abandoned", abandoned[i]))
                 if not np.isnan(v)]
        summed = " + ".join(parts) + (f" = {int(total[i])}" if len(parts) > 1 else "")
        return f"{summed} is more than offered {int(offered[i])}; handled + abandoned must not exceed offered"

    check.rows(None, over, "have handled + abandoned above offered", message)


def check_duplicate_intervals(check: RowChecker, queue: pd.Series, instant: pd.Series, usable: np.ndarray,
                               site: Site) -> None:
    keys = pd.DataFrame({"queue": queue.to_numpy(dtype=object),
                         "instant": instant.dt.tz_localize(None).to_numpy()})[usable]
    _report_duplicates(check, keys, lambda i, first: (
        f"duplicate of line {first}: queue {queue.iat[i]} already has a row for the interval starting "
        f"{instant.iat[i].tz_convert(site.timezone).isoformat()}; keep one row per queue and interval"))


def _report_duplicates(check: RowChecker, keys: pd.DataFrame, message: Callable[[int, int], str]) -> None:
    """Report every row whose key (the frame's columns, indexed by row position) repeats an earlier row."""
    repeated = keys[keys.duplicated(keep=False)]
    if repeated.empty:
        return
    first = _first_positions(repeated)
    later = repeated.index[repeated.duplicated(keep="first").to_numpy()]
    mask = np.zeros(len(check.lines), dtype=bool)
    mask[later] = True
    check.rows(None, mask, "duplicate an earlier row", lambda i: message(i, int(check.lines[first.loc[i]])))


def _first_positions(repeated: pd.DataFrame) -> pd.Series:
    """For each row of repeated (indexed by row position), the position of the first row with the same key."""
    group = repeated.groupby(list(repeated.columns), sort=False, dropna=False).ngroup()
    firsts = pd.Series(repeated.index.to_numpy(), index=group.to_numpy()).groupby(level=0).min()
    return pd.Series(firsts.loc[group.to_numpy()].to_numpy(), index=repeated.index)


def _check_date(check: RowChecker, text: pd.Series, german: bool = False) -> tuple[pd.Series, np.ndarray]:
    """Dates YYYY-MM-DD; in a ';'-separated (German Excel) file also DD.MM.YYYY."""
    values = text.to_numpy(dtype=object)
    empty = (text == "").to_numpy()
    if german:
        parts = text.str.extract(f"^{_GERMAN_DATE}$")
        iso = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
        text = text.where(parts[0].isna(), iso)
    shaped = text.str.fullmatch(_DATE).to_numpy(dtype=bool)
    day = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
    ok = day.notna().to_numpy()
    form = "YYYY-MM-DD or DD.MM.YYYY" if german else "YYYY-MM-DD"
    check.rows("date", empty, "have no date", lambda i: "empty; every event needs a date, e.g. 2027-01-05")
    check.rows("date", ~empty & ~shaped, f"are not dates in the form {form}",
               lambda i: f"{values[i]!r} is not a date in the form {form}, e.g. 2027-01-05")
    check.rows("date", shaped & ~ok, "are not real dates", lambda i: f"{values[i]} is not a real date")
    return day, ok


def _check_event(check: RowChecker, text: pd.Series) -> np.ndarray:
    values = text.to_numpy(dtype=object)
    empty = (text == "").to_numpy()
    ok = text.str.fullmatch(_EVENT.pattern).to_numpy(dtype=bool)
    check.rows("event", empty, "have no event",
               lambda i: "empty; every row needs an event kind, e.g. bill_mailing")
    check.rows("event", ~empty & ~ok, "are not event kinds", lambda i: _event_message(values[i]))
    return ok


def _event_message(value: str) -> str:
    rule = f"{value!r} is not an event kind; write it in lowercase letters, digits and '_', starting with a letter"
    suggestion = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
    if _EVENT.fullmatch(suggestion):
        return f"{rule}: {suggestion}"
    return f"{rule}, e.g. bill_mailing"


def _check_size(check: RowChecker, frame: pd.DataFrame, delimiter: str = ",") -> np.ndarray:
    if "size" not in frame:
        return np.full(len(frame), np.nan)
    values, empty, number, finite = optional_numbers(frame["size"], delimiter)
    rule = "size is a number ≥ 0 (e.g. letters mailed) or empty"
    check.rows("size", ~empty & ~finite, "are not numbers",
               lambda i: f"{values[i]!r} is not a number{number_hint(values[i], delimiter)}; {rule}")
    check.rows("size", finite & (number < 0), "are negative", lambda i: f"{values[i]} is negative; {rule}")
    return np.where(finite & (number >= 0), number, np.nan)


def _check_duplicate_events(check: RowChecker, day: pd.Series, event: pd.Series, queue: pd.Series,
                            usable: np.ndarray) -> None:
    keys = pd.DataFrame({"date": day.to_numpy(), "event": event.to_numpy(dtype=object),
                         "queue": queue.to_numpy(dtype=object)})[usable]

    def message(i: int, first: int) -> str:
        scope = f"queue {queue.iat[i]}" if queue.iat[i] else "all queues"
        return (f"duplicate of line {first}: event {event.iat[i]} on {day.iat[i]:%Y-%m-%d} for {scope} "
                "is already listed; keep one row")

    _report_duplicates(check, keys, message)


def optional_numbers(text: pd.Series, delimiter: str = ",") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The raw cells, which are empty, their numeric values (NaN if not numbers) and which are finite numbers.

    `delimiter` is the file's separator, which decides the decimal mark (see forecasts.csv_table.to_numbers).
    """
    number = to_numbers(text, delimiter)
    return text.to_numpy(dtype=object), (text == "").to_numpy(), number, np.isfinite(number)
