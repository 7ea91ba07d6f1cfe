"""The generated integration and contract suites, run the way CI runs them.

Against every driver's local server (copier.yml's tables) and SQLite, with
``CI`` set (nothing may skip), on two xdist workers and in random order: the
generated isolation tests commit the same unique value in several tests, so any
leak between tests or workers fails them. Also: an unreachable server skips with
one line that fits the configured URL (or fails under a true CI / --require-db)
without printing the password, and
the isolation tests catch a leak when the SQLite listeners are removed. Under
xdist the schema is built once per run (a template the workers copy) where the
database allows it, and a template an earlier run left behind is dropped, not
copied.
"""

from __future__ import annotations

import asyncio
import os
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
    add_plugin,
    check,
    combo_params,
    drivers_on,
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


# A plugin the generated suite loads (PYTEST_PLUGINS) in every process: it logs
# the database each schema build runs in, one line per build.
BUILD_LOG_PLUGIN = """
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    from test_utils import db_fixtures

    build = db_fixtures.create_schema
    if hasattr(build, "logged"):  # wrapped already (a pytester session in this process)
        return

    async def logged(connection):
        with open(os.environ["SCHEMA_BUILD_LOG"], "a") as log:
            log.write(f"{connection.engine.url.database}\\n")
        await build(connection)

    logged.logged = True
    db_fixtures.create_schema = logged
"""
# The integration tests, but those of the template mechanism itself (they build
# schemas in databases of their own, which would be logged too).
ONLY_THE_RUNS_BUILDS = [
    "-m",
    "integration",
    "--ignore=tests/integration/test_database_templates.py",
]
POSTGRESQL_DRIVER = drivers_on("postgresql")[0]
# Each kind of database: SQLite and PostgreSQL copy a template, MySQL/MariaDB
# build per worker; and -n 0 builds in the configured database, no template.
BUILD_CASES = [
    (EMBEDDED, "2"),
    (POSTGRESQL_DRIVER, "2"),
    (drivers_on("mysql")[0], "2"),
    (POSTGRESQL_DRIVER, "0"),
]


def _with_build_log(env: dict[str, str], tmp_path: Path) -> Path:
    """Make the generated suite log its schema builds; the log's path."""
    add_plugin(env, tmp_path, "schema_build_log", BUILD_LOG_PLUGIN)
    env["SCHEMA_BUILD_LOG"] = str(tmp_path / "builds.log")
    return tmp_path / "builds.log"


@pytest.mark.parametrize(
    ("driver", "workers"),
    [
        pytest.param(driver, n, marks=pytest.mark.xdist_group(Combo(driver, "none", False).id))
        for driver, n in BUILD_CASES
    ],
)
def test_the_schema_is_built_once_per_run_where_the_database_can_copy_it(
    driver: str, workers: str, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    combo = Combo(driver, "none", False)
    env = suite_env(combo)
    log = _with_build_log(env, tmp_path)

    ran = run([*PYTEST, *ONLY_THE_RUNS_BUILDS, "-n", workers], rendered(combo), env)

    assert ran.returncode == 0, ran.output
    builds = log.read_text().split()
    # (the generated suite's pytester sessions build in databases of their own)
    in_templates = [name for name in builds if re.search(r"_tpl_[0-9a-f]{12}(\.db)?$", name)]
    in_workers = [name for name in builds if re.search(r"_gw\d+(\.db)?$", name)]
    if workers == "0":
        assert sqlalchemy.make_url(env["TEST_DATABASE_URL"]).database in builds, builds
        assert in_templates == in_workers == [], builds
    elif DRIVER_TABLE[driver]["server"] == "mysql":  # no templates: each worker builds
        assert in_templates == [], builds
        assert 1 <= len(in_workers) <= 2, builds
    else:  # one build, in the run's template; the workers copied it
        assert len(in_templates) == 1, builds
        assert in_workers == [], builds


@pytest.mark.xdist_group(Combo(POSTGRESQL_DRIVER, "none", False).id)
def test_a_template_left_by_an_earlier_run_is_dropped_not_copied(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    """Also with a configured name so long that every derived name must be cut to fit."""
    combo = Combo(POSTGRESQL_DRIVER, "none", False)
    base = f"selftest_stale_template_{os.getpid()}".ljust(62, "x")
    env = suite_env(combo, database=base)
    project = rendered(combo)
    # The earlier run's template, as the generated code names and marks it,
    # holding a table the current schema does not have.
    names = check(
        [
            sys.executable,
            "-c",
            "import sys; from sqlalchemy import make_url; from test_utils import database; "
            "url = make_url(sys.argv[1]); "
            "print(database.template_url(url, '0123456789ab').database, "
            "database.TEMPLATE_MARK.format(name=url.database) + '0123456789ab')",
            env["TEST_DATABASE_URL"],
        ],
        project,
        {**env, "PYTHONPATH": os.pathsep.join(["tests", "src"])},
    )
    stale, mark = names.strip().split(" ", 1)
    assert len(stale) <= 63, stale
    _admin(f'CREATE DATABASE "{stale}"', f"COMMENT ON DATABASE \"{stale}\" IS '{mark}'")
    _admin("CREATE TABLE stale_only (id integer)", database=stale)
    log = _with_build_log(env, tmp_path)

    try:
        ran = run([*PYTEST, *ONLY_THE_RUNS_BUILDS, "-n", "2"], project, env)
    finally:
        left = _databases_named(POSTGRESQL_DRIVER, base[:40])
        _admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in left))

    assert ran.returncode == 0, ran.output
    builds = log.read_text().split()
    assert len(builds) == 1, builds
    assert builds[0] != stale
    assert all(len(name) <= 63 for name in builds), builds
    assert left == [], "templates or copies left"


def _admin(*statements: str, database: str | None = None) -> None:
    """Run ``statements`` on the local PostgreSQL (its admin database by default)."""
    server = SERVER_TABLE[DRIVER_TABLE[POSTGRESQL_DRIVER]["server"]]
    name = database or server["admin_database"]
    url = sqlalchemy.make_url(SERVER_URLS[POSTGRESQL_DRIVER].format(name=name))

    async def execute() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(sqlalchemy.text(statement))
        finally:
            await engine.dispose()

    asyncio.run(execute())
