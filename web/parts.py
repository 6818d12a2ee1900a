"""Parts of one job (the scenarios of a sweep, the teams of a big site) run side by side on Celery workers.

The job's own worker sends every part to the parts queue and then works through the parts itself, taking each one
no other worker has taken yet; so a job never waits for a worker that is busy with it, one worker alone does all
the parts, and every further worker takes a share. Whoever takes a part claims it in Redis and keeps a heartbeat
there while it works; a part whose worker died (heartbeat gone, no result) is taken again by the job's worker.

Arguments and results travel through Redis as pickles: the broker is the application's own, trusted like its
database, and never open to others (see the README's deployment notes).
"""

from __future__ import annotations

import pickle
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import redis

PartFunction = Callable[..., Any]
# (function, arguments of each part, called with (done, total) after each part) -> results in order
PartMap = Callable[[PartFunction, Sequence[tuple], Callable[[int, int], None] | None], list[Any]]

RUN_PART = "wfm.run_part"
KEEP_S = 24 * 3600          # how long a part's arguments and result stay in Redis at most
HEARTBEAT_S = 10.0          # a part's worker says it is alive this often ...
HEARTBEAT_TIMEOUT_S = 45.0  # ... and is given up for dead after this long without a word


class CeleryPartMap:
    """A PartMap over Celery workers, for a job running on one of them."""

    def __init__(self, celery_app: Any, redis_url: str, queue: str):
        self.celery, self.redis, self.queue = celery_app, redis.Redis.from_url(redis_url), queue

    def __call__(self, function: PartFunction, arguments: Sequence[tuple],
                 progress: Callable[[int, int], None] | None = None) -> list[Any]:
        batch = uuid.uuid4().hex
        total = len(arguments)
        for index, args in enumerate(arguments):
            self.redis.set(_key(batch, index, "args"), pickle.dumps((function, args)), ex=KEEP_S)
        for index in range(total):
            self.celery.send_task(RUN_PART, args=[batch, index], queue=self.queue)
        results: dict[int, Any] = {}
        try:
            while len(results) < total:
                progressed = False
                for index in range(total):
                    if index in results:
                        continue
                    outcome = _result(self.redis, batch, index)
                    if outcome is None and not _alive(self.redis, batch, index):
                        # Nobody has it (or its worker died): do it here. A part claimed by the dead worker is
                        # taken over when its claim is released below.
                        self.redis.delete(_key(batch, index, "claim"))
                        run_part(self.redis, batch, index)
                        outcome = _result(self.redis, batch, index)
                    if outcome is not None:
                        results[index] = _unpacked(outcome, index)
                        progressed = True
                        if progress is not None:
                            progress(len(results), total)
                if not progressed:
                    time.sleep(0.05)
        finally:
            self.redis.delete(*[_key(batch, i, k) for i in range(total) for k in ("args", "claim", "alive")])
        return [results[i] for i in range(total)]


def run_part(client: redis.Redis, batch: str, index: int) -> bool:
    """Take the part if nobody has, compute it and store its result (or its error). False if it was taken."""
    if not client.set(_key(batch, index, "claim"), "1", nx=True, ex=KEEP_S):
        return False
    packed = client.get(_key(batch, index, "args"))
    if packed is None:  # the job finished or gave up meanwhile
        return False
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(client, batch, index, stop), daemon=True)
    beat.start()
    try:
        function, args = pickle.loads(packed)  # noqa: S301 (written by this application, see the docstring)
        try:
            outcome = ("ok", function(*args))
        except Exception as exc:  # the job's worker raises it again, where the job's error handling is
            outcome = ("error", exc)
        client.set(_key(batch, index, "result"), pickle.dumps(outcome), ex=KEEP_S)
    finally:
        stop.set()
        beat.join(timeout=5)
    return True


def _heartbeat(client: redis.Redis, batch: str, index: int, stop: threading.Event) -> None:
    while True:
        client.set(_key(batch, index, "alive"), "1", ex=int(HEARTBEAT_TIMEOUT_S))
        if stop.wait(HEARTBEAT_S):
            return


def _alive(client: redis.Redis, batch: str, index: int) -> bool:
    """Whether some worker has the part and still works on it. A claim without a heartbeat yet is a worker
    that has just taken it: the claim and the first beat are a moment apart."""
    if client.exists(_key(batch, index, "alive")):
        return True
    if not client.exists(_key(batch, index, "claim")):
        return False
    ttl = client.ttl(_key(batch, index, "claim"))
    return ttl is not None and ttl > KEEP_S - HEARTBEAT_TIMEOUT_S


def _result(client: redis.Redis, batch: str, index: int) -> bytes | None:
    packed = client.get(_key(batch, index, "result"))
    if packed is not None:
        client.delete(_key(batch, index, "result"))
    return packed


def _unpacked(packed: bytes, index: int) -> Any:
    status, value = pickle.loads(packed)  # noqa: S301 (written by this application)
    if status == "error":
        raise value
    return value


def _key(batch: str, index: int, what: str) -> str:
    return f"wfm:part:{batch}:{index}:{what}"
