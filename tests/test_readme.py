"""The README's quick-start commands work as written, from a clean copy of the template.

They render the default service, run its tests in a *fresh* virtual environment
built from the generated pyproject.toml alone (which proves the declared
dependencies suffice), commit it, and ``copier update`` it to a newer template,
both from a checkout with release tags and from one without (a checkout of this
repository has none: copier then uses HEAD).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    GIT_IDENTITY,
    TEMPLATE_ROOT,
    append_line,
    git,
    readme_command,
    run,
    snapshot_template,
)

CHECKOUT = "async-testkit"  # what `git clone` names it; the update command relies on it
SERVICE = "my-service"
TEMPLATE_CHANGE = "# a line a newer template version adds"


def _user_env() -> dict[str, str]:
    """A user's shell: no virtual environment or CI of ours, a git identity."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "CI"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **GIT_IDENTITY}


def _sh(command: str, cwd: Path) -> str:
    ran = run(["bash", "-c", command], cwd, _user_env(), timeout=900)
    assert ran.returncode == 0, f"{command}\n{ran.output}"
    return ran.output


def _commit_and_update(checkout: Path, service: Path, newer: str | None) -> None:
    """The README's commit and update steps, around a newer template version.

    ``newer`` is the tag of that version, or None for a checkout without tags.
    """
    _sh(readme_command("commit"), service)
    assert git(service, "status", "--porcelain", "--untracked-files=all") == ""
    append_line(checkout / "template" / "README.md.jinja", TEMPLATE_CHANGE)
    append_line(checkout / "template" / "TESTING.md.jinja", TEMPLATE_CHANGE)
    git(checkout, "commit", "-q", "-am", "a newer template version")
    if newer:
        git(checkout, "tag", newer)

    _sh(readme_command("update"), service)

    # README.md is the user's (never updated); TESTING.md is the template's.
    assert TEMPLATE_CHANGE not in (service / "README.md").read_text()
    assert (service / "TESTING.md").read_text().rstrip().endswith(TEMPLATE_CHANGE)
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(checkout)
    if newer:
        assert answers["_commit"] == newer
    recorded = git(checkout, "rev-parse", f"{answers['_commit']}^{{commit}}")
    assert recorded == git(checkout, "rev-parse", "HEAD")


def test_ci_runs_exactly_the_readme_self_test_command() -> None:
    ci_script = (TEMPLATE_ROOT / ".ci" / "run").read_text()

    assert readme_command("selftest") in ci_script.splitlines()


@pytest.mark.slow
def test_quickstart_generates_a_service_that_passes_and_updates(tmp_path: Path) -> None:
    checkout = snapshot_template(tmp_path / CHECKOUT)

    output = _sh(readme_command("generate"), checkout)

    assert re.search(r"\d+ passed", output), output
    service = tmp_path / SERVICE
    assert (service / ".venv" / "bin" / "pytest").is_file()
    assert (service / "src" / "my_service" / "db.py").is_file()
    _commit_and_update(checkout, service, newer="1.1.0")
    assert not git(service, "ls-files", ".venv"), "the virtual environment was committed"


@pytest.mark.slow
def test_quickstart_copy_from_a_checkout_without_tags_updates_to_its_head(
    tmp_path: Path,
) -> None:
    """Only the generate command's steps up to the copy (the rest is proven above)."""
    checkout = snapshot_template(tmp_path / CHECKOUT)
    git(checkout, "tag", "-d", "1.0.0")
    steps = readme_command("generate").split(" && ")
    copy = next(i for i, step in enumerate(steps) if "copier copy " in step)

    _sh(" && ".join(steps[: copy + 1]), checkout)

    _commit_and_update(checkout, tmp_path / SERVICE, newer=None)
