"""HTTP test infrastructure is rendered exactly when the answers ask for it.

Its behaviour is proven by the generated suites themselves (tests/test_generated_suites.py,
with the socket guard on), and its lowest declared versions by tests/test_dependency_bounds.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Combo, combo_params, generated_files

HTTP_FILES = {
    "tests/test_utils/http_replies.py",
    "tests/test_utils/http_mocks.py",
    "tests/test_utils/http_fakes.py",
    "tests/test_utils/http_server.py",
    "tests/test_utils/http_fixtures.py",
    "tests/unit/test_http_mocks.py",
    "tests/integration/test_http_parity.py",
}
HTTP_EXAMPLE_FILES = {
    "src/selftest_service/inventory.py",
    "tests/unit/test_inventory.py",
    "tests/integration/test_inventory_server.py",
}
CLIENTS = ("aiohttp", "httpx", "none")
HTTP_COMBOS = [Combo("aiosqlite", client, x) for client in CLIENTS for x in (True, False)]


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
