"""Schemathesis against the OpenAPI description, in process: generated requests (valid and invalid) to every
operation, as an admin with a personal token, on a small site with data. No answer is a server error, and every
error answer is the JSON error format {"error", "message"}. bench/api_fuzz.py runs the same with many more."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.web.api_fuzzing import fuzz, seeded_app

EXAMPLES = 15  # per operation and mode


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    app = seeded_app(tmp_path_factory.mktemp("fuzz"))
    yield app
    app.extensions["wfm_db"].engine.dispose()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_makes_the_api_fail_or_answer_outside_its_error_format(seeded, mode):
    run = fuzz(seeded, mode, EXAMPLES)
    assert run.operations > 20  # the whole API, not a part that happened to load
    assert run.requests >= run.operations
    assert not run.failures, "\n\n".join(run.failures)
    assert 500 not in run.statuses
