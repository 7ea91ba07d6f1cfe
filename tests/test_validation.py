"""Bad answers are refused with a message naming the question and the rule; nothing is written."""

from __future__ import annotations

import json
import keyword
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import COPIER_YML as TEMPLATE_CONFIG
from tests.helpers import (
    TEMPLATE_ROOT,
    file_contents,
    find_python,
    generated_files,
    git,
    init_project,
    prompt_copy,
    render,
    run,
    update,
)

# (question, bad value, words the error message must contain)
BAD_ANSWERS: list[tuple[str, Any, str]] = [
    ("project_name", "", "must not be empty"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", " padded", "whitespace"),
    ("project_name", "a/b", "path separators"),
    ("project_name", "a\\b", "path separators"),
    ("project_name", "..", "'..'"),
    ("project_name", "x..y", "'..'"),
    ("project_name", "svc; rm -rf ~", "shell metacharacters"),
    ("project_name", "svc$(id)", "shell metacharacters"),
    ("project_name", "svc`id`", "shell metacharacters"),
    ("project_name", "svc|tee", "shell metacharacters"),
    ("project_name", "Café", "ASCII"),
    ("project_name", "9lives", "start with a letter"),
    ("project_name", "x" * 65, "at most 64"),
    ("package_name", "", "must not be empty"),
    ("package_name", "class", "keyword"),
    ("package_name", "async", "keyword"),
    ("package_name", "1abc", "identifier"),
    ("package_name", "my-service", "identifier"),
    ("package_name", "my service", "identifier"),
    ("package_name", "pkg/sub", "identifier"),
    ("package_name", "../escape", "identifier"),
    ("package_name", "MyService", "lowercase"),
    ("package_name", "café", "ASCII"),
    ("package_name", "asyncio", "standard-library"),
    ("package_name", "typing", "standard-library"),
    ("package_name", "_thread", "standard-library"),
    ("package_name", "annotationlib", "standard-library"),  # new in 3.14
    ("package_name", "test", "shadow"),
    ("package_name", "sqlalchemy", "dependency"),
    ("package_name", "aiohttp", "shadow"),
    ("package_name", "pytest", "shadow"),
    ("package_name", "test_utils", "shadow"),
    ("package_name", "p" * 49, "at most 48"),
    ("description", 'say "hi"', "quotes"),
    ("description", "two\nlines", "single line"),
    ("description", "d" * 201, "at most 200"),
    ("db_driver", "mongodb", "Invalid choice for 'db_driver'"),
    ("http_client", "requests", "Invalid choice for 'http_client'"),
    ("python_version", "3.9", "Invalid choice for 'python_version'"),
    ("ci", "jenkins", "Invalid choice for 'ci'"),
]


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    BAD_ANSWERS,
    ids=[f"{q}={v!r:.20}" for q, v, _ in BAD_ANSWERS],
)
@pytest.mark.parametrize("via", ["data", "user_defaults"])
def test_bad_answer_given_with_data_or_as_user_default_is_refused_and_nothing_is_written(
    template_repo: Path, tmp_path: Path, question: str, value: Any, expected: str, via: str
) -> None:
    """via=data: `copier copy -d`. via=user_defaults: the defaults a user's copier
    settings file pre-fills at the prompts, taken as answers with --defaults."""
    dest = tmp_path / "out"
    answer = {question: value}
    options = {"user_defaults": answer} if via == "user_defaults" else {}

    with pytest.raises(ValueError, match=r"question|choice") as refused:
        render(template_repo, dest, answer if via == "data" else {}, **options)

    message = str(refused.value)
    assert question in message, message
    assert expected in message, message
    assert not dest.exists(), f"files were written: {sorted(generated_files(dest))}"


@pytest.mark.parametrize(
    ("project_name", "expected"),
    [("class", "keyword"), ("asyncio", "shadow"), ("9", "start with a letter")],
)
def test_bad_package_name_derived_from_the_default_is_refused(
    template_repo: Path, tmp_path: Path, project_name: str, expected: str
) -> None:
    dest = tmp_path / "out"

    with pytest.raises(ValueError, match=expected):
        render(template_repo, dest, {"project_name": project_name})

    assert not dest.exists()


def test_existing_destination_is_left_untouched_by_a_refused_answer(
    template_repo: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")

    with pytest.raises(ValueError, match="package_name"):
        render(template_repo, dest, {"package_name": "asyncio"})

    assert generated_files(dest) == {"keep.txt"}
    assert (dest / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("project_name", "package_name"),
    [("Inventory Service", "inventory_service"), ("acme.orders-api", "acme_orders_api")],
)
def test_good_names_are_accepted_and_the_package_name_is_derived(
    template_repo: Path, tmp_path: Path, project_name: str, package_name: str
) -> None:
    project = render(template_repo, tmp_path / "out", {"project_name": project_name})

    assert (project / "src" / package_name / "__init__.py").is_file()


# (help text shown at the prompt, answer typed) pairs; the last answer is bad.
_PROJECT_PROMPT = "Human name of the service"
_PACKAGE_PROMPT = "Import name of the Python package"
TYPED_AT_THE_PROMPT: list[tuple[list[tuple[str, str]], str, str]] = [
    ([(_PROJECT_PROMPT, "")], "project_name", "must not be empty"),
    ([(_PROJECT_PROMPT, "svc; rm -rf ~")], "project_name", "shell metacharacters"),
    ([(_PROJECT_PROMPT, "Café")], "project_name", "ASCII"),
    ([(_PROJECT_PROMPT, "svc"), (_PACKAGE_PROMPT, "class")], "package_name", "keyword"),
    ([(_PROJECT_PROMPT, "svc"), (_PACKAGE_PROMPT, "asyncio")], "package_name", "shadow"),
    ([(_PROJECT_PROMPT, "svc"), (_PACKAGE_PROMPT, "../escape")], "package_name", "identifier"),
]


@pytest.mark.parametrize(
    ("typed", "question", "expected"),
    TYPED_AT_THE_PROMPT,
    ids=[f"{q}={t[-1][1]!r}" for t, q, _ in TYPED_AT_THE_PROMPT],
)
def test_bad_answer_typed_at_the_interactive_prompt_is_refused_and_nothing_is_written(
    template_repo: Path,
    tmp_path: Path,
    typed: list[tuple[str, str]],
    question: str,
    expected: str,
) -> None:
    dest = tmp_path / "out"

    shown = prompt_copy(template_repo, dest, typed)

    assert f"Validation error for question '{question}'" in shown, shown
    assert expected in shown, shown
    assert not dest.exists()


UPDATE_BAD_ANSWERS = [
    ("package_name", "asyncio", "shadow"),
    ("project_name", "svc && curl x | sh", "shell metacharacters"),
    ("description", "two\nlines", "single line"),
    ("db_driver", "mongodb", "Invalid choice for 'db_driver'"),
    ("http_client", "requests", "Invalid choice for 'http_client'"),
]


@pytest.fixture(scope="module")
def committed_project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_project(render(template_repo, tmp_path_factory.mktemp("upd") / "p", {}))


@pytest.mark.parametrize(("question", "value", "expected"), UPDATE_BAD_ANSWERS)
def test_bad_answer_given_with_data_on_update_is_refused_and_the_project_is_untouched(
    committed_project: Path, question: str, value: str, expected: str
) -> None:
    before = file_contents(committed_project)

    with pytest.raises(ValueError, match=r"question|choice") as refused:
        update(committed_project, data={question: value})

    message = str(refused.value)
    assert question in message, message
    assert expected in message, message
    assert file_contents(committed_project) == before
    assert not git(committed_project, "status", "--porcelain", "--untracked-files=all")


@pytest.mark.parametrize("package_name", ["none", "true", "false", "match", "type"])
def test_names_that_are_not_python_keywords_are_accepted(
    template_repo: Path, tmp_path: Path, package_name: str
) -> None:
    """Only None/True/False are keywords, and soft keywords are valid identifiers."""
    project = render(template_repo, tmp_path / "out", {"package_name": package_name})

    assert (project / "src" / package_name / "__init__.py").is_file()


# ---- the name lists the validators use ----

COPIER_YML = TEMPLATE_ROOT / "copier.yml"
STDLIB_DATA = TEMPLATE_ROOT / "tests" / "data" / "stdlib_module_names.json"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


def _computed(name: str) -> Any:
    return TEMPLATE_CONFIG[name]["default"]


def test_keyword_list_is_pythons() -> None:
    assert _computed("python_keywords") == keyword.kwlist


def test_stdlib_list_is_the_union_over_every_supported_python() -> None:
    recorded: dict[str, list[str]] = json.loads(STDLIB_DATA.read_text())

    assert sorted(recorded) == list(SUPPORTED_PYTHONS)
    assert sorted(_computed("stdlib_module_names")) == sorted(set().union(*recorded.values()))
    assert set(sys.stdlib_module_names) <= set(_computed("stdlib_module_names"))


@pytest.mark.parametrize("version", SUPPORTED_PYTHONS)
def test_recorded_stdlib_names_match_the_interpreter(version: str) -> None:
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine; its recorded list stays unchecked")
    ran = run([python, "-c", "import sys; print(*sorted(sys.stdlib_module_names))"], TEMPLATE_ROOT)

    recorded = json.loads(STDLIB_DATA.read_text())[version]

    assert recorded == ran.output.split(), f"tests/data/stdlib_module_names.json[{version!r}]"


NAME_LISTS = ["python_keywords", "stdlib_module_names", "dependency_module_names"]


@pytest.mark.parametrize("name", NAME_LISTS)
def test_computed_name_lists_hold_only_strings_on_short_lines(name: str) -> None:
    values = _computed(name)
    text = COPIER_YML.read_text()
    block = text.split(f"\n{name}:\n", 1)[1].split("\n\n", 1)[0]

    assert values
    assert all(isinstance(value, str) for value in values), values
    assert max(map(len, block.splitlines())) <= 100
