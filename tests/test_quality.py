"""Generated code is ruff-clean, ruff-formatted and mypy --strict clean for every answer set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import BIN, DEFAULT, Combo, check, combo_params, render

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def _lint_and_type_check(project: Path, mypy_cache: Path) -> None:
    check([BIN / "ruff", "check", "--no-cache", "."], project)
    check([BIN / "ruff", "format", "--check", "--no-cache", "."], project)
    check([BIN / "mypy", "--cache-dir", mypy_cache], project)


@pytest.mark.parametrize("combo", combo_params())
def test_ruff_and_mypy_strict_pass(
    combo: Combo, rendered: Callable[[Combo], Path], mypy_cache: Path
) -> None:
    _lint_and_type_check(rendered(combo), mypy_cache)


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
@pytest.mark.parametrize("combo", [DEFAULT, Combo("asyncpg", "httpx", False)], ids=lambda c: c.id)
def test_every_minimum_python_version_lints_and_type_checks(
    combo: Combo, python_version: str, template_repo: Path, tmp_path: Path, mypy_cache: Path
) -> None:
    project = render(template_repo, tmp_path / "p", combo.answers(python_version=python_version))

    assert f'requires-python = ">={python_version}"' in (project / "pyproject.toml").read_text()
    _lint_and_type_check(project, mypy_cache)
