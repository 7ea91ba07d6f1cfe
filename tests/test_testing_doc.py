"""The generated TESTING.md: for every combination it names only that combination's
tools, covers every fixture and every known error, and its tables and examples
are well-formed."""

from __future__ import annotations

import ast
import asyncio
import re
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from tests.helpers import (
    DRIVER_TABLE,
    DRIVERS,
    HTTP_CLIENTS,
    MATRIX,
    SERVER_DRIVERS,
    SERVER_TABLE,
    WEB_TABLE,
    Combo,
    combo_params,
)

SERVERS = {d: SERVER_TABLE[DRIVER_TABLE[d]["server"]]["name"] for d in SERVER_DRIVERS}
HTTP_ONLY_TOOLS = {"aiohttp": {"aioresponses"}, "httpx": {"respx"}}
FIXTURES = [
    "mock_engine",
    "mock_session",
    "mock_session_factory",
    "make_result",
    "db_engine",
    "db_session",
    "db_session_factory",
]
HTTP_FIXTURES = ["mock_http", "mock_http_session", "local HTTP server fixture"]
WEB_FIXTURES = ["app", "client", "db_client"]
# Every error of PITFALLS.md (and the ones found since), as the table quotes it.
ERRORS = [
    "'coroutine' object does not support the asynchronous context manager protocol",
    "'coroutine' object has no attribute 'all'",
    "object MagicMock can't be used in 'await' expression",
    "was never awaited",
    "AsyncMockMixin._execute_mock_call",
    "'coroutine' object has no attribute 'scalars'",
    "A transaction is already begun on this Session.",
    "should be explicitly declared as text(",
    "Did you mean to say select(",
    "ScopeMismatch",
    "fixture 'event_loop' not found",
    "attached to a different loop",
    "unhashable type: 'dict'",
    'asyncio_default_fixture_loop_scope" is unset',
    "MissingGreenlet",
    "non-checked-in connection",
    "A test tried to use socket.socket.",
    "integration database unreachable",
    "fixture 'worker_id' not found",
    "not found in `markers` configuration option",
    "[XPASS(strict)]",
    "Unknown config option",
]
ERRORS_BY_ANSWER = {
    "aiohttp": [
        "Unclosed client session",
        "missing 1 required keyword-only argument: 'stream_writer'",
        "ClientConnectorError: Cannot connect to host",
    ],
    "httpx": ["'coroutine' object is not subscriptable"],
    "asyncpg": ["InvalidCachedStatementError"],
}
# By the web framework (FastAPI's test-client errors; checked against the installed
# libraries by test_fastapi_errors_are_what_the_libraries_raise).
ERRORS_BY_WEB_FRAMEWORK = {
    "fastapi": [
        "AsyncClient.__init__() got an unexpected keyword argument 'app'",
        "Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead.",
        "got Future <...> attached to a different loop",
        "the override does not apply",
        "'State' object has no attribute '...'",
    ],
}
# With migrations=alembic.
MIGRATION_ERRORS = [
    "alembic upgrade head did not reach the test database",
    "alembic upgrade head ignored the test connection",
    "hold no revision",
    "the models differ from the migrations",
]
# By the driver's server (copier.yml's drivers[*].server; none = embedded).
ERRORS_BY_SERVER = {
    "mysql": ["commit DDL implicitly"],
    "none": ["emit no `BEGIN` before a `SAVEPOINT`"],
}


def _doc(rendered: Callable[[Combo], Path], combo: Combo) -> str:
    return (rendered(combo) / "TESTING.md").read_text()


@pytest.mark.parametrize("combo", combo_params())
def test_mentions_only_the_chosen_driver_and_client(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    doc = _doc(rendered, combo)
    words = set(re.findall(r"[A-Za-z_]+", doc))

    # The web framework's modules (its test client's included) are named whatever the client.
    used = {combo.http_client, "none", *WEB_TABLE[combo.web_framework].get("modules", [])}
    others = (set(DRIVERS) - {combo.db_driver}) | (set(HTTP_CLIENTS) - used)
    for client, tools in HTTP_ONLY_TOOLS.items():
        if client != combo.http_client:
            others |= tools
    servers = set(SERVERS.values()) - {SERVERS.get(combo.db_driver, "")}
    assert not (others | servers) & words, f"{combo.id}: {(others | servers) & words}"
    assert combo.db_driver in words
    if combo.http_client != "none":
        assert combo.http_client in words
    else:
        assert "mock_http" not in words


@pytest.mark.parametrize("combo", combo_params())
def test_covers_every_fixture_and_every_known_error(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    doc = _doc(rendered, combo)
    fixtures = FIXTURES + (HTTP_FIXTURES if combo.http_client != "none" else [])
    fixtures += ["migration_connection"] if combo.migrations == "alembic" else []
    fixtures += WEB_FIXTURES if combo.web_framework != "none" else []
    errors = ERRORS + ERRORS_BY_ANSWER.get(combo.db_driver, [])
    errors += MIGRATION_ERRORS if combo.migrations == "alembic" else []
    errors += ERRORS_BY_SERVER.get(DRIVER_TABLE[combo.db_driver]["server"], [])
    errors += ERRORS_BY_ANSWER.get(combo.http_client, [])
    errors += ERRORS_BY_WEB_FRAMEWORK.get(combo.web_framework, [])
    if combo.include_examples:
        fixtures = [*fixtures, "product_factory"]
        errors += ["'__async_persistence__' handler must be defined"]

    table = doc.split("## Which fixture for what", 1)[1].split("\n## ", 1)[0]
    assert [f for f in fixtures if f"`{f}`" not in table and f not in table] == []
    error_table = doc.split("## Error message", 1)[1]
    assert [e for e in errors if e not in error_table] == []


@pytest.mark.parametrize("combo", combo_params())
def test_test_data_section_says_when_to_use_make_result_and_the_factories(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    section = _doc(rendered, combo).split("\n## Test data\n", 1)[1].split("\n## ", 1)[0]

    assert "make_result" in section
    assert "db_session" in section
    factories = ["ProductFactory.build(", "product_factory", "--randomly-seed=", "__random_seed__"]
    assert [name in section for name in factories] == [combo.include_examples] * len(factories)


@pytest.mark.parametrize("combo", combo_params())
def test_tables_and_examples_are_well_formed(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    doc = _doc(rendered, combo)

    assert "{{" not in doc
    assert "{%" not in doc
    prose = re.sub(r"```.*?```", "(code)", doc, flags=re.DOTALL)
    assert "\n\n\n" not in prose
    for block in re.findall(r"```python\n(.*?)```", doc, re.DOTALL):
        ast.parse(block)
    tables: list[list[str]] = []
    previous_was_row = False
    for line in doc.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous_was_row:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous_was_row = is_row
    assert len(tables) >= 4
    for table in tables:
        # a stray `|` (even inside backticks) would split a cell in two
        assert len({row.count("|") for row in table}) == 1, "\n".join(table)
        assert set(table[1]) <= {"|", "-"}, table[1]


def _error_rows(doc: str) -> list[str]:
    """The error table's rows."""
    table = doc.split("## Error message", 1)[1]
    return [row for row in table.splitlines() if row.startswith("| ")]


def _quoted(rows: list[str], fragment: str) -> str:
    """The quoted message (first cell, between backticks) that holds ``fragment``."""
    cells = [row.split(" | ", 1)[0] for row in rows]
    quotes = [
        q for cell in cells for pair in re.findall(r"``(.+?)``|`([^`]+)`", cell) for q in pair
    ]
    [quote] = [q for q in quotes if fragment in q]
    return quote.strip()


def _fastapi_app() -> FastAPI:
    """An app with a lifespan that stores an engine and a route with a dependency."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = "started"
        yield

    app = FastAPI(lifespan=lifespan)

    def real_dependency() -> str:
        return "real"

    @app.get("/state")
    async def state(request: Request) -> str:
        return str(request.app.state.engine)

    @app.get("/dependency")
    async def dependency(value: str = Depends(real_dependency)) -> str:
        return value

    return app


def test_fastapi_errors_are_what_the_libraries_raise(
    rendered: Callable[[Combo], Path],
) -> None:
    """Each FastAPI row quotes what the installed fastapi / starlette / httpx really
    do: a release that changes one fails here, not in a user's service."""
    combo = next(c for c in MATRIX if c.web_framework == "fastapi")
    rows = _error_rows(_doc(rendered, combo))
    app = _fastapi_app()

    # httpx 0.28: no `app` argument.
    with pytest.raises(TypeError) as removed:
        httpx.AsyncClient(app=app)
    assert f"TypeError: {removed.value}" == _quoted(rows, "unexpected keyword argument 'app'")

    # Starlette's TestClient warns on import: an error where warnings are errors.
    imported = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import fastapi.testclient"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode != 0
    assert _quoted(rows, "install `httpx2` instead") in imported.stderr

    async def in_memory() -> tuple[str, str]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            # An override keyed on another function object (of the same name) is ignored.
            def real_dependency() -> str:
                return "fake"

            app.dependency_overrides[real_dependency] = lambda: "fake"
            overridden = (await client.get("/dependency")).json()
            # ASGITransport never runs the lifespan.
            with pytest.raises(AttributeError) as no_lifespan:
                await client.get("/state")
        return str(overridden), str(no_lifespan.value)

    overridden, no_lifespan = asyncio.run(in_memory())
    assert overridden == "real"
    assert any(row.startswith("| (no error) the override does not apply") for row in rows)
    quoted = _quoted(rows, "'State' object has no attribute")
    assert f"AttributeError: {no_lifespan}" == quoted.replace("'...'", "'engine'")

    # TestClient in an async test: the app runs on a loop of its own, where an
    # object of the test's loop (a future here; a driver's connection alike) fails.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    async def sync_client_in_an_async_test() -> str:
        pending = asyncio.get_running_loop().create_future()

        async def waits(future: object = Depends(lambda: pending)) -> None:
            await pending

        app.add_api_route("/loop", waits)
        try:
            with pytest.raises(RuntimeError) as raised:
                TestClient(app).get("/loop")
        finally:
            pending.cancel()
        return str(raised.value)

    message = asyncio.run(sync_client_in_an_async_test())
    pattern = re.escape(_quoted(rows, "got Future <...> attached")).replace(r"<\.\.\.>", "<.+?>")
    assert re.fullmatch(pattern, f"RuntimeError: {message}"), message
