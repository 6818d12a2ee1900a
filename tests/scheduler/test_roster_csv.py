import datetime as dt
import io

import pytest

from forecasts.errors import DataFileError
from forecasts.site import parse_site
from scheduler.roster import Roster, Segment, Shift
from scheduler.roster_csv import read_roster, write_roster_csv

SITE = parse_site("""
[site]
name = "Test"
timezone = "Europe/Berlin"
holidays = "DE-BB"
interval_minutes = 15

[site.opening_hours]
mon = "07:00-22:00"

[queues.billing]
channel = "phone"
service_level = 0.8
answer_within_s = 20
""")
HEADER = "agent_id,date,start,end,activity\n"
EXAMPLE = HEADER + (  # DATA.md
    "A001,2026-12-07,2026-12-07T08:00:00+01:00,2026-12-07T10:30:00+01:00,billing\n"
    "A001,2026-12-07,2026-12-07T10:30:00+01:00,2026-12-07T11:00:00+01:00,break\n"
    "A001,2026-12-07,2026-12-07T11:00:00+01:00,2026-12-07T16:30:00+01:00,chat\n")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def roster(text: str, agent_ids: set[str] | None = None) -> Roster:
    return read_roster(io.StringIO(text), SITE, agent_ids=agent_ids, name="roster.csv")


def problems(rows: str, agent_ids: set[str] | None = None) -> list[str]:
    with pytest.raises(DataFileError) as info:
        roster(HEADER + rows, agent_ids)
    return [str(p) for p in info.value.problems]


def test_reads_the_data_md_example_and_writes_it_back(tmp_path):
    result = roster(EXAMPLE, agent_ids={"A001"})
    assert result == Roster((Shift("A001", dt.date(2026, 12, 7), (
        Segment(at("2026-12-07T08:00:00+01:00"), at("2026-12-07T10:30:00+01:00"), "billing"),
        Segment(at("2026-12-07T10:30:00+01:00"), at("2026-12-07T11:00:00+01:00"), "break"),
        Segment(at("2026-12-07T11:00:00+01:00"), at("2026-12-07T16:30:00+01:00"), "chat"),
    )),))
    assert write_roster_csv(result, site=SITE) == EXAMPLE
    assert write_roster_csv(result).splitlines()[1] == (
        "A001,2026-12-07,2026-12-07T07:00:00+00:00,2026-12-07T09:30:00+00:00,billing")  # UTC, as read
    path = tmp_path / "roster.csv"
    assert write_roster_csv(result, path, site=SITE) == EXAMPLE
    assert path.read_text(encoding="utf-8") == EXAMPLE


def test_round_trip_of_a_night_shift_over_the_autumn_dst_change_written_in_site_time():
    """Times given in UTC are written in site time; 02:30 occurs twice and keeps its offset."""
    utc = dt.UTC
    night = Roster((Shift("A002", dt.date(2026, 10, 24), (
        Segment(dt.datetime(2026, 10, 24, 20, 0, tzinfo=utc), dt.datetime(2026, 10, 25, 0, 30, tzinfo=utc), "chat"),
        Segment(dt.datetime(2026, 10, 25, 0, 30, tzinfo=utc), dt.datetime(2026, 10, 25, 1, 0, tzinfo=utc), "break"),
        Segment(dt.datetime(2026, 10, 25, 1, 0, tzinfo=utc), dt.datetime(2026, 10, 25, 4, 0, tzinfo=utc), "chat"),
    )),))
    text = write_roster_csv(night, site=SITE)
    assert text == HEADER + (
        "A002,2026-10-24,2026-10-24T22:00:00+02:00,2026-10-25T02:30:00+02:00,chat\n"
        "A002,2026-10-24,2026-10-25T02:30:00+02:00,2026-10-25T02:00:00+01:00,break\n"
        "A002,2026-10-24,2026-10-25T02:00:00+01:00,2026-10-25T05:00:00+01:00,chat\n")
    assert roster(text) == night
    assert [s.minutes for s in roster(text).shifts[0].segments] == [270, 30, 180]


def test_an_empty_roster():
    assert roster(HEADER) == Roster(())
    assert write_roster_csv(Roster(())) == HEADER


def test_naive_and_unreal_times():
    assert problems("A001,2026-12-07,2026-12-07T08:00:00,2026-12-07T10:30:00+01:00,billing\n"
                    "A001,2026-12-08,2026-12-08T08:00:00+01:00,2026-12-08T25:00:00+01:00,billing\n") == [
        "roster.csv line 2, column start: 2026-12-07T08:00:00 has no UTC offset; write it with the site's offset, "
        "e.g. 2026-12-07T08:00:00+01:00",
        "roster.csv line 3, column end: 2026-12-08T25:00:00+01:00 is not a valid time of day: hours run 00-23, "
        "minutes and seconds 00-59",
    ]


def test_misaligned_and_wrongly_offset_times():
    assert problems("A001,2026-12-07,2026-12-07T08:10:00+01:00,2026-12-07T10:30:00+02:00,billing\n") == [
        "roster.csv line 2, column end: 2026-12-07T10:30:00+02:00 has the wrong UTC offset for Europe/Berlin: on "
        "2026-12-07 at 10:30 the offset is +01:00; write 2026-12-07T10:30:00+01:00, or the time in UTC",
        "roster.csv line 2, column start: 08:10 is not aligned to the 15-minute intervals; the intervals around it "
        "start at 08:00 and 08:15",
    ]


def test_start_not_before_end():
    assert problems("A001,2026-12-07,2026-12-07T10:30:00+01:00,2026-12-07T10:30:00+01:00,billing\n") == [
        "roster.csv line 2, column end: 2026-12-07T10:30:00+01:00 is not after start 2026-12-07T10:30:00+01:00; "
        "a segment ends after it starts"]


def test_date_must_be_the_local_start_date_of_the_shift():
    # A night shift is dated by its start: the segment after midnight keeps the earlier date.
    night = ("A001,2026-12-07,2026-12-07T22:00:00+01:00,2026-12-08T00:00:00+01:00,chat\n"
             "A001,2026-12-07,2026-12-08T00:00:00+01:00,2026-12-08T02:00:00+01:00,chat\n")
    assert len(roster(HEADER + night).shifts) == 1
    # 23:00 UTC on the 7th is midnight of the 8th in Berlin.
    assert len(roster(HEADER + "A001,2026-12-08,2026-12-07T23:00:00Z,2026-12-08T02:00:00+01:00,chat\n").shifts) == 1
    assert problems("A001,2026-12-08,2026-12-07T22:00:00Z,2026-12-08T02:00:00+01:00,chat\n") == [
        "roster.csv line 2, column date: 2026-12-08 does not match the shift's start: its first segment starts "
        "2026-12-07T22:00:00Z, on 2026-12-07; date is the local date on which the shift starts"]


def test_unknown_agent_empty_cells_bad_dates_and_activities():
    assert problems(",2026-12-07,2026-12-07T08:00:00+01:00,2026-12-07T10:00:00+01:00,billing\n"
                    "A009,07.12.2026,2026-12-07T08:00:00+01:00,2026-12-07T10:00:00+01:00,billing\n"
                    "A001,2026-02-30,,2026-12-07T10:00:00+01:00,\n"
                    "A001,2026-12-07,2026-12-07T08:00:00+01:00,2026-12-07T10:00:00+01:00,team meeting\n",
                    agent_ids={"A001"}) == [
        "roster.csv line 2, column agent_id: empty; every row needs the agent's id",
        "roster.csv line 3, column agent_id: unknown agent 'A009'; import the agent in agents.csv first",
        "roster.csv line 3, column date: '07.12.2026' is not a date; write the shift's start date as YYYY-MM-DD, "
        "e.g. 2026-12-07",
        "roster.csv line 4, column activity: empty; give a queue name, break, or another activity such as training",
        "roster.csv line 4, column date: '2026-02-30' is not a date; write the shift's start date as YYYY-MM-DD, "
        "e.g. 2026-12-07",
        "roster.csv line 4, column start: empty; every row needs the start of the segment, e.g. "
        "2026-12-07T08:00:00+01:00",
        "roster.csv line 5, column activity: 'team meeting' is not an activity name; use letters, digits, '_' and "
        "'-' (a queue name, break, training, …)",
    ]


def test_overlapping_segments_of_one_agent_name_both_lines():
    rows = ("A001,2026-12-07,2026-12-07T08:00:00+01:00,2026-12-07T16:30:00+01:00,billing\n"
            "A002,2026-12-07,2026-12-07T10:00:00+01:00,2026-12-07T12:00:00+01:00,chat\n"
            "A001,2026-12-07,2026-12-07T10:00:00+01:00,2026-12-07T11:00:00+01:00,chat\n"
            "A001,2026-12-08,2026-12-07T16:00:00+01:00,2026-12-07T17:00:00+01:00,chat\n")
    assert problems(rows) == [
        "roster.csv line 4, column start: chat 2026-12-07T10:00:00+01:00 to 2026-12-07T11:00:00+01:00 overlaps "
        "line 2 (billing 2026-12-07T08:00:00+01:00 to 2026-12-07T16:30:00+01:00) of agent A001; an agent does one "
        "thing at a time",
        "roster.csv line 5, column date: 2026-12-08 does not match the shift's start: its first segment starts "
        "2026-12-07T16:00:00+01:00, on 2026-12-07; date is the local date on which the shift starts",
        "roster.csv line 5, column start: chat 2026-12-07T16:00:00+01:00 to 2026-12-07T17:00:00+01:00 overlaps "
        "line 2 (billing 2026-12-07T08:00:00+01:00 to 2026-12-07T16:30:00+01:00) of agent A001; an agent does one "
        "thing at a time",
    ]


def test_missing_column_and_unknown_column():
    with pytest.raises(DataFileError, match="required column 'activity' is missing"):
        roster("agent_id,date,start,end\n")
    with pytest.warns(UserWarning, match="ignoring unknown columns note"):
        assert roster(EXAMPLE.replace("activity\n", "activity,note\n", 1)) == roster(EXAMPLE)
