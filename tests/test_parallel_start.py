"""pytest-xdist's controller stays light, so the workers start sooner.

The controller runs no test, and it starts the workers only once its own
start-up is done: the generated wiring loads the fixture plugins (SQLAlchemy,
polyfactory, Alembic, the web framework, the service itself) in the workers
alone. A probe plugin records what the controller has imported when it sets up
each worker; the workers still get every fixture (the unit suite passes on two
workers), and ``--fixtures`` still lists them where the controller collects.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import COVERING, WEB_FRAMEWORKS, Combo, add_plugin, run, suite_env

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
# Loaded by every process of the generated suite (PYTEST_PLUGINS); only the
# controller calls pytest_configure_node.
PROBE = """
import json
import os
import sys


def pytest_configure_node(node):
    with open(os.environ["CONTROLLER_MODULES"], "w") as out:
        json.dump(sorted(sys.modules), out)
"""
# What the fixtures import and the controller must not (httpx and polyfactory
# are imported by other plugins: respx's and pytest-randomly's).
HEAVY = ("sqlalchemy", "alembic", "fastapi", "starlette", "aiohttp", "selftest_service")
# The test_utils modules the controller needs: the template run's hooks and the
# conftest's own imports (the GC guard, the HTTP report).
LIGHT = {
    "test_utils",
    "test_utils.run_template",
    "test_utils.unawaited",
    "test_utils.http_report",
    "test_utils.http_replies",
}
# One combination of the covering set per web framework: between them, every
# fixture plugin (migrations, factories, both HTTP clients).
COMBOS = [next(c for c in COVERING if c.web_framework == web) for web in WEB_FRAMEWORKS]


def _with_probe(env: dict[str, str], tmp_path: Path) -> Path:
    add_plugin(env, tmp_path, "controller_probe", PROBE)
    env["CONTROLLER_MODULES"] = str(tmp_path / "controller_modules.json")
    return tmp_path / "controller_modules.json"


@pytest.mark.parametrize(
    "combo", [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in COMBOS]
)
def test_the_controller_imports_no_fixture_library_and_the_workers_get_every_fixture(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    env = suite_env(combo)
    record = _with_probe(env, tmp_path)

    ran = run([*PYTEST, "-n", "2", "-m", "not integration"], rendered(combo), env)

    assert ran.returncode == 0, ran.output
    modules: list[str] = json.loads(record.read_text())
    heavy = [name for name in modules if name.split(".")[0] in HEAVY]
    assert heavy == [], f"the xdist controller imported {heavy[:10]}"
    ours = {name for name in modules if name.split(".")[0] == "test_utils"}
    assert "test_utils.run_template" in ours  # the template run's hooks are there
    assert ours <= LIGHT, sorted(ours - LIGHT)


@pytest.mark.xdist_group(COMBOS[1].id)
def test_the_fixtures_are_listed_also_with_workers(rendered: Callable[[Combo], Path]) -> None:
    combo = COMBOS[1]

    ran = run([*PYTEST, "-n", "2", "--fixtures"], rendered(combo), suite_env(combo))

    assert ran.returncode == 0, ran.output
    for fixture in ("mock_session", "db_session", "db_session_factory", "client", "db_client"):
        assert f"\n{fixture} " in ran.output or f"\n{fixture}\n" in ran.output, fixture
