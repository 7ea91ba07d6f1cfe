"""Generated CI and pre-commit files: rendered only when asked for, valid against
the official schemas (check-jsonschema's vendored copies, offline), and with the
jobs the answers need: lint, and the tests with the right database service,
``CI`` set and a Python matrix from the chosen minimum to 3.13."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import (
    BIN,
    DRIVER_TABLE,
    DRIVERS,
    HTTP_CLIENTS,
    SERVER_DRIVERS,
    SERVER_TABLE,
    Combo,
    check,
    generated_files,
    render,
    run,
)

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
# Every driver on each CI, the clients and minimum Pythons varied across them.
CI_CASES = [
    (ci, Combo(driver, HTTP_CLIENTS[(i + shift) % 3], False), VERSIONS[(i + 2 * shift) % 4])
    for shift, ci in enumerate(("github", "gitlab"))
    for i, driver in enumerate(DRIVERS)
]
CI_FILES = {"github": ".github/workflows/tests.yml", "gitlab": ".gitlab-ci.yml"}
SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}


def _server(combo: Combo) -> dict[str, Any]:
    """copier.yml's row for the server of ``combo``'s driver (empty: embedded)."""
    server = DRIVER_TABLE[combo.db_driver]["server"]
    return {} if server == "none" else SERVER_TABLE[server]


# The generated test database (copier.yml test_database_name) of the self-tests' package.
TEST_DATABASE = "selftest_service_test"
TEST_COMMANDS = ('pytest -m "not integration"', "pytest -m integration")
LINT_COMMANDS = (
    "ruff check",
    "ruff format --check",
    "mypy",
    "python tests/check_async_patterns.py",
)


def _cases_of(ci: str) -> pytest.MarkDecorator:
    """Parametrize a test with the (combination, minimum Python) cases of one CI."""
    return pytest.mark.parametrize(
        ("combo", "version"),
        [pytest.param(c, v, id=f"{c.id}-py{v}") for kind, c, v in CI_CASES if kind == ci],
    )


def _matrix(minimum: str) -> list[str]:
    return [f"3.{minor}" for minor in range(int(minimum.split(".")[1]), 14)]


@pytest.fixture(scope="module")
def projects(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, Combo, str], Path]:
    root = tmp_path_factory.mktemp("ci")
    return {
        (ci, combo, version): render(
            template_repo,
            root / f"{ci}-{combo.id}",
            combo.answers(ci=ci, python_version=version),
        )
        for ci, combo, version in CI_CASES
    }


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_ci_files_validate_against_the_official_schema(
    ci: str, projects: dict[tuple[str, Combo, str], Path]
) -> None:
    files = [str(p / CI_FILES[ci]) for (kind, _, _), p in projects.items() if kind == ci]
    # vendored schemas only: no network
    env = {**os.environ, "NO_PROXY": "*", "HTTPS_PROXY": "http://127.0.0.1:9"}

    output = check(
        [BIN / "check-jsonschema", "--builtin-schema", SCHEMAS[ci], *files], Path.cwd(), env
    )

    assert "ok -- validation done" in output


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_schema_check_rejects_a_broken_file(ci: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("tests:\n  script: 42\n" if ci == "gitlab" else "jobs:\n  tests: {}\n")

    ran = run([BIN / "check-jsonschema", "--builtin-schema", SCHEMAS[ci], broken], tmp_path)

    assert ran.returncode == 1, ran.output


def _github_jobs(project: Path) -> dict[str, Any]:
    workflow = yaml.safe_load((project / CI_FILES["github"]).read_text())
    assert workflow[True] is not None  # `on:` parses as the YAML boolean key
    assert workflow["env"]["CI"] == "true"
    jobs: dict[str, Any] = workflow["jobs"]
    return jobs


def _commands(steps: list[Any]) -> str:
    return "\n".join(str(step.get("run", "")) if isinstance(step, dict) else step for step in steps)


@_cases_of("github")
def test_github_workflow_structure(
    combo: Combo, version: str, projects: dict[tuple[str, Combo, str], Path]
) -> None:
    jobs = _github_jobs(projects["github", combo, version])

    assert set(jobs) == {"lint", "tests"}
    lint = _commands(jobs["lint"]["steps"])
    assert all(command in lint for command in LINT_COMMANDS), lint
    assert "pip install -e '.[dev]'" in lint
    tests = jobs["tests"]
    assert tests["strategy"]["matrix"]["python-version"] == _matrix(version)
    commands = _commands(tests["steps"])
    assert "pip install -e '.[test]'" in commands
    assert all(command in commands for command in TEST_COMMANDS), commands
    if server := _server(combo):
        service = tests["services"][server["service"]]
        port = server["port"]
        assert service["image"] == server["image"]
        assert service["ports"] == [f"{port}:{port}"]
        assert f'--health-cmd "{server["health"]}"' in service["options"]
        url = tests["env"]["TEST_DATABASE_URL"]
        assert url.startswith(DRIVER_TABLE[combo.db_driver]["scheme"] + "://")
        assert f"@127.0.0.1:{port}/{TEST_DATABASE}" in url
        # The container creates the database the URL names (never one called `test`).
        assert service["env"][server["ci_database_variable"]] == TEST_DATABASE
    else:
        assert "services" not in tests
        assert "TEST_DATABASE_URL" not in tests.get("env", {})


@_cases_of("gitlab")
def test_gitlab_pipeline_structure(
    combo: Combo, version: str, projects: dict[tuple[str, Combo, str], Path]
) -> None:
    pipeline = yaml.safe_load((projects["gitlab", combo, version] / CI_FILES["gitlab"]).read_text())

    assert pipeline["stages"] == ["lint", "test"]
    assert pipeline["variables"]["CI"] == "true"
    lint, tests = pipeline["lint"], pipeline["tests"]
    assert lint["image"] == f"python:{version}"
    assert all(any(c in line for line in lint["script"]) for c in LINT_COMMANDS), lint
    assert tests["image"] == "python:$PYTHON_VERSION"
    assert tests["parallel"]["matrix"] == [{"PYTHON_VERSION": _matrix(version)}]
    assert "pip install -e '.[test]'" in tests["script"]
    assert all(any(c in line for line in tests["script"]) for c in TEST_COMMANDS)
    if server := _server(combo):
        (service,) = tests["services"]
        alias = server["service"]
        assert service["alias"] == alias
        assert service["name"] == server["image"]
        url = tests["variables"]["TEST_DATABASE_URL"]
        assert url.startswith(DRIVER_TABLE[combo.db_driver]["scheme"] + "://")
        assert f"@{alias}:" in url
        assert url.endswith(f"/{TEST_DATABASE}")
        assert service["variables"][server["ci_database_variable"]] == TEST_DATABASE
    else:
        assert "services" not in tests
        assert "variables" not in tests


def test_ci_none_renders_no_ci_file(template_repo: Path, tmp_path: Path) -> None:
    project = render(
        template_repo, tmp_path / "p", Combo(SERVER_DRIVERS[0], "httpx", True).answers(ci="none")
    )

    files = generated_files(project)

    assert not {f for f in files if f.startswith((".github", ".gitlab"))}, files


def test_each_ci_choice_renders_only_its_own_file(
    projects: dict[tuple[str, Combo, str], Path],
) -> None:
    for (ci, _, _), project in projects.items():
        files = generated_files(project)
        assert CI_FILES[ci] in files
        other = CI_FILES["gitlab" if ci == "github" else "github"]
        assert other not in files, files


def test_pre_commit_config_is_valid_and_runs_the_three_tools(
    projects: dict[tuple[str, Combo, str], Path],
) -> None:
    project = next(iter(projects.values()))
    config_path = project / ".pre-commit-config.yaml"
    config = yaml.safe_load(config_path.read_text())

    check([BIN / "pre-commit", "validate-config", config_path], project)
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert entries == [
        "ruff check --fix",
        "ruff format",
        "mypy",
        "python tests/check_async_patterns.py",
    ]


def test_pre_commit_hooks_pass_on_the_generated_project(
    projects: dict[tuple[str, Combo, str], Path], tmp_path: Path, mypy_cache: Path
) -> None:
    project = next(
        p for (ci, c, _), p in projects.items() if ci == "github" and c.db_driver in SERVER_DRIVERS
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "MYPY_CACHE_DIR": str(mypy_cache),
    }
    check(["git", "init", "-q"], project, env)
    check(["git", "add", "-A"], project, env)

    output = check([BIN / "pre-commit", "run", "--all-files"], project, env)

    assert output.count("Passed") == 4, output
