"""Fixtures for integration tests against the real database.

``db_engine`` is created once per test session (and per xdist worker) with the
schema from ``test_utils.schema``; under xdist the schema is built once per run
in a template that every worker's database is copied from (see ``database``
and ``run_template``).
``db_session`` and ``db_session_factory`` run in an outer transaction that is
rolled back after each test; the code under test may ``commit()`` (it releases
a SAVEPOINT), and nothing reaches the next test.

Every fixture here runs on the session-scoped event loop: a pooled connection
belongs to the loop that opened it, so the tests that use these fixtures must
run on that loop too (``asyncio_default_test_loop_scope = "session"``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator
from typing import NoReturn

import pytest
import pytest_asyncio
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from test_utils import database
from test_utils.run_template import report_template_built, template_run
from test_utils.schema import SchemaError, create_schema


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> AsyncIterator[AsyncEngine]:
    """A real engine for the chosen driver, with the schema created once.

    Under pytest-xdist the worker's database is a copy of a template that one
    worker builds for the whole run (``database.create_from_template``); with
    ``-n 0`` the schema is built directly in the configured database.
    """
    base_url = database.configured_url(tmp_path_factory.mktemp("db"))
    url = database.worker_url(base_url, worker_id)
    try:
        database.check_is_test_database(base_url)
    except database.UnsafeDatabaseError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        engine = database.make_test_engine(url)
    except SchemaError as exc:
        pytest.fail(str(exc), pytrace=False)
    run = template_run(request.config)
    # A per-worker database belongs to the test run: drop it even if an
    # interrupted run left it behind. The configured database is dropped only
    # if this run created it. Nothing is dropped on a server never reached.
    owned = False
    try:
        if run is None:
            created = await _prepare(request.config, base_url, database.create_database(url))
            owned = created or worker_id != "master"
            try:
                await _build_schema(engine)
            except _BuildError as exc:
                _build_failed(exc)
        else:
            template_base = database.configured_url(run.directory)
            preparing = database.create_from_template(url, template_base, run.token, build_schema)
            built = await _prepare(request.config, base_url, preparing)
            owned = True
            if built:
                report_template_built(run)
        yield engine
    finally:
        await engine.dispose()  # an undisposed SQLite engine can hang the exit
        if owned:
            await database.drop_database(url)


class _BuildError(Exception):
    """Building the schema failed: an error to report, not an unreachable server."""


async def _prepare(config: pytest.Config, base_url: URL, preparing: Awaitable[bool]) -> bool:
    """Await the database's preparation; skip or fail if the server is unreachable."""
    try:
        return await preparing
    except _BuildError as exc:
        _build_failed(exc)
    except Exception as exc:  # any other failure to reach or prepare the server
        _unavailable(config, base_url, exc)


def _build_failed(exc: _BuildError) -> NoReturn:
    """A schema that cannot be declared fails in one line; any other error as it is."""
    cause = exc.__cause__
    if isinstance(cause, SchemaError):
        pytest.fail(str(cause), pytrace=False)
    raise cause or exc from None


async def build_schema(url: URL) -> None:
    """Build the schema in the database at ``url`` (the run's template).

    What ``db_engine`` hands to ``database.create_from_template``.
    """
    engine = database.make_test_engine(url)
    try:
        await _build_schema(engine)
    finally:
        await engine.dispose()


async def _build_schema(engine: AsyncEngine) -> None:
    try:
        async with engine.begin() as connection:
            await create_schema(connection)
    except Exception as exc:
        raise _BuildError from exc
    # Start the tests on fresh connections: a driver that caches prepared
    # statements per connection can fail on a cache from before the DDL
    # (InvalidCachedStatementError).
    await engine.dispose()


_UNAVAILABLE = pytest.StashKey[str]()


def _unavailable(config: pytest.Config, url: URL, exc: Exception) -> NoReturn:
    """Skip with one line saying what was tried; fail instead under CI or --require-db.

    ``url`` is the configured one, not a worker's, so every xdist worker skips
    with the same reason and ``-rs`` can fold all the skips into one line.
    """
    lines = database.scrub(str(exc), url).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    message = (
        f"integration database unreachable at {database.describe(url)}: {reason}. "
        f"To run these tests, {database.hint()}."
    )
    if database.required_by_ci() or config.getoption("require_db"):
        pytest.fail(f"{message} (CI or --require-db is set, so this is a failure)", pytrace=False)
    config.stash[_UNAVAILABLE] = message
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report the unreachable-database skips at one place instead of at each test.

    pytest reports a skip raised by a fixture at the test's location, which turns
    one cause into one summary line per test; with a common location the skips
    fold into a single line.
    """
    report = yield
    message = item.config.stash.get(_UNAVAILABLE, None)
    if message and report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if reason.endswith(message):
            report.longrepr = (__file__, _unavailable.__code__.co_firstlineno, reason)
    return report


@pytest_asyncio.fixture(loop_scope="session")
async def db_connection(
    request: pytest.FixtureRequest, db_engine: AsyncEngine
) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that is always rolled back."""
    _require_session_loop(request.node)
    async with db_engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                await transaction.rollback()


def _require_session_loop(item: pytest.Item) -> None:
    """Fail clearly instead of with "Future attached to a different loop" later."""
    marker = item.get_closest_marker("asyncio")
    scope = (marker.kwargs.get("loop_scope") if marker else None) or item.config.getini(
        "asyncio_default_test_loop_scope"
    )
    if scope != "session":
        pytest.fail(
            f"{item.nodeid} uses the database fixtures but runs on a {scope or 'function'}-"
            "scoped event loop, while the engine's connections belong to the session loop. "
            'Set asyncio_default_test_loop_scope = "session" in the pytest configuration '
            '(or mark the test @pytest.mark.asyncio(loop_scope="session")).',
            pytrace=False,
        )


@pytest_asyncio.fixture(loop_scope="session")
async def db_session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A real ``AsyncSession``; its commits become SAVEPOINT releases."""
    async with AsyncSession(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
def db_session_factory(db_connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """A session factory whose sessions all join the test's outer transaction."""
    return async_sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
