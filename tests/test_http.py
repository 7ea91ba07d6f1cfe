"""HTTP test infrastructure is rendered exactly when the answers ask for it.

How an unmatched request is reported is checked here; the rest of its
behaviour is proven by the generated suites themselves (tests/test_generated_suites.py,
with the socket guard on), and its lowest declared versions by tests/test_dependency_bounds.py."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    EMBEDDED,
    HTTP_CLIENTS,
    Combo,
    combo_params,
    generated_files,
    render,
    run,
    suite_env,
)

HTTP_FILES = {
    "tests/test_utils/http_replies.py",
    "tests/test_utils/http_mocks.py",
    "tests/test_utils/http_fakes.py",
    "tests/test_utils/http_server.py",
    "tests/test_utils/http_fixtures.py",
    "tests/test_utils/http_report.py",
    "tests/unit/test_http_mocks.py",
    "tests/unit/test_http_routes.py",
    "tests/integration/test_http_parity.py",
    "tests/integration/test_http_server.py",
}
HTTP_EXAMPLE_FILES = {
    "src/selftest_service/inventory.py",
    "tests/unit/test_inventory.py",
    "tests/integration/test_inventory_server.py",
}
HTTP_COMBOS = [Combo(EMBEDDED, client, x) for client in HTTP_CLIENTS for x in (True, False)]


@pytest.mark.parametrize("combo", combo_params(HTTP_COMBOS))
def test_http_files_follow_the_answers(combo: Combo, rendered: Callable[[Combo], Path]) -> None:
    project = rendered(combo)
    files = generated_files(project)
    wants_http = combo.http_client != "none"

    assert (files >= HTTP_FILES) is wants_http
    assert (files >= HTTP_EXAMPLE_FILES) is (wants_http and combo.include_examples)
    if not wants_http:
        assert not [name for name in files if "http" in name or "inventory" in name]
        assert "http" not in (project / "tests/conftest.py").read_text()
        assert "## HTTP" not in (project / "TESTING.md").read_text()


# One test lets the error reach it, one catches it; {client} is the real client class.
UNMATCHED_TESTS = """
import {module}

from test_utils.http_mocks import MockHttp


async def test_raised(mock_http: MockHttp) -> None:
    mock_http.get("https://api.example/items", json=[])
    async with {client}() as client:
        await client.get("https://api.example/other")


async def test_swallowed(mock_http: MockHttp) -> None:
    mock_http.get("https://api.example/items", json=[])
    async with {client}() as client:
        try:
            await client.get("https://api.example/other")
        except AssertionError:
            pass
"""
CLIENT_CLASSES = {"aiohttp": "aiohttp.ClientSession", "httpx": "httpx.AsyncClient"}


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
def test_an_unmatched_request_is_reported_once_with_the_routes(
    client: str, template_repo: Path, tmp_path: Path
) -> None:
    combo = Combo(EMBEDDED, client, False)
    project = render(template_repo, tmp_path / "project", combo.answers())
    test_file = project / "tests" / "unit" / "test_unmatched.py"
    test_file.write_text(UNMATCHED_TESTS.format(module=client, client=CLIENT_CLASSES[client]))
    pytest_args = ["-p", "no:cacheprovider", "-p", "no:randomly", "-rA", test_file]

    ran = run([sys.executable, "-m", "pytest", *pytest_args], project, suite_env(combo))

    assert "1 failed, 1 passed, 1 error" in ran.output, ran.output
    assert "FAILED tests/unit/test_unmatched.py::test_raised" in ran.output
    assert "ERROR at teardown of test_raised" not in ran.output, "reported twice"
    assert "ERROR at teardown of test_swallowed" in ran.output
    assert "caught the UnmatchedRequestError" in ran.output
    assert ran.output.count("registered routes:\n  GET https://api.example/items") >= 2
    for internal in ("SideEffectError", "direct cause", "During handling"):
        assert internal not in ran.output, ran.output
