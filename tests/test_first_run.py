"""A new user's first copy and first update: what git sees, where a copy may go,
and how to install the result.

The generated ``.gitignore`` keeps what the quick start and the tools create out
of git (``copier update`` refuses a dirty tree); a copy into a directory that
already holds files is refused before anything is written unless
``existing_project`` is true; every place that says how to install the project
says it the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import copier
import pytest

from tests.helpers import (
    append_line,
    commit_all,
    file_contents,
    generated_files,
    git,
    init_project,
    readme_command,
    release,
    render,
    snapshot_template,
    update,
)

# What the quick start and the tools leave in a project; none of it may be committed.
LOCAL_FILES = [
    ".venv/bin/python",
    "venv/pyvenv.cfg",
    "src/selftest_service/__pycache__/db.cpython-311.pyc",
    ".pytest_cache/README.md",
    ".mypy_cache/3.11/cache.db",
    ".ruff_cache/CACHEDIR.TAG",
    ".coverage",
    ".coverage.host.1234",
    "htmlcov/index.html",
    "coverage.xml",
    "build/lib/selftest_service/db.py",
    "dist/selftest_service-0.1.0-py3-none-any.whl",
    "src/selftest_service.egg-info/PKG-INFO",
    ".env",
]


def _make_local_files(project: Path) -> None:
    for name in LOCAL_FILES:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("local\n")


def test_gitignore_keeps_local_tool_output_out_of_git_and_updates(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "project", {"project_name": "selftest-service"})
    _make_local_files(project)

    init_project(project)

    tracked = set(git(project, "ls-files").splitlines())
    assert ".gitignore" in tracked
    assert tracked.isdisjoint(LOCAL_FILES), sorted(tracked.intersection(LOCAL_FILES))
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    update(project)  # refuses a dirty tree: the local files must not make it dirty


def test_gitignore_follows_the_update_rules_of_the_other_files(tmp_path: Path) -> None:
    """Greenfield: merged on update (the user's lines stay, the template's arrive)."""
    template = snapshot_template(tmp_path / "template")
    project = init_project(render(template, tmp_path / "project", {}))
    append_line(project / ".gitignore", "/data/")
    commit_all(project, "ignore our data")
    append_line(template / "template" / ".gitignore", "*.log")
    release(template, "2.0.0")

    update(project)

    lines = (project / ".gitignore").read_text().splitlines()
    assert "/data/" in lines
    assert "*.log" in lines
    assert ".venv/" in lines


def test_adoption_keeps_the_services_own_gitignore(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    service = tmp_path / "service"
    service.mkdir()
    (service / ".gitignore").write_text("secrets/\n")
    (service / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    init_project(service)

    render(template, service, {"project_name": "svc", "existing_project": True})

    assert (service / ".gitignore").read_text() == "secrets/\n"
    assert (service / "tests" / "test_utils" / "__init__.py").is_file()


# ---- a copy into a directory that already holds files ----


@pytest.mark.parametrize(
    "existing",
    [
        "pyproject.toml",
        "LICENSE",
        ".env",
        "src/orders/__init__.py",
        ".github/workflows/ci.yml",
    ],
)
def test_copy_into_a_directory_with_files_is_refused_before_writing(
    template_repo: Path, tmp_path: Path, existing: str
) -> None:
    dest = tmp_path / "service [1]"  # glob metacharacters in the path are escaped
    (dest / existing).parent.mkdir(parents=True)
    (dest / existing).write_text("ours\n")

    with pytest.raises(ValueError, match="existing_project") as refused:
        render(template_repo, dest, {})

    assert "existing_project=true" in str(refused.value)
    assert existing in str(refused.value)
    assert generated_files(dest) == {existing}


def test_copy_into_a_fresh_git_repository_or_an_empty_directory_is_allowed(
    template_repo: Path, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q")
    empty = tmp_path / "empty [1]"
    empty.mkdir()

    for dest in (fresh, empty):
        render(template_repo, dest, {})

        assert (dest / "pyproject.toml").is_file()


def test_update_and_recopy_of_a_generated_project_are_not_refused(
    template_repo: Path, tmp_path: Path
) -> None:
    project = init_project(render(template_repo, tmp_path / "project", {}))
    before = file_contents(project)

    update(project)
    copier.run_recopy(project, defaults=True, overwrite=True, quiet=True, unsafe=False)

    assert file_contents(project) == before


# ---- one install command ----

INSTALL = "pip install -e '.[dev]'"
PIP_INSTALL = re.compile(r"pip install [^\n`&]*?(?=\s*(?:&&|#|`|\n|$))")


def test_every_place_gives_the_same_install_command(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = render(template_repo, tmp_path / "project", {}, quiet=False)
    places = {
        "README quick start": readme_command("generate").split("copier copy", 1)[1],
        "generated README": (project / "README.md").read_text(),
        "generated TESTING.md": (project / "TESTING.md").read_text(),
        "post-copy message": capsys.readouterr().err,
    }

    for place, text in places.items():
        commands = {command.strip() for command in PIP_INSTALL.findall(text)}
        assert commands == {INSTALL}, f"{place}: {commands}"
