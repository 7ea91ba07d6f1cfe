"""Adopting the template into a service that already exists (existing_project=true).

The service has its own pyproject.toml, src/<pkg>/ package and tests/ folder.
Copying must keep every one of those files byte for byte, add what is missing,
say what to merge by hand, and later updates must touch only the template's own
files (tests/test_utils/, TESTING.md).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    SERVER_DRIVERS,
    append_line,
    commit_all,
    file_contents,
    generated_files,
    git,
    init_project,
    release,
    render,
    snapshot_template,
    update,
)

SERVICE = {
    "pyproject.toml": '[project]\nname = "orders"\nversion = "3.1.0"\ndependencies = ["fastapi"]\n',
    "src/orders/__init__.py": '"""Orders service."""\n',
    "src/orders/db.py": '"""Our own engine setup."""\nENGINE_URL = "postgresql://prod"\n',
    "src/orders/models.py": '"""Our models."""\n',
    "tests/conftest.py": '"""Our conftest."""\n\nimport pytest\n',
    "tests/test_orders.py": "def test_orders() -> None:\n    assert True\n",
    "tests/integration/test_database.py": "def test_ours() -> None:\n    assert True\n",
    ".github/workflows/tests.yml": "name: our CI\n",
}
ANSWERS = {
    "project_name": "orders",
    "db_driver": SERVER_DRIVERS[0],
    "http_client": "httpx",
    "include_examples": False,
    "existing_project": True,
}


def _service(root: Path) -> Path:
    for name, text in SERVICE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return init_project(root)


@pytest.mark.parametrize(
    "answers",
    [ANSWERS, {**ANSWERS, "db_driver": SERVER_DRIVERS[1], "http_client": "aiohttp"}],
    ids=lambda answers: f"{answers['db_driver']}-{answers['http_client']}",
)
def test_adopting_keeps_every_existing_file_and_adds_the_infrastructure(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answers: dict[str, object],
) -> None:
    template = snapshot_template(tmp_path / "template")
    service = _service(tmp_path / "orders")
    monkeypatch.chdir(service)  # `copier copy ... .`, as the README says

    render(template, Path("."), answers, quiet=False)

    files = file_contents(service)
    for name, text in SERVICE.items():
        assert files[name] == text.encode(), f"{name} was changed"
    added = set(files) - set(SERVICE)
    assert {"tests/test_utils/__init__.py", "TESTING.md", ".copier-answers.yml"} <= added
    assert "pyproject.async-testkit.toml" in added
    assert not any(name.endswith(".rej") for name in added)

    # What to add by hand is said, for these answers: every runtime and test
    # dependency of the template's pyproject.toml is named in the message.
    message = capsys.readouterr().err
    reference = tomllib.loads((service / "pyproject.async-testkit.toml").read_text())
    wanted = [*reference["project"]["dependencies"], *reference["dependency-groups"]["test"]]
    for requirement in wanted:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
        assert name in message, f"{name} ({requirement}) is not in the message:\n{message}"
    # The wiring needs no edit of the kept conftest: the plugin is loaded by the
    # pytest settings and loads the same plugins as a new project's conftest.
    assert "-p test_utils.plugin" in message
    assert reference["tool"]["pytest"]["ini_options"]["addopts"][:2] == ["-p", "test_utils.plugin"]
    greenfield = render(template, tmp_path / "new", {**answers, "existing_project": False})

    def plugins(path: Path) -> dict[str, object]:
        return {
            ast.unparse(node.targets[0]): ast.literal_eval(node.value)
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.Assign)
            and ast.unparse(node.targets[0]) in ("pytest_plugins", "FIXTURE_PLUGINS")
        }

    adopted = plugins(service / "tests/test_utils/plugin.py")
    assert set(adopted) == {"pytest_plugins", "FIXTURE_PLUGINS"}
    assert adopted == plugins(greenfield / "tests/conftest.py")
    assert "pyproject.async-testkit.toml" in message
    assert "existing_project=false" in message
    # Existing @pytest.mark.asyncio markers: keep working, and how to find them.
    assert "@pytest.mark.asyncio markers keep working" in message
    assert "AP006" in message
    # The path is absolute, whatever the destination was called on the command line.
    assert f"in {service.resolve()}." in message


def test_adoption_generates_no_web_app_and_no_web_fixtures(tmp_path: Path) -> None:
    """The web fixtures build the generated ``create_app()``, which an adopted
    service does not get: web_framework is not asked, and a given answer has no
    effect and is not recorded."""
    template = snapshot_template(tmp_path / "template")
    service = _service(tmp_path / "orders")

    render(template, service, {**ANSWERS, "web_framework": "fastapi"})

    added = generated_files(service) - set(SERVICE)
    assert not [name for name in added if "web_" in name or "test_app" in name], added
    assert "fastapi" not in (service / "pyproject.async-testkit.toml").read_text()
    assert "web_fixtures" not in (service / "tests/test_utils/plugin.py").read_text()
    assert "web_framework" not in (service / ".copier-answers.yml").read_text()


def test_the_reference_pyproject_packages_no_stub_and_wires_the_plugin(tmp_path: Path) -> None:
    """The reference (and the pyproject.toml a copy creates for a service that had
    none) builds nothing: no build backend, no package list, no src/ stub."""
    template = snapshot_template(tmp_path / "template")
    service = _service(tmp_path / "orders")
    render(template, service, ANSWERS)
    bare = tmp_path / "bare"
    bare.mkdir()
    render(template, init_project(bare), ANSWERS)

    reference = (service / "pyproject.async-testkit.toml").read_text()
    assert (bare / "pyproject.toml").read_text() in reference
    config = tomllib.loads(reference)
    assert "build-system" not in config
    assert "hatch" not in config.get("tool", {})
    assert "optional-dependencies" not in config["project"]
    pytest_config = config["tool"]["pytest"]["ini_options"]
    assert pytest_config["pythonpath"] == ["tests", ".", "src"]
    assert pytest_config["testpaths"] == ["tests", "testkit"]
    assert pytest_config["integration_paths"] == []
    assert "error" not in pytest_config["filterwarnings"]
    assert not (bare / "src").exists()
    assert not (bare / "tests" / "conftest.py").exists()
    assert not (bare / "README.md").exists()
    assert "pyproject.async-testkit.toml" not in generated_files(
        render(template, tmp_path / "new", {**ANSWERS, "existing_project": False})
    )


def test_updates_touch_only_the_templates_own_files(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    service = _service(tmp_path / "orders")
    render(template, service, ANSWERS)
    (service / "pyproject.async-testkit.toml").unlink()  # merged by hand
    commit_all(service, "adopt async-testkit")
    before = file_contents(service)
    for name in ("tests/conftest.py.jinja", "pyproject.toml.jinja", "TESTING.md.jinja"):
        append_line(template / "template" / name, "# changed in 2.0.0")
    append_line(template / "template/tests/test_utils/results.py", "# fixed in 2.0.0")
    release(template, "2.0.0")

    update(service)

    after = file_contents(service)
    changed = {name for name in after if after[name] != before.get(name)}
    # conftest.py.jinja is also the source of the adopted service's plugin.py
    assert changed == {
        ".copier-answers.yml",
        "tests/test_utils/results.py",
        "tests/test_utils/plugin.py",
        "TESTING.md",
    }
    assert set(after) == set(before), "a file was added or re-created"
    assert after["tests/test_utils/results.py"].endswith(b"# fixed in 2.0.0\n")
    assert yaml.safe_load(after[".copier-answers.yml"])["_commit"] == "2.0.0"
    assert not git(service, "status", "--porcelain", "--", "src", "pyproject.toml")


def test_greenfield_copy_says_how_to_start_and_that_update_needs_git(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = snapshot_template(tmp_path / "template")

    render(template, tmp_path / "svc", {"project_name": "svc"}, quiet=False)

    message = capsys.readouterr().err
    assert "pip install -e '.[dev]'" in message
    assert "git init" in message
    assert "pyproject.async-testkit.toml" not in message


def test_switching_existing_project_off_later_merges_without_losing_a_line(
    tmp_path: Path,
) -> None:
    """`copier update -d existing_project=false` is a one-time merge: a file both
    the service and the template have becomes a conflict between the two versions
    (copier has no common base for them); every line of the service's survives."""
    template = snapshot_template(tmp_path / "template")
    service = _service(tmp_path / "orders")
    render(template, service, ANSWERS)
    commit_all(service, "adopt async-testkit")

    update(service, data={"existing_project": False})

    for name, text in SERVICE.items():
        merged = (service / name).read_text()
        missing = [line for line in text.splitlines() if line not in merged.splitlines()]
        assert not missing, f"{name} lost {missing}"
    assert not [name for name in generated_files(service) if name.endswith(".rej")]
    assert (
        yaml.safe_load((service / ".copier-answers.yml").read_text())["existing_project"] is False
    )
