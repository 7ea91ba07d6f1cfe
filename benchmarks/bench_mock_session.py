"""Fixture cost: ``mock_session`` vs ``AsyncMock(spec=AsyncSession)`` vs ``create_autospec``.

Renders the template (working tree, uncommitted changes included) into a
temporary directory, imports the generated ``test_utils`` and times N tests'
worth of fixture setup + teardown for each way of building a session mock:
each round builds N mocks and then drops them and runs the garbage collector
(mocks are reference cycles, so freeing them is part of the cost). A second
figure adds what a typical test does with the mock (execute, read the result,
commit). Prints medians per test and ratios, and writes them to
``benchmarks/results/mock_session.json``.

    python benchmarks/bench_mock_session.py [--tests 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, create_autospec

import sqlalchemy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "mock_session.json"
QUERY = select(1)


def import_generated(workdir: Path) -> tuple[Callable[[], Any], type[Any]]:
    """Render the default project; return its ``test_utils.make_session`` and a mapped class."""
    sys.path.insert(0, str(REPO))
    from tests.helpers import DEFAULT, render, snapshot_template

    template = snapshot_template(workdir / "template")
    project = render(template, workdir / "project", DEFAULT.answers(http_client="none"))
    sys.path[:0] = [str(project / "tests"), str(project / "src")]
    from test_utils import make_session
    from test_utils.sample_model import Note

    return make_session, Note


async def typical_use(session: Any, model: type[Any]) -> None:
    """What a unit test typically does with the session (the result is not read:
    on ``AsyncMock(spec=...)`` that would need extra setup, see PITFALLS.md).
    The mock session checks each argument as the real one does (a mapped
    instance, an executable statement), so the figure includes those checks."""
    session.add(model(slug="a"))
    await session.execute(QUERY)
    await session.commit()


async def build_all(build: Callable[[], Any], tests: int, use: type[Any] | None) -> None:
    """``tests`` fixture setups (+ typical use with ``use``, a mapped class); dropped at the end."""
    kept = []
    for _ in range(tests):
        session = build()
        if use is not None:
            await typical_use(session, use)
        kept.append(session)


def time_round(build: Callable[[], Any], tests: int, use: type[Any] | None) -> float:
    """Seconds for ``tests`` fixture setups (+ typical use) and their teardown."""
    loop = asyncio.new_event_loop()
    try:
        gc.collect()
        start = time.perf_counter()
        loop.run_until_complete(build_all(build, tests, use))
        gc.collect()
        return time.perf_counter() - start
    finally:
        loop.close()


def measure(
    builders: dict[str, Callable[[], Any]], tests: int, rounds: int, model: type[Any]
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for use in (None, model):
        label = "setup_teardown" if use is None else "setup_teardown_plus_typical_use"
        medians = {}
        for name, build in builders.items():
            runs = [time_round(build, tests, use) for _ in range(rounds)]
            medians[name] = statistics.median(runs) / tests * 1000
        baseline = medians["AsyncMock(spec=AsyncSession)"]
        figures[label] = {
            "median_ms_per_test": {name: round(ms, 4) for name, ms in medians.items()},
            "ratio_to_AsyncMock_spec": {
                name: round(ms / baseline, 2) for name, ms in medians.items()
            },
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000, help="tests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported")
    parser.add_argument("--autospec-tests", type=int, default=100, help="tests per autospec round")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        make_session, model = import_generated(Path(tmp))
        fast = {
            "mock_session": make_session,
            "AsyncMock(spec=AsyncSession)": lambda: AsyncMock(spec=AsyncSession),
        }
        figures = measure(fast, args.tests, args.rounds, model)
        # create_autospec is ~50x slower: fewer tests per round, same per-test figure.
        slow = {
            "AsyncMock(spec=AsyncSession)": lambda: AsyncMock(spec=AsyncSession),
            "create_autospec(AsyncSession, instance=True)": lambda: create_autospec(
                AsyncSession, instance=True
            ),
        }
        autospec = measure(slow, args.autospec_tests, args.rounds, model)
    for label, values in autospec.items():
        name = "create_autospec(AsyncSession, instance=True)"
        figures[label]["median_ms_per_test"][name] = values["median_ms_per_test"][name]
        figures[label]["ratio_to_AsyncMock_spec"][name] = values["ratio_to_AsyncMock_spec"][name]

    report = {
        "benchmark": "mock_session fixture setup + teardown",
        "tests_per_round": args.tests,
        "autospec_tests_per_round": args.autospec_tests,
        "rounds": args.rounds,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "machine": platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    for label, values in figures.items():
        print(f"{label} (median ms per test, ratio to AsyncMock(spec=AsyncSession)):")
        for name, ms in values["median_ms_per_test"].items():
            print(f"  {name:48} {ms:8.3f} ms  x{values['ratio_to_AsyncMock_spec'][name]}")
    print(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
