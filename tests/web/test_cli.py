"""The `wfm` command: imports that report line-precise one-line errors and exit non-zero, user creation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.web.site_fixture import GOOD_HISTORY, SITE_TOML
from web.cli import main


@pytest.fixture
def wfm(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WFM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("WFM_SECRET_KEY", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)
    return run


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_site_then_history(wfm, tmp_path):
    site = wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML))
    assert site.exit_code == 0 and "site 'test-center' (Test Center) with queues billing, email" in site.output
    history = wfm("import", "history", _write(tmp_path, "history.csv", GOOD_HISTORY))
    assert history.exit_code == 0
    assert history.output.strip() == ("imported 3 history rows from history.csv: queues billing, email, "
                                      "days 2026-12-07 to 2026-12-07")


def test_bad_history_exits_non_zero_with_one_line_naming_the_line(wfm, tmp_path):
    wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML))
    result = wfm("import", "history", _write(tmp_path, "history.csv",
                                             GOOD_HISTORY + "billing,2026-12-07T09:00:00,3,,,\n"))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("wfm: error: history.csv line 5, column interval_start: ")
    assert result.stderr.strip().endswith("nothing was stored")


def test_history_before_any_site_says_what_to_do(wfm, tmp_path):
    result = wfm("import", "history", _write(tmp_path, "history.csv", GOOD_HISTORY))
    assert result.exit_code == 1
    assert "no site yet; import one with `wfm import site site.toml`" in result.stderr


def test_bad_site_file_is_refused(wfm, tmp_path):
    result = wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML.replace('"phone"', '"fax"')))
    assert result.exit_code == 1
    assert "[queues.billing] channel = 'fax': not a channel" in result.stderr


def test_user_add_prints_a_generated_password_once(wfm):
    result = wfm("user", "add", "maria", "--role", "planner")
    assert result.exit_code == 0
    login, password, role = result.output.strip().split(" ")
    assert (login, role) == ("login=maria", "role=planner") and len(password) > len("password=") + 12
    assert wfm("user", "add", "maria", "--role", "planner").exit_code == 1


def test_user_add_gives_a_lead_their_teams_and_refuses_unknown_teams(wfm, tmp_path):
    wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML))
    wfm("import", "agents", _write(tmp_path, "agents.csv", "agent_id,name,team,skills,weekly_hours,max_days_per_week\n"
                                   "A1,Anna,Nord,billing,40,5\n"))
    assert wfm("user", "add", "lena", "--role", "lead", "--team", "Nord").exit_code == 0
    unknown = wfm("user", "add", "lars", "--role", "lead", "--team", "Sued")
    assert unknown.exit_code == 1 and "no agents in team(s) Sued; known teams: Nord" in unknown.stderr
    assert "--team is for team leads" in wfm("user", "add", "pia", "--role", "planner", "--team", "Nord").stderr


def test_every_subcommand_has_help(wfm):
    for args in (["--help"], ["serve", "--help"], ["demo", "--help"], ["import", "history", "--help"],
                 ["db", "upgrade", "--help"], ["user", "add", "--help"]):
        assert wfm(*args).exit_code == 0


def test_override_add_list_delete(wfm, tmp_path):
    wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML))
    added = wfm("override", "add", "--queue", "billing", "--from", "2026-12-07", "--to", "2026-12-11",
                "--percent", "15", "--reason", "bill mailing", "--by", "maria")
    assert added.exit_code == 0 and added.output.strip() == "override 1: billing 2026-12-07 to 2026-12-11 +15 %"
    listed = wfm("override", "list").output.strip().split("\t")
    assert listed[:6] == ["1", "billing", "2026-12-07", "2026-12-11", "+15 %", "maria"]
    assert listed[-1] == "bill mailing"
    assert wfm("override", "delete", "1").exit_code == 0
    assert wfm("override", "list").output == ""


def test_override_for_an_unknown_queue_is_refused(wfm, tmp_path):
    wfm("import", "site", _write(tmp_path, "site.toml", SITE_TOML))
    result = wfm("override", "add", "--queue", "fax", "--from", "2026-12-07", "--to", "2026-12-11", "--percent", "5")
    assert result.exit_code == 1 and "unknown queue 'fax'" in result.stderr
