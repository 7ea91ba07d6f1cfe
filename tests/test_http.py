"""HTTP test infrastructure: rendered only when asked for, socket-free at unit level,
and green on the lowest aiohttp / httpx / respx versions the template declares."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.helpers import Combo, check, combo_params, generated_files, render, run, suite_env

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
EXAMPLES = {client: Combo("aiosqlite", client, True) for client in ("aiohttp", "httpx")}
SOCKET_GUARD = ["--disable-socket", "--allow-unix-socket"]


CLIENTS = ("aiohttp", "httpx", "none")
HTTP_COMBOS = [Combo("aiosqlite", client, x) for client in CLIENTS for x in (True, False)]
TEST_FILES = sorted(n for n in HTTP_FILES | HTTP_EXAMPLE_FILES if Path(n).name.startswith("test_"))


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


@pytest.mark.parametrize("combo", combo_params(list(EXAMPLES.values())))
def test_unit_tests_pass_with_sockets_disabled(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    pytest_cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *SOCKET_GUARD]

    unit = run([*pytest_cmd, "tests/unit"], project, suite_env(combo))
    # The guard is really on: the same flags stop a test that uses the real server.
    real = run(
        [*pytest_cmd, "tests/integration/test_inventory_server.py", "-k", "test_reads_stock"],
        project,
        suite_env(combo),
    )

    assert unit.returncode == 0, unit.output
    assert re.search(r"\d+ passed", unit.output), unit.output
    assert real.returncode != 0
    assert "SocketBlockedError" in real.output, real.output


def _lowest_pins(project: Path) -> list[str]:
    """``name>=X`` of the HTTP packages and SQLAlchemy in the generated pyproject.toml,
    as ``name==X``."""
    text = (project / "pyproject.toml").read_text()
    found = re.findall(r'"(aiohttp|httpx|respx|sqlalchemy\[asyncio\])>=([0-9.]+)"', text)
    assert len(found) >= 2, f"no HTTP dependency with a lower bound in:\n{text}"
    return [f"{name}=={low}" for name, low in found]


def _lowest_python() -> str:
    """A working Python 3.10 (a pyenv shim on PATH may not be one), else this interpreter."""
    pyenv = sorted(Path.home().glob(".pyenv/versions/3.10*/bin/python3.10"))
    for candidate in [shutil.which("python3.10"), *map(str, pyenv)]:
        probe = "import sys; assert sys.version_info[:2] == (3, 10)"
        if candidate and run([candidate, "-c", probe], Path.home()).returncode == 0:
            return candidate
    return sys.executable


@pytest.mark.slow
def test_http_suites_pass_on_the_lowest_declared_versions(
    template_repo: Path, tmp_path: Path
) -> None:
    """Lowest declared aiohttp/httpx/respx/SQLAlchemy, on the lowest supported
    Python when this machine has it (SQLAlchemy 2.1 needs 3.11, so 2.0 is used)."""
    interpreter = _lowest_python()
    projects = {
        client: render(template_repo, tmp_path / client, combo.answers(python_version="3.10"))
        for client, combo in EXAMPLES.items()
    }
    pins = sorted({pin for project in projects.values() for pin in _lowest_pins(project)})
    same_as_here = [
        f"{name}=={version(name)}"
        for name in ("pytest", "pytest-asyncio", "pytest-socket", "aiosqlite")
    ]
    venv = tmp_path / "venv"
    check([interpreter, "-m", "venv", venv], tmp_path)
    python = venv / "bin" / "python"
    check([python, "-m", "pip", "install", "-q", *pins, *same_as_here], tmp_path)
    installed = check([python, "-m", "pip", "freeze"], tmp_path).lower()

    for pin in pins:
        assert pin.lower().replace("[asyncio]", "") in installed, f"{pin} missing:\n{installed}"
    for client, project in projects.items():
        ran = run(
            [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", *TEST_FILES],
            project,
            suite_env(EXAMPLES[client]),
        )
        assert ran.returncode == 0, f"{client} on {pins}:\n{ran.output}"
        assert re.search(r"\d+ passed", ran.output), ran.output
