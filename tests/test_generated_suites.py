"""Each generated project's own suite passes, integration tests included, on real servers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Combo, combo_params, run, suite_env


@pytest.mark.parametrize("combo", combo_params())
def test_generated_suite_passes_with_nothing_skipped(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)

    ran = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"],
        project,
        suite_env(combo),
    )

    assert ran.returncode == 0, ran.output
    assert " passed" in ran.output, ran.output
    assert "skipped" not in ran.output, f"CI=true must not skip anything:\n{ran.output}"
