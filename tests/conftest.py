"""Fixtures shared by the self-tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Combo, render, snapshot_template


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree, as a tagged git repo (version 1.0.0)."""
    return snapshot_template(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache per worker: third-party modules are analysed once, not per project."""
    return tmp_path_factory.mktemp("mypy-cache")


_RENDERED: dict[Combo, Path] = {}


@pytest.fixture
def rendered(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Combo], Path]:
    """Render a combination once per worker; tests of one combination share it.

    Tests that modify the project must render their own copy with ``render``.
    """

    def get(combo: Combo) -> Path:
        if combo not in _RENDERED:
            dest = tmp_path_factory.mktemp(combo.id) / "project"
            _RENDERED[combo] = render(template_repo, dest, combo.answers())
        return _RENDERED[combo]

    return get
