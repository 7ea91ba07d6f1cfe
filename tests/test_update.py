"""``copier update`` never loses work: real git repositories, two template versions.

Each test snapshots the template as 1.0.0, renders a project and commits it as a
user would, edits the project and/or the snapshot (released as 2.0.0), then
runs ``copier.run_update``. The template edits are made by the tests (a line
appended or prepended, a file moved), so they hold whatever the template files say.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from copier.errors import UnsafeTemplateError, UserMessageError

from tests.helpers import (
    DRIVER_TABLE,
    DRIVERS,
    EMBEDDED,
    SERVER_DRIVERS,
    TEMPLATE_ROOT,
    Combo,
    append_line,
    check,
    commit_all,
    file_contents,
    generated_files,
    git,
    init_project,
    prepend_line,
    release,
    render,
    run,
    snapshot_template,
    suite_env,
    update,
)

CONFTEST = "tests/conftest.py"
CONFTEST_SRC = "template/tests/conftest.py.jinja"
MIGRATE = "{{ _copier_conf.src_path }}/hooks/migrate.py"
CONFLICT_START = "<<<<<<< before updating"
CONFLICT_END = ">>>>>>> after updating"


def _start(tmp_path: Path, **answers: Any) -> tuple[Path, Path]:
    """Template 1.0.0 and a project rendered from it, committed."""
    template = snapshot_template(tmp_path / "template", "1.0.0")
    project = render(template, tmp_path / "project", {"project_name": "svc", **answers})
    return template, init_project(project)


def _fresh(template: Path, tmp_path: Path, **answers: Any) -> Path:
    """A fresh copy of the template's newest version, for comparison."""
    return render(template, tmp_path / "fresh", {"project_name": "svc", **answers})


def _answers(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return loaded


def _rejects(project: Path) -> list[str]:
    return sorted(name for name in generated_files(project) if name.endswith((".rej", ".orig")))


def _add_migration(template: Path, *argv: str, version: str = "2.0.0") -> None:
    """Append a before-stage `_migrations` entry running hooks/migrate.py."""
    config = yaml.safe_load((template / "copier.yml").read_text())
    config["_migrations"] = [
        *config.get("_migrations", []),
        {
            "version": version,
            "when": "{{ _stage == 'before' }}",
            "command": [
                "{{ _copier_python }}",
                MIGRATE,
                "--answers-file",
                "{{ _copier_conf.answers_file }}",
                *argv,
            ],
        },
    ]
    _write_config(template, config)


def _write_config(template: Path, config: dict[str, Any]) -> None:
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=10_000)
    (template / "copier.yml").write_text(text)


def test_update_without_local_edits_equals_a_fresh_copy_of_the_new_version(
    tmp_path: Path,
) -> None:
    template, project = _start(tmp_path)
    append_line(template / CONFTEST_SRC, "# fixed in 2.0.0")
    (template / "template/tests/test_utils/added_in_2.py").write_text('"""New helper."""\n')
    git(template, "rm", "-q", "template/{{ tests_dir }}/unit/test_results.py")
    release(template, "2.0.0")

    update(project)

    fresh = _fresh(template, tmp_path)
    updated, expected = file_contents(project), file_contents(fresh)
    answers_file = ".copier-answers.yml"
    assert {k: v for k, v in updated.items() if k != answers_file} == {
        k: v for k, v in expected.items() if k != answers_file
    }
    assert _answers(project)["_commit"] == "2.0.0"
    assert {k: v for k, v in _answers(project).items() if k != "_commit"} == {
        k: v for k, v in _answers(fresh).items() if k != "_commit"
    }
    assert git(project, "status", "--porcelain", "--", CONFTEST).startswith(" M")


def _edit_both_and_update(tmp_path: Path, user_edit: Callable[[Path], None]) -> tuple[Path, Path]:
    """1.0.0 rendered and committed; the user's edit committed; 2.0.0 appends
    a line to the conftest template; the project is updated to it."""
    template, project = _start(tmp_path)
    user_edit(project / CONFTEST)
    commit_all(project, "my edit")
    append_line(template / CONFTEST_SRC, "TEMPLATE_SETTING = 2")
    release(template, "2.0.0")
    update(project)
    return template, project


def test_user_edit_far_from_the_template_change_is_kept_and_the_fix_arrives(
    tmp_path: Path,
) -> None:
    _, project = _edit_both_and_update(tmp_path, lambda f: prepend_line(f, "# my note"))

    text = (project / CONFTEST).read_text()
    assert text.startswith("# my note\n")
    assert text.endswith("TEMPLATE_SETTING = 2\n")
    assert CONFLICT_START not in text
    assert not _rejects(project)


def test_overlapping_edit_becomes_inline_conflict_markers_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    template, project = _edit_both_and_update(tmp_path, lambda f: append_line(f, "MY_SETTING = 1"))

    text = (project / CONFTEST).read_text()
    original = git(project, "show", f"HEAD~1:{CONFTEST}")
    assert text.startswith(original)
    assert text[len(original) :].startswith(CONFLICT_START)
    assert CONFLICT_END in text
    assert "MY_SETTING = 1" in text
    assert "TEMPLATE_SETTING = 2" in text
    assert not _rejects(project)
    assert git(project, "status", "--porcelain", "--", CONFTEST).startswith("UU")

    # Recovery 1: undo the whole update; the pre-update commit is intact.
    git(project, "reset", "-q", "--hard")
    git(project, "clean", "-qfd")
    assert "MY_SETTING = 1" in (project / CONFTEST).read_text()
    assert _answers(project)["_commit"] == "1.0.0"
    # Recovery 2: `copier recopy` re-renders the newest version with the same
    # answers, overwriting; the user's edit is then a plain `git diff` away.
    copier.run_recopy(project, defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert file_contents(project) == file_contents(_fresh(template, tmp_path))
    assert "+MY_SETTING = 1" not in git(project, "diff")
    assert "-MY_SETTING = 1" in git(project, "diff")


def test_files_the_user_added_are_untouched_and_deleted_files_stay_deleted(
    tmp_path: Path,
) -> None:
    template, project = _start(tmp_path)
    mine = {
        "tests/unit/test_my_feature.py": "def test_mine() -> None:\n    assert True\n",
        "src/svc/extra.py": '"""My module."""\n',
        "tests/test_utils/my_helpers.py": '"""My helpers beside the template\'s."""\n',
    }
    for name, text in mine.items():
        (project / name).write_text(text)
    (project / "TESTING.md").unlink()
    commit_all(project, "my files; TESTING.md not wanted")
    append_line(template / "template/TESTING.md.jinja", "Changed in 2.0.0.")
    append_line(template / CONFTEST_SRC, "# fixed in 2.0.0")
    release(template, "2.0.0")

    update(project)

    for name, text in mine.items():
        assert (project / name).read_text() == text
    assert not (project / "TESTING.md").exists()
    assert (project / CONFTEST).read_text().endswith("# fixed in 2.0.0\n")
    assert not _rejects(project)


def test_update_of_a_dirty_tree_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    template, project = _start(tmp_path)
    append_line(project / CONFTEST, "# uncommitted work")
    append_line(template / CONFTEST_SRC, "# fixed in 2.0.0")
    release(template, "2.0.0")
    before = file_contents(project)

    with pytest.raises(UserMessageError, match="dirty"):
        update(project)

    assert file_contents(project) == before
    assert _answers(project)["_commit"] == "1.0.0"


def test_a_migration_renames_an_answer_and_the_update_asks_nothing(tmp_path: Path) -> None:
    driver = SERVER_DRIVERS[0]
    template, project = _start(tmp_path, db_driver=driver)
    # 2.0.0 renames the question db_driver to database_driver. The templates keep
    # saying `db_driver`: a computed value (never asked, never stored) aliases it.
    config = yaml.safe_load((template / "copier.yml").read_text())
    renamed: dict[str, Any] = {}
    for key, value in config.items():
        if key == "db_driver":
            renamed["database_driver"] = value
            renamed["db_driver"] = {
                "type": "str",
                "when": False,
                "default": "{{ database_driver }}",
            }
        else:
            renamed[key] = value
    _write_config(template, renamed)
    _add_migration(template, "rename-question", "db_driver", "database_driver")
    release(template, "2.0.0")
    before = file_contents(project)

    # Migrations are code: without --trust copier refuses before touching anything.
    with pytest.raises(UnsafeTemplateError, match="migrations"):
        update(project)
    assert file_contents(project) == before

    # No defaults and stdin unavailable: any question asked would fail the update.
    update(project, unsafe=True, defaults=False, skip_answered=True)

    answers = _answers(project)
    assert answers["database_driver"] == driver
    assert "db_driver" not in answers
    assert answers["_commit"] == "2.0.0"
    fresh = _fresh(template, tmp_path, database_driver=driver)
    assert file_contents(project) == file_contents(fresh)


def test_a_moved_file_carries_the_users_edits_to_its_new_place(tmp_path: Path) -> None:
    template, project = _start(tmp_path)
    unedited = init_project(render(template, tmp_path / "unedited", {"project_name": "svc"}))
    original = (project / "TESTING.md").read_text()
    prepend_line(project / "TESTING.md", "Team note: run the integration tests before merging.")
    commit_all(project, "my edit")
    (template / "template/docs").mkdir()
    git(template, "mv", "template/TESTING.md.jinja", "template/docs/TESTING.md.jinja")
    _add_migration(template, "move-file", "TESTING.md", "docs/TESTING.md")
    release(template, "2.0.0")

    update(project, unsafe=True)
    update(unedited, unsafe=True)

    assert not (project / "TESTING.md").exists()
    moved = (project / "docs/TESTING.md").read_text()
    assert "Team note: run the integration tests before merging." in moved
    assert all(line in moved for line in original.splitlines())
    assert not _rejects(project)
    # A file the user never edited just moves: no conflict markers.
    assert file_contents(unedited) == file_contents(_fresh(template, tmp_path))


def test_changing_the_driver_on_update_rerenders_it_and_the_suite_stays_green(
    tmp_path: Path,
) -> None:
    combo = Combo(SERVER_DRIVERS[0], "aiohttp", True)
    template, project = _start(tmp_path, **Combo(EMBEDDED, "aiohttp", True).answers())
    mine = "\n[tool.coverage.run]\nbranch = true\n"
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + mine)
    commit_all(project, "my coverage config")

    # Same template version, one answer changed: copier update -d db_driver=<server driver>.
    update(project, data={"db_driver": combo.db_driver})

    assert _answers(project)["db_driver"] == combo.db_driver
    fresh = render(template, tmp_path / "fresh", combo.answers())
    expected = file_contents(fresh)
    expected["pyproject.toml"] += mine.encode()
    assert file_contents(project) == expected
    pyproject = (project / "pyproject.toml").read_text()
    assert f'"{DRIVER_TABLE[combo.db_driver]["dependency"]}"' in pyproject
    # the mock parity tests still use the embedded driver, as a test extra
    assert f'"{DRIVER_TABLE[EMBEDDED]["dependency"]}"' in pyproject
    assert not _rejects(project)
    check(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x"],
        project,
        suite_env(combo, database=f"selftest_update_{tmp_path.name[-12:]}".lower()),
    )


def test_copy_needs_no_trust_and_no_tasks(tmp_path: Path) -> None:
    """`copier copy --skip-tasks` without --trust gives the same, complete project:
    the template has no tasks and no Jinja extensions; its migrations are argv
    lists running scripts that exist in hooks/."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    assert "_tasks" not in config
    assert "_jinja_extensions" not in config
    for migration in config.get("_migrations", []):
        command = migration["command"]
        assert isinstance(command, list), f"a shell string: {command!r}"
        assert command[1].startswith("{{ _copier_conf.src_path }}/hooks/")
        script = command[1].removeprefix("{{ _copier_conf.src_path }}/")
        assert (TEMPLATE_ROOT / script).is_file()

    template = snapshot_template(tmp_path / "template")
    skipped = render(template, tmp_path / "skip", {}, skip_tasks=True, unsafe=False)
    plain = render(template, tmp_path / "plain", {}, unsafe=False)
    assert file_contents(skipped) == file_contents(plain)


def test_migration_hook_is_idempotent_and_leaves_other_answers_alone(tmp_path: Path) -> None:
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
        "_commit: 1.0.0\n_src_path: gh:acme/async-testkit\nci: github\n"
        f"db_driver: {DRIVERS[1]}\nproject_name: svc\n"
    )
    hook = [sys.executable, str(TEMPLATE_ROOT / "hooks/migrate.py")]
    steps = [
        ["rename-question", "db_driver", "database_driver"],
        ["rename-choice", "ci", "github", "github-actions"],
    ]
    for _ in range(2):  # the second round must change nothing
        for step in steps:
            check([*hook, *step], tmp_path)

    assert answers.read_text().startswith("# Changes here will be overwritten by Copier")
    assert yaml.safe_load(answers.read_text()) == {
        "_commit": "1.0.0",
        "_src_path": "gh:acme/async-testkit",
        "ci": "github-actions",
        "database_driver": DRIVERS[1],
        "project_name": "svc",
    }
    assert list(yaml.safe_load(answers.read_text()))[3] == "database_driver"

    refused = run([*hook, "move-file", "../elsewhere", "x"], tmp_path)
    assert refused.returncode != 0
    assert "outside the project" in refused.output


def test_custom_answers_file_is_found_on_update_and_the_message_explains_recovery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers_file = ".copier/async-testkit.yml"
    template = snapshot_template(tmp_path / "template", "1.0.0")
    project = render(template, tmp_path / "project", {}, answers_file=answers_file)
    init_project(project)
    append_line(template / CONFTEST_SRC, "# fixed in 2.0.0")
    release(template, "2.0.0")

    update(project, answers_file=answers_file, quiet=False)

    assert yaml.safe_load((project / answers_file).read_text())["_commit"] == "2.0.0"
    assert not (project / ".copier-answers.yml").exists()
    assert (project / CONFTEST).read_text().endswith("# fixed in 2.0.0\n")
    told = capsys.readouterr().err
    for words in ("Updated to async-testkit 2.0.0", "<<<<<<< before updating", "copier recopy"):
        assert words in told, told
