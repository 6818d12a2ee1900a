"""API fuzzing at length: schemathesis sends many generated requests (valid and invalid) to every operation of the
OpenAPI description and prints how many, the answers by status, and every 500 or error outside the JSON format."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from schemathesis import GenerationMode

from tests.web.api_fuzzing import fuzz, seeded_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=200, help="generated requests per operation and mode")
    args = parser.parse_args()
    app = seeded_app(Path(tempfile.mkdtemp(prefix="wfm-fuzz-")))
    total_failures = 0
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        started = time.perf_counter()
        run = fuzz(app, mode, args.examples)
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(run.statuses.items()))
        print(f"{mode.value}: {run.requests} requests to {run.operations} operations in "
              f"{time.perf_counter() - started:.0f} s; answers {statuses}; 500s: {run.statuses.get(500, 0)}; "
              f"failures: {len(run.failures)}")
        for failure in run.failures:
            print("  " + failure.splitlines()[0])
        total_failures += len(run.failures)
    raise SystemExit(1 if total_failures else 0)


if __name__ == "__main__":
    main()
