"""Fixtures shared by the self-tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Combo, build_once, render, snapshot_template

# Fixture services for the adoption self-tests: their tests run only inside an
# adopted copy, never as self-tests.
collect_ignore = ["services"]


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree, as a tagged git repo (version 1.0.0)."""
    return snapshot_template(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache per worker: third-party modules are analysed once, not per project."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A temporary directory shared by all xdist workers of this self-test run."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture
def rendered(template_repo: Path, shared_tmp: Path) -> Callable[[Combo], Path]:
    """Render a combination once per self-test run; tests of one combination share it.

    Tests that modify the project must render their own copy with ``render``.
    """

    def get(combo: Combo) -> Path:
        def build(dest: Path) -> None:
            render(template_repo, dest, combo.answers())

        return build_once(shared_tmp, f"rendered-{combo.id}", build)

    return get
