"""Bad answers are refused with a message naming the question and the rule; nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import generated_files, render

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
    ("package_name", "asyncio", "shadow"),
    ("package_name", "typing", "shadow"),
    ("package_name", "test", "shadow"),
    ("package_name", "sqlalchemy", "shadow"),
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
def test_bad_answer_given_with_data_is_refused_and_nothing_is_written(
    template_repo: Path, tmp_path: Path, question: str, value: Any, expected: str
) -> None:
    dest = tmp_path / "out"

    with pytest.raises(ValueError, match=r"question|choice") as refused:
        render(template_repo, dest, {question: value})

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
