"""`wfm bench curtois`: solve the Curtois–Qu shift scheduling instances, write each roster as CSV, and print
objective, bound, best-known value, gap, time and the scorer's hard-constraint verdict per instance."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from scheduler.curtois import load_instance
from scheduler.curtois_model import DEFAULT_WORKERS
from scheduler.curtois_score import check, objective, write_solution
from scheduler.curtois_search import solve

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "curtois"


def instance_numbers(text: str) -> list[int]:
    """'1-8', '1,3,5-7' -> the instance numbers; refused with what to write."""
    numbers: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(p) for p in part.split("-", 1))
                numbers += range(low, high + 1)
            else:
                numbers.append(int(part))
        except ValueError:
            raise click.BadParameter(f"{part!r}: give numbers and ranges like 1-8 or 1,3,5-7") from None
    if not numbers or min(numbers) < 1:
        raise click.BadParameter(f"{text!r}: instance numbers start at 1")
    return numbers


def best_known(folder: Path) -> dict[int, int]:
    path = folder / "best_known.csv"
    if not path.exists():
        return {}
    with path.open() as handle:
        return {int(row["instance"]): int(row["best_known"]) for row in csv.DictReader(handle)}


@click.group("bench")
def bench_group() -> None:
    """Published benchmarks the engine is measured on."""


@bench_group.command("curtois")
@click.option("--instances", default="1-8", show_default=True, help="Instance numbers, e.g. 1-12 or 1,3,5-7.")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
              help="Seconds per instance.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("bench/out/curtois"),
              show_default=True, help="Where InstanceN.csv go.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA,
              show_default=True, help="Folder with InstanceN.txt and best_known.csv.")
@click.option("--workers", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, show_default=True,
              help="CP-SAT workers (a portfolio of strategies; more than the cores is fine).")
def curtois_command(instances: str, time_limit: float, out_dir: Path, data_dir: Path, workers: int) -> None:
    """Solve the instances and print one line each."""
    numbers = instance_numbers(instances)
    missing = [n for n in numbers if not (data_dir / f"Instance{n}.txt").exists()]
    if missing:
        raise click.ClickException(f"no Instance{missing[0]}.txt in {data_dir}; give --data FOLDER")
    known = best_known(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    click.echo(f"{'instance':>8} {'objective':>10} {'bound':>10} {'best-known':>10} {'gap':>7} {'seconds':>8} "
               "feasible")
    for n in numbers:
        instance = load_instance(data_dir / f"Instance{n}.txt")
        result = solve(instance, time_limit_s=time_limit, workers=workers)
        write_solution(result.solution, out_dir / f"Instance{n}.csv")
        violations = check(instance, result.solution)
        score = objective(instance, result.solution) if result.objective is not None else None
        if score is not None and score != result.objective:
            raise click.ClickException(f"instance {n}: the scorer says {score}, the solver {result.objective}")
        reference = known.get(n)
        gap = f"{(score - reference) / reference:.1%}" if score is not None and reference else "-"
        click.echo(f"{n:>8} {score if score is not None else '-':>10} {result.best_bound:>10.0f} "
                   f"{reference if reference is not None else '-':>10} {gap:>7} {result.seconds:>8.1f} "
                   f"{'yes' if score is not None and not violations else 'no'}")
