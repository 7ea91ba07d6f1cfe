"""Generated code is ruff-clean, ruff-formatted and mypy --strict clean for every answer set."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    BIN,
    DEFAULT,
    HTTP_CLIENTS,
    SERVER_DRIVERS,
    TEMPLATE_ROOT,
    Combo,
    check,
    combo_params,
    render,
    template_files,
)

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


@pytest.mark.parametrize("project_name", ["a-service", "web-api"])
def test_imports_sort_the_same_whatever_the_package_is_called(
    project_name: str, template_repo: Path, tmp_path: Path
) -> None:
    """The service's package sorts before or after test_utils: both pass ruff's isort."""
    answers = DEFAULT.answers(project_name=project_name, web_framework="fastapi")
    project = render(template_repo, tmp_path / "p", answers)

    check([BIN / "ruff", "check", "--no-cache", "--select", "I", "."], project)


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
@pytest.mark.parametrize(
    "combo", [DEFAULT, Combo(SERVER_DRIVERS[0], "httpx", False)], ids=lambda c: c.id
)
def test_every_minimum_python_version_lints_and_type_checks(
    combo: Combo, python_version: str, template_repo: Path, tmp_path: Path, mypy_cache: Path
) -> None:
    project = render(template_repo, tmp_path / "p", combo.answers(python_version=python_version))

    assert f'requires-python = ">={python_version}"' in (project / "pyproject.toml").read_text()
    _lint_and_type_check(project, mypy_cache)


# ---- the template's Jinja-free files, checked where they are ----

JINJA_MARK = re.compile(r"\{\{|\{%|\{#")


def _template_python(client: str | None = None) -> list[Path]:
    """The template's Jinja-free Python files (for one HTTP client's rendering).

    A file is rendered only if it ends in ``.jinja``; the others are copied as
    they are, under a name that may be a Jinja condition (``{% if ... %}x.py{%
    endif %}``). ``client`` leaves out the files generated for the other client.
    """
    others = {c for c in HTTP_CLIENTS if c != client} if client else set()
    return [
        TEMPLATE_ROOT / name
        for name in template_files()
        if name.startswith("template/")
        and re.search(r"\.py(\{% endif %\})?$", name)
        and not any(f"== '{other}'" in name for other in others)
    ]


def test_only_files_with_jinja_end_in_jinja() -> None:
    plain = [
        name
        for name in template_files()
        if name.startswith("template/")
        and name.endswith(".jinja")
        and not JINJA_MARK.search((TEMPLATE_ROOT / name).read_text())
    ]

    assert not plain, f"Jinja-free files named .jinja (drop the suffix): {plain}"


def test_repository_ruff_checks_the_template_python_in_place() -> None:
    listed = check([BIN / "ruff", "check", "--show-files", "template"], TEMPLATE_ROOT)
    checked = {Path(line.strip()) for line in listed.splitlines() if line.strip()}

    assert set(_template_python()) <= checked, set(_template_python()) - checked
    check([BIN / "ruff", "check", "--no-cache", "template"], TEMPLATE_ROOT)
    check([BIN / "ruff", "format", "--check", "--no-cache", "template"], TEMPLATE_ROOT)


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
def test_mypy_checks_the_template_python_in_place(
    client: str, rendered: Callable[[Combo], Path], tmp_path: Path, mypy_cache: Path
) -> None:
    """mypy --strict on the template's own files; what they import (test_utils,
    including its rendered modules) comes from a rendering of the same template.

    A file whose name is a Jinja condition is not a module name mypy can map, so
    it is checked on its own (as ``__main__``); the others are checked together.
    """
    # migrations=alembic: the migration fixtures and tests import test_utils.migrations.
    project = rendered(Combo(DEFAULT.db_driver, client, True, migrations="alembic"))
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\nwarn_unreachable = True\n"
        f"python_version = {PYTHON_VERSIONS[0]}\n"
        f"mypy_path = {project / 'src'}:{project / 'tests'}\n"
    )
    files = _template_python(client)
    plain = [f for f in files if f.name.endswith(".py")]
    runs = [plain] + [[f] for f in files if f not in plain]
    for group in runs:
        check(
            [BIN / "mypy", "--config-file", config, "--cache-dir", mypy_cache, *group],
            TEMPLATE_ROOT,
        )
