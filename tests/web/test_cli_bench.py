"""`wfm bench curtois`: the table line per instance, the solution CSV, and refusals."""

from __future__ import annotations

from click.testing import CliRunner

from scheduler.curtois import parse_instance
from scheduler.curtois_score import check, read_solution
from tests.scheduler.test_curtois import tiny
from web.cli import main

TEXT = tiny(horizon=2, on="A,0,N,1", cover="1,D,1,100,1")


def test_a_solved_instance_is_printed_against_its_best_known_value_and_written(tmp_path):
    (tmp_path / "Instance1.txt").write_text(TEXT)
    (tmp_path / "best_known.csv").write_text("instance,lower_bound,best_known\n1,1,1\n")
    result = CliRunner().invoke(main, ["bench", "curtois", "--instances", "1", "--time-limit", "5", "--data",
                                       str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["1", "1", "1", "1", "0.0%", result.output.split()[-2], "yes"]
    rows = read_solution(tmp_path / "out" / "Instance1.csv")
    assert [tuple(r) for r in rows] == [("A", 1, "D")]
    assert check(parse_instance(TEXT), rows) == []


def test_a_missing_instance_says_where_it_looked(tmp_path):
    result = CliRunner().invoke(main, ["bench", "curtois", "--instances", "3", "--data", str(tmp_path)])
    assert result.exit_code == 1 and f"no Instance3.txt in {tmp_path}; give --data FOLDER" in result.output


def test_bad_instance_numbers_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["bench", "curtois", "--instances", "one", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "give numbers and ranges like 1-8" in result.output
