"""The generated database mocks: parity with a real engine, on the SQLAlchemy of this
environment (the newest). The lowest declared versions run the same parity tests in
tests/test_dependency_bounds.py; tests/test_private_hooks.py checks the hooks there."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import DEFAULT, EMBEDDED, Combo, check, combo_params, suite_env

BARE = Combo(EMBEDDED, "none", False)


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
