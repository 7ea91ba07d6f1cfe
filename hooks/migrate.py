"""Migrations that copier runs during ``copier update`` (``_migrations`` in copier.yml).

Copier runs this file as an argv list -- ``[python, hooks/migrate.py, ACTION, ARGS...]``
-- never through a shell, with the generated project as the working directory.
Everything it needs arrives as arguments; it reads ``$STAGE``,
``$VERSION_PEP440_FROM`` and ``$VERSION_PEP440_TO`` (set by copier) only to say
what it did. It does no network I/O, needs only the standard library and PyYAML
(a dependency of copier itself, so the interpreter running copier has it), and
every action is idempotent: running it twice, or on a project that never had
the old name, changes nothing.

Actions (the kinds of change a template makes between versions):

``rename-question OLD NEW``
    The question ``OLD`` is now called ``NEW``: the recorded answer moves to the
    new key, so ``copier update`` does not ask again. Run it at the ``before``
    stage, which is when copier has not read the answers yet.
``rename-choice QUESTION OLD NEW``
    The choice value ``OLD`` of ``QUESTION`` is now ``NEW``. ``before`` stage.
``move-file OLD NEW``
    A generated file moved. The project's copy -- with the user's edits -- is
    moved (``git mv``) before copier merges, so the edits follow the file
    instead of being deleted with the old path. Copier has no common base for
    the new path, so where the user's copy differs from the new version the
    file gets inline conflict markers: move files in a release that changes
    nothing else, and an unedited file moves silently. ``before`` stage.

Each action takes ``--answers-file`` (default ``.copier-answers.yml``); pass
``{{ _copier_conf.answers_file }}`` from copier.yml so a custom answers file
(``copier copy -a other.yml``) is found.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"


def _say(message: str) -> None:
    stage = os.environ.get("STAGE", "?")
    versions = f"{os.environ.get('VERSION_PEP440_FROM', '?')} -> "
    versions += os.environ.get("VERSION_PEP440_TO", "?")
    print(f"async-testkit migration ({stage}, {versions}): {message}", file=sys.stderr)


def _inside(path_text: str) -> Path:
    """A project-relative path; refuse absolute paths and '..' so a migration
    can never touch anything outside the project."""
    pure = PurePosixPath(path_text)
    if not path_text or pure.is_absolute() or ".." in pure.parts:
        raise SystemExit(f"refusing path outside the project: {path_text!r}")
    return Path(*pure.parts)


def _load(answers_file: Path) -> dict[str, Any] | None:
    if not answers_file.is_file():
        _say(f"{answers_file} not found; nothing to migrate")
        return None
    data = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SystemExit(f"{answers_file} is not a mapping of answers")
    return data


def _store(answers_file: Path, data: dict[str, Any]) -> None:
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
    answers_file.write_text(HEADER + body, encoding="utf-8")


def rename_question(answers_file: Path, old: str, new: str) -> bool:
    data = _load(answers_file)
    if data is None or old not in data:
        return False
    if new in data:
        del data[old]
        _say(f"'{new}' already answered; dropped the stale '{old}' answer")
    else:
        # Same position, new key: the answers file's diff stays one line.
        data = {(new if key == old else key): value for key, value in data.items()}
        _say(f"answer '{old}' is now '{new}'")
    _store(answers_file, data)
    return True


def rename_choice(answers_file: Path, question: str, old: str, new: str) -> bool:
    data = _load(answers_file)
    if data is None or data.get(question) != old:
        return False
    data[question] = new
    _store(answers_file, data)
    _say(f"answer {question}: '{old}' is now '{new}'")
    return True


def _tracked(path: Path) -> bool:
    done = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "--", path.as_posix()],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def move_file(old: Path, new: Path) -> bool:
    if not old.exists():
        return False
    if new.exists():
        _say(f"both {old} and {new} exist; left them alone (merge them by hand)")
        return False
    new.parent.mkdir(parents=True, exist_ok=True)
    if _tracked(old):
        # Move it in the index too: copier diffs the index (not the working
        # tree) against its rendering of the old version.
        subprocess.run(["git", "mv", "--", old.as_posix(), new.as_posix()], check=True)
    else:
        shutil.move(old, new)
    _say(f"moved {old} to {new}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="migrate.py", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--answers-file", default=".copier-answers.yml")
    actions = parser.add_subparsers(dest="action", required=True)
    question = actions.add_parser("rename-question", help="an answer's key changed")
    question.add_argument("old")
    question.add_argument("new")
    choice = actions.add_parser("rename-choice", help="a choice value changed")
    choice.add_argument("question")
    choice.add_argument("old")
    choice.add_argument("new")
    moved = actions.add_parser("move-file", help="a generated file moved")
    moved.add_argument("old")
    moved.add_argument("new")
    args = parser.parse_args(argv)

    answers_file = _inside(args.answers_file)
    if args.action == "rename-question":
        rename_question(answers_file, args.old, args.new)
    elif args.action == "rename-choice":
        rename_choice(answers_file, args.question, args.old, args.new)
    else:
        move_file(_inside(args.old), _inside(args.new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
