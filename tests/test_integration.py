"""The generated integration and contract suites, run the way CI runs them.

Against every driver's local server (copier.yml's tables) and SQLite, with
``CI`` set (nothing may skip), on two xdist workers and in random order: the
generated isolation tests commit the same unique value in several tests, so any
leak between tests or workers fails them. Also: an unreachable server skips with
one line that fits the configured URL (or fails under a true CI / --require-db)
without printing the password, and
the isolation tests catch a leak when the SQLite listeners are removed.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers import (
    DRIVER_TABLE,
    DRIVERS,
    EMBEDDED,
    SERVER_DRIVERS,
    SERVER_TABLE,
    SERVER_URLS,
    Combo,
    combo_params,
    render,
    run,
    suite_env,
)

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
LEAK_TESTS = (
    "test_session_commit_does_not_leak",
    "test_factory_sessions_share_the_test_transaction",
)
DATABASE_NAMES = {
    "postgresql": "SELECT datname FROM pg_database",
    "mysql": "SELECT schema_name FROM information_schema.schemata",
}
UNREACHABLE = "{scheme}://selftest:s3cret@127.0.0.1:1/test"
# Every server driver without a switch, then each switch on one of them.
UNREACHABLE_CASES = [(driver, "none") for driver in SERVER_DRIVERS] + [
    (SERVER_DRIVERS[i % len(SERVER_DRIVERS)], switch)
    for i, switch in enumerate(("CI=false", "CI=0", "CI", "--require-db"))
]


def _summary(output: str) -> dict[str, int]:
    """Counts from pytest's last line, e.g. {"passed": 12, "skipped": 1}."""
    last = output.strip().splitlines()[-1]
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", last)}


def _databases_named(driver: str, prefix: str) -> list[str]:
    """The databases on ``driver``'s local server whose names start with ``prefix``."""
    server = SERVER_TABLE[DRIVER_TABLE[driver]["server"]]
    url = sqlalchemy.make_url(SERVER_URLS[driver].format(name="")).set(
        database=server.get("admin_database")
    )

    async def names() -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                query = sqlalchemy.text(DATABASE_NAMES[engine.dialect.name])
                found = await connection.scalars(query)
                return [name for name in found if name.startswith(prefix)]
        finally:
            await engine.dispose()

    return asyncio.run(names())


@pytest.mark.parametrize(
    "combo",
    combo_params(
        [Combo(driver, "none", examples) for driver in DRIVERS for examples in (True, False)]
    ),
)
def test_integration_suite_passes_on_two_workers_in_random_order(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    env = suite_env(combo)

    ran = run(
        [*PYTEST, "-m", "integration", "-n", "2", "-p", "randomly", "-rA"], rendered(combo), env
    )

    assert ran.returncode == 0, ran.output
    assert "Using --randomly-seed=" in ran.output, ran.output
    counts = _summary(ran.output)
    assert counts.get("passed", 0) > 0, ran.output
    assert set(counts) <= {"passed", "deselected"}, f"nothing may skip or fail:\n{ran.output}"
    assert "2 workers [" in ran.output, ran.output
    for test in LEAK_TESTS:
        for attempt in (1, 2):
            assert f"PASSED tests/integration/test_isolation.py::{test}[{attempt}]" in ran.output
    if combo.db_driver in SERVER_URLS:
        base = sqlalchemy.make_url(env["TEST_DATABASE_URL"]).database or ""
        assert _databases_named(combo.db_driver, base) == [], "per-worker databases not dropped"


@pytest.mark.parametrize(
    ("driver", "switch"),
    [
        # grouped with the other tests of the same combination: rendered once per worker
        pytest.param(driver, switch, marks=pytest.mark.xdist_group(Combo(driver, "none", False).id))
        for driver, switch in UNREACHABLE_CASES
    ],
)
def test_unreachable_server_skips_with_one_line_unless_required(
    driver: str, switch: str, rendered: Callable[[Combo], Path]
) -> None:
    combo = Combo(driver, "none", False)
    scheme = SERVER_URLS[driver].split(":", 1)[0]
    env = suite_env(combo)
    env["TEST_DATABASE_URL"] = UNREACHABLE.format(scheme=scheme)
    env.pop("CI")
    args = ["-n", "2"]
    if switch.startswith("CI="):
        env["CI"] = switch.removeprefix("CI=")
    elif switch == "CI":
        env["CI"] = "true"
    elif switch == "--require-db":
        args.append("--require-db")

    ran = run([*PYTEST, *args], rendered(combo), env)

    assert "s3cret" not in ran.output, "the password was printed"
    counts = _summary(ran.output)
    assert counts.get("passed", 0) > 0, f"the unit tests must still run:\n{ran.output}"
    if switch in {"none", "CI=false", "CI=0"}:
        assert ran.returncode == 0, ran.output
        skip_lines = [line for line in ran.output.splitlines() if line.startswith("SKIPPED")]
        assert len(skip_lines) == 1, ran.output
        assert f"{scheme}://selftest:***@127.0.0.1:1/test:" in skip_lines[0]
        # TEST_DATABASE_URL is set: the advice is about that server, not to set it.
        assert "To run these tests, check that the server in TEST_DATABASE_URL" in skip_lines[0]
        assert "or set TEST_DATABASE_URL" not in skip_lines[0]
        assert set(counts) == {"passed", "skipped"}, ran.output
    else:
        assert ran.returncode == 1, ran.output
        assert "CI or --require-db is set, so this is a failure" in ran.output
        assert "skipped" not in counts, ran.output


def test_isolation_tests_catch_the_leak_without_the_sqlite_listeners(
    template_repo: Path, tmp_path: Path
) -> None:
    combo = Combo(EMBEDDED, "none", False)
    project = render(template_repo, tmp_path / "project", combo.answers())
    database = project / "tests" / "test_utils" / "database.py"
    source = database.read_text()
    for listener_body in (
        "dbapi_connection.isolation_level = None",
        'connection.exec_driver_sql("BEGIN")',
    ):
        assert listener_body in source
        source = source.replace(listener_body, "pass")
    database.write_text(source)

    ran = run([*PYTEST, "-p", "no:randomly", "-rA", "tests/integration"], project, suite_env(combo))

    # In file order the first attempt commits (and leaks), the second one trips over it.
    assert ran.returncode == 1, ran.output
    leak_test = "tests/integration/test_isolation.py::test_session_commit_does_not_leak"
    assert f"PASSED {leak_test}[1]" in ran.output, ran.output
    assert f"FAILED {leak_test}[2]" in ran.output, ran.output
    assert (
        "FAILED tests/integration/test_sqlite_savepoints.py::test_with_the_listeners" in ran.output
    )
