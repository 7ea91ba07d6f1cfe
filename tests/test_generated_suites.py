"""Generated projects' own suites pass, integration tests included, on real servers.

Every combination is rendered, linted and type-checked (test_render, test_quality);
the suites run in full on a covering set in which every pair of answer values
occurs at least once (tests.helpers.COVERING).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import COVERING, MATRIX, Combo, combo_params, run, suite_env, value_pairs


def test_the_full_runs_hold_every_pair_of_answer_values() -> None:
    every_pair = set().union(*map(value_pairs, MATRIX))

    assert set().union(*map(value_pairs, COVERING)) == every_pair
    assert len(set(COVERING)) == len(COVERING) < len(MATRIX)


@pytest.mark.parametrize("combo", combo_params(COVERING))
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
