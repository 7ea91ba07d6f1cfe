"""The README's quick-start command works as written, from a clean copy of the template.

It renders the default service and runs its tests in a *fresh* virtual
environment built from the generated pyproject.toml alone, which proves the
declared dependencies suffice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import TEMPLATE_ROOT, run, snapshot_template

README = (TEMPLATE_ROOT / "README.md").read_text()


def readme_command(marker: str) -> str:
    """The shell command in the fenced block that follows ``<!-- quickstart:marker -->``."""
    found = re.search(rf"<!-- quickstart:{marker} -->\n```sh\n(.+?)\n```", README, re.DOTALL)
    assert found, f"README has no quickstart:{marker} block"
    return found.group(1).strip()


def test_ci_runs_exactly_the_readme_self_test_command() -> None:
    ci_script = (TEMPLATE_ROOT / ".ci" / "run").read_text()

    assert readme_command("selftest") in ci_script.splitlines()


@pytest.mark.slow
def test_quickstart_generates_a_service_whose_tests_pass_in_a_fresh_venv(tmp_path: Path) -> None:
    checkout = snapshot_template(tmp_path / "async-testkit")
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "CI"}}

    ran = run(["bash", "-c", readme_command("generate")], checkout, env, timeout=900)

    assert ran.returncode == 0, ran.output
    assert re.search(r"\d+ passed", ran.output), ran.output
    service = tmp_path / "my-service"
    assert (service / ".venv" / "bin" / "pytest").is_file()
    assert (service / "src" / "my_service" / "db.py").is_file()
