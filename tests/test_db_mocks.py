"""The generated database mocks: parity with a real engine, on the newest SQLAlchemy
(this environment) and on the lowest version the generated project declares."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import DEFAULT, TEMPLATE_ROOT, Combo, check, combo_params, render, suite_env

BARE = Combo("aiosqlite", "none", False)
MOCK_TEST_FILES = [
    "tests/unit/test_db_mock_parity.py",
    "tests/unit/test_db_mock_pitfalls.py",
    "tests/unit/test_db_mocks.py",
    "tests/unit/test_results.py",
]


def _test_count(path: Path) -> int:
    """Test functions in a file, parametrized ones counted once."""
    return len(re.findall(r"^(?:async )?def test_", path.read_text(), flags=re.MULTILINE))


@pytest.mark.parametrize("combo", combo_params([DEFAULT, BARE]))
def test_every_parity_test_runs_on_the_real_and_the_mock_side(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    parity = project / "tests/unit/test_db_mock_parity.py"

    output = check(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", parity],
        project,
        suite_env(combo),
    )

    expected = 2 * _test_count(parity)
    assert expected >= 40, output
    assert f"{expected} passed" in output, output
    assert "skipped" not in output, output


def _lowest_sqlalchemy() -> str:
    text = (TEMPLATE_ROOT / "template/pyproject.toml.jinja").read_text()
    match = re.search(r'"sqlalchemy\[asyncio\]>=([0-9.]+)"', text)
    assert match, "the generated pyproject.toml must declare a lower bound for SQLAlchemy"
    return match.group(1)


@pytest.mark.slow
def test_unit_suite_passes_on_the_lowest_declared_sqlalchemy(
    template_repo: Path, tmp_path: Path
) -> None:
    version = _lowest_sqlalchemy()
    project = render(template_repo, tmp_path / "project", DEFAULT.answers(http_client="none"))
    declared = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    requirements = [
        f"sqlalchemy[asyncio]=={version}",
        *(req for req in declared["dependencies"] if not req.startswith("sqlalchemy")),
        *declared["optional-dependencies"]["test"],
    ]
    venv = tmp_path / "venv"
    check([sys.executable, "-m", "venv", venv], tmp_path)
    python = venv / "bin" / "python"
    check(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
        tmp_path,
    )
    installed = check([python, "-c", "import sqlalchemy; print(sqlalchemy.__version__)"], tmp_path)
    assert installed.strip() == version

    output = check(
        [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:randomly", "tests/unit"],
        project,
        suite_env(DEFAULT),
    )

    passed = re.search(r"(\d+) passed", output)
    assert passed, output
    assert int(passed.group(1)) >= sum(_test_count(project / name) for name in MOCK_TEST_FILES)
    assert "failed" not in output, output
