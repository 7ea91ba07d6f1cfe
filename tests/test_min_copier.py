"""``_min_copier_version`` is honest: the oldest copier it admits renders and updates correctly.

The current copier is what every other self-test uses; this one installs exactly
the declared minimum into a fresh environment and runs the operations whose
behaviour depends on copier's features: a greenfield copy (same files as the
current copier renders), an existing-service update (the user's files stay out
of the merge, which needs ``_copier_operation``), and a ``--defaults`` copy into
a directory with files, refused by a validator on a default answer (which copier
runs since 9.8.0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    TEMPLATE_ROOT,
    check,
    commit_all,
    file_contents,
    init_project,
    make_venv,
    render,
    run,
)

MIN_VERSION = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["_min_copier_version"]


@pytest.fixture(scope="module")
def oldest_copier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``copier`` command of exactly ``_min_copier_version``."""
    venv = tmp_path_factory.mktemp("copier-min") / "venv"
    python = make_venv(Path(sys.executable), venv)
    check([python, "-m", "pip", "install", "-q", f"copier=={MIN_VERSION}"], venv.parent)
    return venv / "bin" / "copier"


def _service(tmp_path: Path) -> Path:
    """A directory holding a service's own pyproject.toml."""
    service = tmp_path / "service"
    service.mkdir()
    (service / "pyproject.toml").write_text('[project]\nname = "theirs"\n')
    return service


@pytest.mark.slow
def test_oldest_copier_renders_what_the_current_one_renders(
    oldest_copier: Path, template_repo: Path, tmp_path: Path
) -> None:
    current = render(template_repo, tmp_path / "current", {})
    oldest = tmp_path / "oldest"

    check([oldest_copier, "copy", "--quiet", "--defaults", template_repo, oldest], tmp_path)

    answers = ".copier-answers.yml"
    theirs, ours = file_contents(oldest), file_contents(current)
    assert theirs.keys() == ours.keys()
    assert {k: v for k, v in theirs.items() if k != answers} == {
        k: v for k, v in ours.items() if k != answers
    }


@pytest.mark.slow
def test_oldest_copier_keeps_an_existing_services_files_out_of_updates(
    oldest_copier: Path, template_repo: Path, tmp_path: Path
) -> None:
    service = init_project(_service(tmp_path))
    copy = [oldest_copier, "copy", "--quiet", "--defaults", "-d", "existing_project=true"]
    check([*copy, template_repo, service], service)
    commit_all(service, "adopt async-testkit")
    (service / "pyproject.toml").write_text('[project]\nname = "theirs"\nversion = "2"\n')
    commit_all(service, "user edit")

    check([oldest_copier, "update", "--quiet", "--defaults"], service)

    assert (service / "pyproject.toml").read_text() == '[project]\nname = "theirs"\nversion = "2"\n'
    assert check(["git", "status", "--porcelain"], service) == ""


@pytest.mark.slow
def test_oldest_copier_refuses_a_copy_into_a_directory_with_files(
    oldest_copier: Path, template_repo: Path, tmp_path: Path
) -> None:
    """The refusal reads the destination through Jinja's ``fileglob`` filter."""
    dest = _service(tmp_path)

    ran = run([oldest_copier, "copy", "--quiet", "--defaults", template_repo, dest], tmp_path)

    assert ran.returncode != 0
    assert "existing_project=true" in ran.output, ran.output
    assert sorted(path.name for path in dest.iterdir()) == ["pyproject.toml"]
