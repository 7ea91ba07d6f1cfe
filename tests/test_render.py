"""Every answer combination renders exactly the files it needs."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.helpers import (
    HTTP_CLIENTS,
    SERVER_DRIVERS,
    WEB_TABLE,
    Combo,
    combo_params,
    generated_files,
)

ALWAYS = {
    ".copier-answers.yml",
    ".gitignore",
    "README.md",
    "TESTING.md",
    "pyproject.toml",
    "src/selftest_service/__init__.py",
    "src/selftest_service/py.typed",
    "src/selftest_service/db.py",
    "src/selftest_service/models.py",
    "src/selftest_service/repositories.py",
    "src/selftest_service/settings.py",
    "tests/conftest.py",
    "tests/test_utils/__init__.py",
    "tests/test_utils/db_mocks.py",
    "tests/test_utils/results.py",
    "tests/test_utils/database.py",
    "tests/test_utils/db_fixtures.py",
    "tests/test_utils/query_count.py",
    "tests/integration/test_database.py",
    "tests/integration/test_isolation.py",
    "tests/integration/test_lazy_loads.py",
    "tests/integration/test_query_count.py",
    "tests/contract/test_repository_contract.py",
}
EXAMPLES_ONLY = {
    "src/selftest_service/catalog.py",
    "tests/unit/test_catalog.py",
    "tests/contract/test_product_repository.py",
    "tests/test_utils/factories.py",
    "tests/test_utils/factory_fixtures.py",
    "tests/unit/test_factories.py",
    "tests/integration/test_factories.py",
}
HTTP_EXAMPLES_ONLY = {"src/selftest_service/inventory.py"}
ALEMBIC_ONLY = {
    "alembic.ini",
    "migrations/env.py",
    "migrations/script.py.mako",
    "migrations/versions/0001_initial.py",
    "tests/test_utils/migrations.py",
    "tests/test_utils/migration_fixtures.py",
    "tests/integration/test_migrations.py",
}
# web_framework != none: the app, its fixtures and its tests.
WEB_ONLY = {
    "src/selftest_service/app.py",
    "src/selftest_service/dependencies.py",
    "src/selftest_service/routes.py",
    "tests/test_utils/web_app.py",
    "tests/test_utils/web_fixtures.py",
    "tests/unit/test_app.py",
    "tests/integration/test_app_database.py",
}


@pytest.mark.parametrize("combo", combo_params())
def test_renders_the_files_the_answers_need_and_no_others(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    files = generated_files(rendered(combo))

    assert files >= ALWAYS
    assert (files >= EXAMPLES_ONLY) is combo.include_examples
    assert not (files & EXAMPLES_ONLY) or combo.include_examples
    wants_http_example = combo.include_examples and combo.http_client != "none"
    assert bool(files & HTTP_EXAMPLES_ONLY) is wants_http_example
    if combo.migrations == "alembic":
        assert files >= ALEMBIC_ONLY
    else:
        assert not files & ALEMBIC_ONLY
        assert not [name for name in files if name.startswith("migrations/")]
    assert (files >= WEB_ONLY) is (combo.web_framework != "none")
    assert not (files & WEB_ONLY) or combo.web_framework != "none"


@pytest.mark.parametrize("combo", combo_params())
def test_the_web_fixtures_are_loaded_and_the_framework_declared_only_when_chosen(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    conftest = (project / "tests/conftest.py").read_text()
    pyproject = (project / "pyproject.toml").read_text()

    assert ('"test_utils.web_fixtures"' in conftest) is (combo.web_framework != "none")
    row = WEB_TABLE[combo.web_framework]
    for key in ("dependency", "test_dependency"):
        if key in row:
            assert pyproject.count(f'"{row[key]}"') == 1, (key, combo.id)
    if combo.web_framework == "none":
        assert "fastapi" not in pyproject


@pytest.mark.parametrize("combo", combo_params())
def test_no_rendered_file_is_empty_or_names_an_unused_tool(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    # The embedded driver is imported by the mock parity tests whatever the choice.
    other_drivers = set(SERVER_DRIVERS) - {combo.db_driver}
    # The web framework's modules (its test client's included) are used whatever the client.
    used = {combo.http_client, *WEB_TABLE[combo.web_framework].get("modules", [])}
    other_clients = set(HTTP_CLIENTS) - {"none"} - used
    for name in generated_files(project):
        if name.endswith("py.typed"):
            continue
        text = (project / name).read_text()
        assert text.strip(), f"{name} rendered empty"
        if name.endswith(".py"):
            for tool in other_drivers | other_clients:
                assert f"import {tool}" not in text, f"{name} imports {tool} ({combo.id})"


IMPORTS_POLYFACTORY = re.compile(r"^\s*(from|import) polyfactory\b", re.MULTILINE)


@pytest.mark.parametrize("combo", combo_params())
def test_polyfactory_is_declared_and_imported_only_with_the_examples(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    declared = pyproject["project"]["optional-dependencies"]["test"]
    importers = {
        name
        for name in generated_files(project)
        if name.endswith(".py") and IMPORTS_POLYFACTORY.search((project / name).read_text())
    }

    assert any(dep.startswith("polyfactory>=") for dep in declared) is combo.include_examples
    factory_files = {"tests/test_utils/factories.py", "tests/unit/test_factories.py"}
    assert importers == (factory_files if combo.include_examples else set())


@pytest.mark.parametrize("combo", combo_params())
def test_answers_file_records_the_answers_and_the_template_version(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    answers = yaml.safe_load((rendered(combo) / ".copier-answers.yml").read_text())

    assert answers["_commit"] == "1.0.0"
    recorded = ("db_driver", "http_client", "include_examples", "migrations")
    assert {k: answers[k] for k in recorded} == {
        "db_driver": combo.db_driver,
        "http_client": combo.http_client,
        "include_examples": combo.include_examples,
        "migrations": combo.migrations,
    }
    assert "app_alembic_ini" not in answers, "an adoption answer in a greenfield project"
    for computed in ("python_keywords", "stdlib_module_names", "test_database_name"):
        assert computed not in answers, "computed values must not be stored"
