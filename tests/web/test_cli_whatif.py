"""`wfm whatif` on the tiny what-if site with a forecast.csv: the JSON result, the table, one-line refusals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecasts.forecast_csv import write_forecast_csv
from forecasts.site import parse_site
from scheduler.agents_io import format_agents
from scheduler.demo_data import site_toml
from scheduler.whatif import grid_points
from tests.scheduler.whatif_fixtures import (
    AGENTS,
    SITE_TOML,
    SL_2_ON_1,
    SL_2_ON_HALF,
    WEEK_COST_PER_AGENT,
    scenario_text,
    tiny_forecast,
)
from web.cli import main
from web.cli_whatif import _grid, _scenario

INPUTS = '[inputs]\nsite = "site.toml"\nagents = "agents.csv"\nforecast = "forecast.csv"\nevents = "events.csv"\n'
TEMPS = '[[staff]]\nname = "temps"\ncount = 0\nfrom = 2027-03-01\nramp = [{ weeks = 1, productivity = 0.0 }]\n'
DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenarios"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("whatif")
    (folder / "site.toml").write_text(SITE_TOML)
    (folder / "agents.csv").write_text(format_agents(AGENTS))
    write_forecast_csv(tiny_forecast(), folder / "forecast.csv")
    (folder / "events.csv").write_text("date,event,queue,size\n2027-03-10,bill_mailing,,50000\n")
    (folder / "base.toml").write_text(scenario_text("base", INPUTS + TEMPS))
    (folder / "bot.toml").write_text(scenario_text(
        "bot", '[[deflection]]\nqueue = "billing"\nshare = 0.5\nfrom = 2027-03-08\nto = 2027-03-14\n'))
    (folder / "sweep.toml").write_text('[grid]\ndeflection.billing.share = [0, 0.5]\n"staff.temps.count" = [0, 1]\n')
    return folder


def _wfm(*args: str):
    return CliRunner().invoke(main, ["whatif", *args], catch_exceptions=False)


def _no_nan(text: str) -> None:
    raise AssertionError(f"{text} in the JSON")


def test_whatif_writes_the_comparison_and_the_sweep_and_prints_a_table(folder, tmp_path):
    out = tmp_path / "result.json"
    result = _wfm("--scenario", str(folder / "base.toml"), "--compare", str(folder / "bot.toml"),
                  "--sweep", str(folder / "sweep.toml"), "--workers", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "peak weeks: 2027-03-08 (target 80.0 %)",
        "scenario      peak SL   peak cost €  extra FTE  first short  hires too late",
        "base           72.7 %         1,662        1.0  2027-03-01   temps (needed 2027-03-01, start by 2027-02-22)",
        "bot            92.6 %         1,662        1.0  2027-03-01   -"]
    assert lines[-2:] == [
        "cheapest meeting 80.0 % in every peak week: deflection.billing.share=0.5, staff.temps.count=0: plan cost "
        "3,323 €, peak SL 92.6 % (worst week 92.6 %)", f"wrote {out}"]

    document = json.loads(out.read_text(), parse_constant=_no_nan)
    assert document["peak_weeks"] == ["2027-03-08"] and document["forecast"] == "forecast.csv"
    base, bot = document["scenarios"]
    assert (base["name"], base["file"], bot["name"]) == ("base", "base.toml", "bot")
    assert base["hires"] == [{"name": "temps", "count": 0, "start": "2027-03-01", "needed_from": "2027-03-01",
                              "latest_start": "2027-02-22", "too_late": True}]
    assert [w["peak"] for w in bot["weeks"]] == [False, True]
    assert [w["required_fte"] for w in bot["weeks"]] == [3.0, 2.0]
    assert math.isclose(bot["peak"]["service_level"], SL_2_ON_HALF)
    assert (base["peak"]["first_short_week"], base["peak"]["latest_start"]) == ("2027-03-08", "2027-03-01")
    assert math.isclose(base["plan"]["service_level"], SL_2_ON_1)
    assert math.isclose(base["plan"]["cost_eur"], 4 * WEEK_COST_PER_AGENT)
    assert [(row["scenario"], row["span"]) for row in document["comparison"]] == [
        ("base", "plan"), ("base", "peak"), ("bot", "plan"), ("bot", "peak")]
    sweep = document["sweep"]
    assert sweep["axes"] == ["deflection.billing.share", "staff.temps.count"] and len(sweep["points"]) == 4
    assert [p["values"] for p in sweep["frontier"]] == [
        {"deflection.billing.share": 0.5, "staff.temps.count": 0},
        {"deflection.billing.share": 0.5, "staff.temps.count": 1}]
    assert sweep["cheapest_meeting_target"]["values"] == {"deflection.billing.share": 0.5, "staff.temps.count": 0}


def test_whatif_writes_null_for_an_unbounded_wait(folder, tmp_path):
    # Twice the calls: 2 agents on 2 Erlangs never catch up, so the ASA has no finite value.
    surge = folder / "surge.toml"
    surge.write_text(scenario_text("surge", INPUTS + '[[volume]]\nqueue = "billing"\nfrom = 2027-03-01\n'
                                   'to = 2027-03-14\npercent = 100\n'))
    out = tmp_path / "result.json"
    result = _wfm("--scenario", str(surge), "--out", str(out))
    assert result.exit_code == 0, result.output
    peak = json.loads(out.read_text(), parse_constant=_no_nan)["scenarios"][0]["peak"]
    assert peak["asa_s"] is None and peak["asa_unbounded"] is True


@pytest.mark.parametrize(("change", "message"), [
    ('[[volume]]\nqueue = "sales"\nfrom = 2027-03-01\nto = 2027-03-05\npercent = 10\n',
     "bad.toml: [[volume]] #1 queue = 'sales': not a queue of the site; use one of billing or \"*\" for all"),
    ('[[volume]]\nqueue = "billing"\nfrom = 2027-05-03\nto = 2027-05-07\npercent = 10\n',
     "bad.toml: [[volume]] #1: 2027-05-03 to 2027-05-07 lies outside the plan (2027-03-01 to 2027-03-14); move it "
     "into the plan or lengthen [scenario] weeks"),
    ('[[staff]]\nname = "temps"\ncount = -3\nfrom = 2027-03-01\n',
     "bad.toml: [[staff]] #1 count = -3: a headcount cannot be negative; people leaving are [staffing] "
     "attrition_per_month, or end a group of temps with `until`"),
])
def test_a_bad_scenario_is_refused_in_one_line_naming_file_and_key(folder, tmp_path, change, message):
    bad = folder / "bad.toml"
    bad.write_text(scenario_text("bad", INPUTS + change))
    result = _wfm("--scenario", str(bad), "--out", str(tmp_path / "result.json"))
    assert result.exit_code == 1
    assert result.stderr == f"wfm: error: {message}\n"
    assert not (tmp_path / "result.json").exists()


def test_missing_inputs_and_bad_sweeps_are_refused_naming_the_key(folder, tmp_path):
    lost = folder / "lost.toml"
    lost.write_text(scenario_text("lost", INPUTS.replace("agents.csv", "nobody.csv")))
    result = _wfm("--scenario", str(lost), "--out", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    assert result.stderr == (f"wfm: error: lost.toml: [inputs] agents = 'nobody.csv': no such file "
                             f"({folder / 'nobody.csv'}); paths are relative to the scenario file\n")
    grid = folder / "badsweep.toml"
    grid.write_text('[grid]\n"staff.students.count" = [1, 2]\n')
    result = _wfm("--scenario", str(folder / "base.toml"), "--sweep", str(grid), "--out", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    assert result.stderr == ("wfm: error: badsweep.toml: [grid] 'staff.students.count': the scenario 'base' has no "
                             "[[staff]] with name = 'students'; add one to the scenario (the sweep sets its count)\n")


def test_the_documented_scenarios_and_sweeps_fit_the_demo_site():
    site = parse_site(site_toml())
    scenarios = {path.name: _scenario(path, site) for path in sorted(DOCS.glob("*.toml")) if "sweep" not in path.name}
    assert sorted(scenarios) == ["base.toml", "deflection.toml", "january_peak.toml"]
    for sweep in sorted(DOCS.glob("sweep*.toml")):
        assert len(grid_points(_grid(sweep, scenarios["january_peak.toml"], site))) <= 20
