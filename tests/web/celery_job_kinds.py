"""Job kinds the Celery tests' worker registers (WFM_JOB_MODULES): short, failing, long and silent jobs."""

from __future__ import annotations

import os
import time

from web import jobs


def _check(params: dict) -> dict:
    return dict(params)


@jobs.job_kind("celery_echo", _check)
def echo(ctx: jobs.JobContext, database, params: dict) -> dict:
    ctx.progress(0.5, "half way")
    return {"doubled": 2 * params["x"], "pid": os.getpid()}


@jobs.job_kind("celery_fail", _check)
def fail(ctx: jobs.JobContext, database, params: dict) -> dict:
    raise ValueError("line 3, column 2: not a number; fix the file and start again")


@jobs.job_kind("celery_long", _check)
def long(ctx: jobs.JobContext, database, params: dict) -> dict:
    """Reports its process id, then works in small steps (each step a progress report) for `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < params["seconds"]:
        ctx.progress(0.1, "working in process %(pid)s", pid=str(os.getpid()))
        time.sleep(0.2)
    return {"pid": os.getpid()}


@jobs.job_kind("celery_silent", _check)
def silent(ctx: jobs.JobContext, database, params: dict) -> dict:
    """Reports once, then computes for long without a word: only the runner's time limit can stop it."""
    ctx.progress(0.1, "working in process %(pid)s", pid=str(os.getpid()))
    time.sleep(params["seconds"])
    return {"pid": os.getpid()}


def where_and_square(number: int, seconds: float) -> tuple[int, int]:
    """A part: which process computed it, and the square."""
    time.sleep(seconds)
    if number < 0:
        raise ValueError(f"part {number}: negative")
    return os.getpid(), number * number


@jobs.job_kind("celery_parts", _check)
def in_parts(ctx: jobs.JobContext, database, params: dict) -> dict:
    """Squares its numbers as parts on whichever workers are free."""
    assert ctx.parts is not None, "a job on a Celery worker gets a part map"
    done = ctx.parts(where_and_square, [(n, params["seconds"]) for n in params["numbers"]],
                     lambda finished, total: ctx.progress(finished / total))
    return {"squares": [square for _pid, square in done], "pids": sorted({pid for pid, _square in done})}
