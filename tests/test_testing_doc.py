"""The generated TESTING.md: for every combination it names only that combination's
tools, covers every fixture and every known error, and its tables and examples
are well-formed."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    DRIVER_TABLE,
    DRIVERS,
    HTTP_CLIENTS,
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
    fixtures += WEB_FIXTURES if combo.web_framework != "none" else []
    errors = ERRORS + ERRORS_BY_ANSWER.get(combo.db_driver, [])
    errors += ERRORS_BY_SERVER.get(DRIVER_TABLE[combo.db_driver]["server"], [])
    errors += ERRORS_BY_ANSWER.get(combo.http_client, [])

    table = doc.split("## Which fixture for what", 1)[1].split("\n## ", 1)[0]
    assert [f for f in fixtures if f"`{f}`" not in table and f not in table] == []
    error_table = doc.split("## Error message", 1)[1]
    assert [e for e in errors if e not in error_table] == []


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
