"""`wfm forecast` and `wfm backtest` on files: the DATA.md output, the report, one-line refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scheduler.demo_data import generate_demo, write_demo
from web.cli import main

END = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return write_demo(generate_demo("small", end=END, weeks=14), tmp_path_factory.mktemp("demo"))


def _wfm(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_forecast_writes_every_open_interval_with_offsets(files, tmp_path):
    out = tmp_path / "forecast.csv"
    result = _wfm("forecast", "--history", str(files["history.csv"]), "--events", str(files["events.csv"]),
                  "--site", str(files["site.toml"]), "--start", "2026-11-23", "--weeks", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["queue", "interval_start", "offered", "aht_s", "offered_p10", "offered_p90"]
    assert len(frame) == 4 * (5 * 48 + 20)
    assert frame["interval_start"].iloc[0] == "2026-11-23T08:00:00+01:00"
    assert (frame["offered_p10"] <= frame["offered_p90"]).all() and (frame["offered"] >= 0).all()
    assert "billing: 1-7 days:" in result.stderr


def test_forecast_with_an_unknown_method_fails_in_one_line(files, tmp_path):
    result = _wfm("forecast", "--history", str(files["history.csv"]), "--site", str(files["site.toml"]),
                  "--start", "2026-11-23", "--weeks", "1", "--method", "crystal_ball", "--out", str(tmp_path / "f"))
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "unknown method 'crystal_ball'; use one of auto, last_week" in result.stderr


def test_forecast_refuses_a_bad_history_naming_the_line(files, tmp_path):
    bad = tmp_path / "history.csv"
    bad.write_text("queue,interval_start,offered\nbilling,2026-11-02T08:00:00,3\n")
    result = _wfm("forecast", "--history", str(bad), "--site", str(files["site.toml"]), "--start", "2026-11-23",
                  "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 1
    assert result.stderr.startswith("wfm: error: history.csv line 2, column interval_start: ")


def test_forecast_on_a_single_week_of_history_says_what_it_needs(files, tmp_path):
    history = pd.read_csv(files["history.csv"])
    short = tmp_path / "history.csv"
    history[history["interval_start"] >= "2026-11-16"].to_csv(short, index=False)
    result = _wfm("forecast", "--history", str(short), "--site", str(files["site.toml"]), "--start", "2026-11-23",
                  "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 1
    assert "queue billing has only 6 open days with data" in result.stderr
    assert "needs at least 14 days" in result.stderr


def test_backtest_prints_the_accuracy_table_and_the_comparison(files):
    result = _wfm("backtest", "--history", str(files["history.csv"]), "--events", str(files["events.csv"]),
                  "--site", str(files["site.toml"]), "--origins", "2", "--weeks", "1")
    assert result.exit_code == 0, result.output
    assert "Daily totals" in result.output and "15-minute intervals" in result.output
    assert "daily, all origins: chosen WAPE" in result.output
    assert "80 % band coverage of the chosen method" in result.output
    for method in ("auto", "calendar", "last_week", "mean_6_weeks"):
        assert f"ALL         {method}" in result.output


def test_staff_turns_a_forecast_into_requirements(files, tmp_path):
    forecast = tmp_path / "forecast.csv"
    _wfm("forecast", "--history", str(files["history.csv"]), "--events", str(files["events.csv"]),
         "--site", str(files["site.toml"]), "--start", "2026-11-23", "--weeks", "1", "--out", str(forecast))
    out = tmp_path / "requirements.csv"
    result = _wfm("staff", "--forecast", str(forecast), "--site", str(files["site.toml"]), "--out", str(out))
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["queue", "interval_start", "offered", "aht_s", "agents_required",
                                   "agents_scheduled", "service_level", "asa_s", "abandon_rate", "occupancy"]
    assert len(frame) == 4 * (5 * 48 + 20)
    phone = frame[frame["queue"].isin(["billing", "technical"]) & (frame["offered"] > 1)]
    assert (phone["service_level"] >= 0.8).all() and (phone["abandon_rate"] > 0).all()
    assert (frame["agents_scheduled"] >= frame["agents_required"]).all()
    assert "billing:" in result.stderr and "agent-hours" in result.stderr


def test_staff_refuses_a_forecast_with_a_negative_volume(files, tmp_path):
    bad = tmp_path / "forecast.csv"
    bad.write_text("queue,interval_start,offered,aht_s\nbilling,2026-11-23T08:00:00+01:00,-3,300\n")
    result = _wfm("staff", "--forecast", str(bad), "--site", str(files["site.toml"]), "--out", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert result.stderr.startswith("wfm: error: forecast.csv line 2, column offered: -3 is negative")


def test_schedule_writes_a_roster_and_prints_the_json_summary(files, tmp_path):
    import json

    requirements = tmp_path / "requirements.csv"
    requirements.write_text("queue,interval_start,agents_required\n" + "".join(
        f"billing,2026-11-23T{h:02d}:{m:02d}:00+01:00,1\n" for h in range(8, 16) for m in (0, 15, 30, 45)))
    agents = tmp_path / "agents.csv"
    agents.write_text("agent_id,name,team,skills,weekly_hours,max_days_per_week\nA1,Anna Schulz,Nord,billing,8,1\n")
    out = tmp_path / "roster.csv"
    result = _wfm("schedule", "--requirements", str(requirements), "--agents", str(agents), "--site",
                  str(files["site.toml"]), "--start", "2026-11-23", "--days", "1", "--time-limit", "10",
                  "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["status"] in ("OPTIMAL", "FEASIBLE") and summary["shifts"] == 1
    assert {"objective", "best_bound", "gap", "understaffed_agent_intervals", "solve_seconds"} <= set(summary)
    lines = out.read_text().splitlines()
    assert lines[0] == "agent_id,date,start,end,activity"
    assert lines[1].startswith("A1,2026-11-23,2026-11-23T") and "+01:00" in lines[1]


def test_schedule_refuses_agents_with_an_unknown_skill(files, tmp_path):
    requirements = tmp_path / "requirements.csv"
    requirements.write_text("queue,interval_start,agents_required\nbilling,2026-11-23T08:00:00+01:00,1\n")
    agents = tmp_path / "agents.csv"
    agents.write_text("agent_id,name,team,skills,weekly_hours,max_days_per_week\nA1,Anna,Nord,fax,8,1\n")
    result = _wfm("schedule", "--requirements", str(requirements), "--agents", str(agents), "--site",
                  str(files["site.toml"]), "--start", "2026-11-23", "--out", str(tmp_path / "r.csv"))
    assert result.exit_code == 1 and "agents.csv line 2, column skills" in result.stderr


def test_schedule_replans_a_published_roster_keeping_the_days_before(files, tmp_path):
    requirements = tmp_path / "requirements.csv"
    requirements.write_text("queue,interval_start,agents_required\n" + "".join(
        f"billing,2026-11-{d}T{h:02d}:{m:02d}:00+01:00,1\n" for d in (23, 24) for h in range(8, 12)
        for m in (0, 15, 30, 45)))
    agents = tmp_path / "agents.csv"
    agents.write_text("agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
                      "A1,Anna Schulz,Nord,billing,8,2\nA2,Ben Vogel,Nord,billing,8,2\n")
    published = tmp_path / "published.csv"
    published.write_text("agent_id,date,start,end,activity\n"
                         "A1,2026-11-23,2026-11-23T08:00:00+01:00,2026-11-23T12:00:00+01:00,billing\n"
                         "A1,2026-11-24,2026-11-24T08:00:00+01:00,2026-11-24T12:00:00+01:00,billing\n")
    absences = tmp_path / "absences.csv"
    absences.write_text("agent_id,start,end,reason\nA1,2026-11-24T00:00:00+01:00,2026-11-25T00:00:00+01:00,sick\n")
    out = tmp_path / "roster.csv"
    result = _wfm("schedule", "--requirements", str(requirements), "--agents", str(agents), "--absences",
                  str(absences), "--published", str(published), "--replan-from", "2026-11-24", "--site",
                  str(files["site.toml"]), "--start", "2026-11-23", "--days", "2", "--time-limit", "5",
                  "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split(",")[:2]) for line in out.read_text().splitlines()[1:]}
    assert ("A1", "2026-11-23") in rows and ("A1", "2026-11-24") not in rows  # Monday stands; sick on Tuesday
    assert ("A2", "2026-11-24") in rows  # the colleague takes Tuesday


def test_replan_from_needs_the_published_roster(files, tmp_path):
    requirements = tmp_path / "requirements.csv"
    requirements.write_text("queue,interval_start,agents_required\nbilling,2026-11-23T08:00:00+01:00,1\n")
    agents = tmp_path / "agents.csv"
    agents.write_text("agent_id,name,team,skills,weekly_hours,max_days_per_week\nA1,Anna,Nord,billing,8,1\n")
    result = _wfm("schedule", "--requirements", str(requirements), "--agents", str(agents), "--site",
                  str(files["site.toml"]), "--start", "2026-11-23", "--replan-from", "2026-11-24",
                  "--out", str(tmp_path / "r.csv"))
    assert result.exit_code == 1
    assert "--replan-from needs --published" in result.stderr
