"""How much of the generated ``tests/test_utils`` the generated suite exercises.

For one combination per HTTP client, the generated suite (integration tests
included, against the real servers) runs under coverage.py with branch
measurement; the helpers' total below ``MINIMUM`` fails, with the per-file
report, so a helper nobody tests (or dead code) shows up here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    EMBEDDED,
    HTTP_CLIENTS,
    SERVER_DRIVERS,
    Combo,
    combo_params,
    run,
    suite_env,
)

# The floor, for every client. Measured 2026-11-22 (after the aiohttp
# doubles moved onto one transport and the helper tests landed): 95.31% (aiohttp
# on SQLite), 96.21% (httpx on PostgreSQL), 95.36% (none on PostgreSQL).
MINIMUM = 95.0
# One combination per client; the drivers vary, so that both the embedded and
# the server code paths of the database helpers are measured.
COMBOS = [
    Combo([EMBEDDED, *SERVER_DRIVERS][i % (len(SERVER_DRIVERS) + 1)], client, True)
    for i, client in enumerate(HTTP_CLIENTS)
]


@pytest.mark.parametrize("combo", combo_params(COMBOS))
def test_the_generated_suite_covers_its_helpers(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    project = rendered(combo)
    env = suite_env(combo, COVERAGE_FILE=str(tmp_path / ".coverage"))
    coverage = [sys.executable, "-m", "coverage"]
    measure = ["run", "--branch", "--source=tests/test_utils"]
    suite = ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "0"]

    ran = run([*coverage, *measure, *suite], project, env)
    assert ran.returncode == 0, ran.output
    report = run([*coverage, "report", "--show-missing"], project, env).output
    run([*coverage, "json", "-o", str(tmp_path / "coverage.json")], project, env)
    totals = json.loads((tmp_path / "coverage.json").read_text())["totals"]

    assert totals["percent_covered"] >= MINIMUM, f"{totals['percent_covered']:.2f}%:\n{report}"
