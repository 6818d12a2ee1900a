"""Parts of a job through Redis: the job's own process does every part nobody else takes, in order, with errors
raised where the job can handle them and nothing left behind in Redis."""

from __future__ import annotations

import os

import pytest

from tests.web.celery_job_kinds import where_and_square
from web import parts

BROKER_URL = os.environ.get("WFM_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")


class _NoWorkers:
    """A Celery app whose messages nobody reads: every part is left to the job's own process."""

    def __init__(self):
        self.sent = []

    def send_task(self, name, args, queue):
        self.sent.append((name, tuple(args), queue))


@pytest.fixture
def client():
    import redis

    connection = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"part tests need Redis at {BROKER_URL} (set WFM_TEST_BROKER_URL): {exc}")
    return connection


def test_with_no_free_worker_the_job_does_every_part_itself_in_order(client):
    celery = _NoWorkers()
    reported = []
    done = parts.CeleryPartMap(celery, BROKER_URL, "q")(where_and_square, [(3, 0), (1, 0), (2, 0)],
                                                        lambda d, t: reported.append((d, t)))
    assert [square for _pid, square in done] == [9, 1, 4]
    assert {pid for pid, _ in done} == {os.getpid()}
    assert reported == [(1, 3), (2, 3), (3, 3)]
    assert [(name, queue) for name, _args, queue in celery.sent] == [(parts.RUN_PART, "q")] * 3
    batch = celery.sent[0][1][0]
    assert not client.keys(f"wfm:part:{batch}:*")


def test_a_part_that_fails_fails_the_job_with_its_error_and_leaves_nothing_behind(client):
    celery = _NoWorkers()
    with pytest.raises(ValueError, match="part -1: negative"):
        parts.CeleryPartMap(celery, BROKER_URL, "q")(where_and_square, [(2, 0), (-1, 0)], None)
    assert not client.keys(f"wfm:part:{celery.sent[0][1][0]}:*")


def test_a_part_already_taken_is_not_computed_twice(client):
    client.set(parts._key("b1", 0, "args"), b"x")
    client.set(parts._key("b1", 0, "claim"), "1")
    try:
        assert parts.run_part(client, "b1", 0) is False
    finally:
        client.delete(parts._key("b1", 0, "args"), parts._key("b1", 0, "claim"))
