"""Every private hook the generated test_utils rely on still has the signature they use.

A hook is a name its library does not document as public API: aiohttp's
connector internals, unittest.mock's call machinery, Python's un-awaited
coroutine warning, SQLAlchemy names that ``sqlalchemy.engine`` does not export.
Each is checked on the newest versions (this environment's pins, and the newest
Python a generated project may declare) and, marked slow, on the lowest versions
the generated pyproject.toml declares, installed on the oldest Python. The
generated TESTING.md and this repository's README must name each one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    EMBEDDED,
    NEWEST_PYTHON,
    OLDEST_PYTHON,
    TEMPLATE_ROOT,
    Combo,
    check,
    lowest_pins,
    make_venv,
    python_or_skip,
    render,
)

# hook -> its parameters, as the kit calls or overrides it; "..." ends a prefix
# (the kit passes only the leading ones, so later optional parameters may change).
LIBRARY_HOOKS: dict[str, list[str]] = {
    "aiohttp.TCPConnector._create_connection": ["self", "req", "traces", "timeout"],
    "aiohttp.client_proto.ResponseHandler": ["loop"],
    "sqlalchemy.engine.result.SimpleResultMetaData": ["keys", "..."],
    "sqlalchemy.sql.coercions.expect": ["role", "element", "..."],
    "sqlalchemy.sql.roles.StatementRole": [],
}
PYTHON_HOOKS: dict[str, list[str]] = {
    "unittest.mock.CallableMixin._mock_check_sig": ["self", "args", "kwargs"],
    "unittest.mock.NonCallableMock._get_child_mock": ["self", "kw"],
    "unittest.mock.NonCallableMock._extract_mock_name": ["self"],
    "unittest.mock.AsyncMockMixin._execute_mock_call": ["self", "args", "kwargs"],
    "warnings._warn_unawaited_coroutine": ["coro"],
}
HOOKS = {**LIBRARY_HOOKS, **PYTHON_HOOKS}

# Run by the interpreter under test: prints {hook: [parameter names] or "missing: ..."}.
SIGNATURES = """
import importlib, inspect, json, sys

def resolve(dotted):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = inspect.getattr_static(found, name)
        return found
    raise ImportError(dotted)

report = {}
for dotted in sys.argv[1:]:
    try:
        report[dotted] = list(inspect.signature(resolve(dotted)).parameters)
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        report[dotted] = f"missing: {exc!r}"
print(json.dumps(report))
"""


def signatures(python: Path | str, hooks: dict[str, list[str]]) -> dict[str, object]:
    output = check([python, "-c", SIGNATURES, *hooks], Path.cwd())
    return dict(json.loads(output.strip().splitlines()[-1]))


def mismatches(found: dict[str, object], hooks: dict[str, list[str]]) -> list[str]:
    wrong = []
    for hook, expected in hooks.items():
        actual = found[hook]
        if expected[-1:] == ["..."] and isinstance(actual, list):
            actual = [*actual[: len(expected) - 1], "..."]
        if actual != expected:
            wrong.append(f"{hook}: expected {expected}, found {found[hook]}")
    return wrong


def test_hooks_match_on_the_newest_library_versions() -> None:
    assert mismatches(signatures(sys.executable, HOOKS), HOOKS) == []


def test_python_hooks_match_on_the_oldest_and_newest_python() -> None:
    for version in (OLDEST_PYTHON, NEWEST_PYTHON):
        python = python_or_skip(version)
        assert mismatches(signatures(python, PYTHON_HOOKS), PYTHON_HOOKS) == [], version


def test_a_changed_signature_is_reported() -> None:
    changed = {"warnings._warn_unawaited_coroutine": ["coroutine"], "json.nope": ["x"]}

    wrong = mismatches(signatures(sys.executable, changed), changed)

    assert len(wrong) == 2, wrong
    assert "found ['coro']" in wrong[0]
    assert "missing" in wrong[1]


@pytest.mark.slow
def test_hooks_match_on_the_lowest_declared_versions(template_repo: Path, tmp_path: Path) -> None:
    python = python_or_skip(OLDEST_PYTHON)
    # aiohttp brings the HTTP hooks; the embedded driver carries SQLAlchemy's general
    # lowest bound (a server driver may declare a later one: copier.yml's drivers table).
    combo = Combo(EMBEDDED, "aiohttp", False)
    project = render(template_repo, tmp_path / "p", combo.answers(python_version=OLDEST_PYTHON))
    venv_python = make_venv(python, tmp_path / "venv")
    check(
        [venv_python, "-m", "pip", "install", "-q", *lowest_pins(project / "pyproject.toml")],
        project,
    )

    assert mismatches(signatures(venv_python, HOOKS), HOOKS) == []


@pytest.mark.parametrize("doc", ["template/TESTING.md.jinja", "README.md"])
def test_the_docs_name_every_private_hook(doc: str) -> None:
    text = (TEMPLATE_ROOT / doc).read_text()

    unnamed = [hook for hook in HOOKS if ".".join(hook.split(".")[-2:]) not in text]

    assert unnamed == []
