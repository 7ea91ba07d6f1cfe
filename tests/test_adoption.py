"""Adoption into the fixture services under tests/services/, as the README says to do it.

Each service is copied into a fresh git repository and adopted by running the
README's "Using it on an existing service" commands exactly as written (only the
`-d` values and `<template>` are the service's), plus the two pyproject.toml
edits the section asks for. Then: no file of the service changed, the run is
green with nothing skipped under CI, the integration fixtures hold the service's
own tables, `-m "not integration"` needs no socket, and an update to a later
version brings the template's new files and leaves the service's alone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import (
    BIN,
    SERVER_URLS,
    TEMPLATE_ROOT,
    append_line,
    commit_all,
    file_contents,
    init_project,
    release,
    render,
    run,
    snapshot_template,
    update,
)

SERVICES = Path(__file__).parent / "services"
README = (TEMPLATE_ROOT / "README.md").read_text()


@dataclass(frozen=True)
class Service:
    """A fixture service, the answers that adopt it, and a test a user would add."""

    name: str
    answers: dict[str, str]
    integration_paths: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # Written after adoption into checks/: uses the service's own code on db_session.
    uses_tables: str = ""


LEDGER = Service(
    "ledger",
    {
        "app_package": "finances",
        "app_metadata": "finances.models:Base",
        "app_engine_factory": "finances.db:make_engine",
        "http_client": "httpx",
    },
    integration_paths=("tests/db",),
    uses_tables="""
        from finances.ledger import balance, open_account

        async def test_the_service_code_runs_on_its_own_tables(db_session):
            await open_account(db_session, "cash")
            assert await balance(db_session, "cash") == 0
    """,
)
# The ledger adopted with its Alembic migrations: they build the test schema.
LEDGER_MIGRATED = Service(
    "ledger",
    {**LEDGER.answers, "migrations": "alembic", "app_alembic_ini": "alembic.ini"},
    integration_paths=LEDGER.integration_paths,
    uses_tables=LEDGER.uses_tables
    + """
        from sqlalchemy import text

        async def test_its_migrations_built_the_test_schema(db_session):
            version = await db_session.scalar(text("SELECT version_num FROM alembic_version"))
            assert version == "0001"
    """,
)
SHOPCAT = Service(
    "shopcat",
    {"app_package": "shopcat", "app_metadata": "shopcat.models:Base", "http_client": "none"},
    uses_tables="""
        from sqlalchemy import func, select

        from shopcat.models import Item
        from shopcat.pricing import add_item

        async def test_the_service_code_runs_on_its_own_tables(db_session):
            await add_item(db_session, "mug", 4.5)
            assert await db_session.scalar(select(func.count()).select_from(Item)) == 1
    """,
)
NOTES = Service(
    "notes_flat",
    {"app_package": "notes", "app_metadata": "notes.tables:metadata", "http_client": "aiohttp"},
    uses_tables="""
        from notes.store import add_note, count_notes

        async def test_the_service_code_runs_on_its_own_tables(db_session):
            connection = await db_session.connection()
            await add_note(connection, "first")
            assert await count_notes(connection) == 1
    """,
)
CASES = [
    pytest.param(LEDGER, "aiosqlite", id="ledger-aiosqlite"),
    pytest.param(LEDGER, "asyncpg", id="ledger-asyncpg"),
    # Named schemas on MariaDB too (a schema is a database there: translated away).
    pytest.param(LEDGER, "aiomysql", id="ledger-aiomysql"),
    pytest.param(LEDGER_MIGRATED, "aiosqlite", id="ledger-alembic-aiosqlite"),
    pytest.param(LEDGER_MIGRATED, "asyncpg", id="ledger-alembic-asyncpg"),
    pytest.param(SHOPCAT, "aiosqlite", id="shopcat-aiosqlite"),
    pytest.param(SHOPCAT, "aiomysql", id="shopcat-aiomysql"),
    pytest.param(NOTES, "aiosqlite", id="notes-aiosqlite"),
    pytest.param(NOTES, "psycopg", id="notes-psycopg"),
]
# A server URL where nothing listens: a test that tries to connect fails fast.
NOWHERE = {
    "asyncpg": "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere_test",
    "psycopg": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere_test",
    "aiomysql": "mysql+aiomysql://root@127.0.0.1:9/nowhere_test",
}


def readme_adoption_steps() -> list[str]:
    """The commands of the README's adoption block, one per line."""
    found = re.search(r"<!-- adoption:steps -->\n```sh\n(.+?)\n```", README, re.DOTALL)
    assert found, "README has no adoption:steps block"
    return [line.strip() for line in found.group(1).splitlines() if line.strip()]


def _with_answers(command: str, template: Path, answers: dict[str, str]) -> list[str]:
    """``command`` with ``<template>`` and each ``-d key=value`` set to this service's."""
    words = shlex.split(command)
    out: list[str] = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous == "-d":
            key = word.split("=", 1)[0]
            out.append(f"{key}={answers[key]}" if key in answers else "")
            continue
        out.append(str(template) if word == "<template>" else word)
    # An option of the README example this service does not answer goes with its "-d".
    return [w for i, w in enumerate(out) if w and not (w == "-d" and not out[i + 1])]


def _merge_pyproject(service: Path) -> None:
    """The README's "Merge" edit for a service that had its own pyproject.toml
    (the fixtures' have none of these tables, so adding them is the merge)."""
    reference = (service / "pyproject.async-testkit.toml").read_text()
    tables = re.split(r"(?m)^(?=\[)", reference)
    wanted = ("[dependency-groups]", "[tool.pytest.ini_options]")
    added = "".join(table for table in tables if table.startswith(wanted))
    pyproject = service / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n" + added)
    (service / "pyproject.async-testkit.toml").unlink()


def _set_integration_paths(service: Path, paths: tuple[str, ...]) -> None:
    """The README's "Existing database tests" edit."""
    pyproject = service / "pyproject.toml"
    text = pyproject.read_text()
    assert "integration_paths = []" in text
    listed = ", ".join(f'"{p}"' for p in paths)
    pyproject.write_text(text.replace("integration_paths = []", f"integration_paths = [{listed}]"))


def _env(service: Service, driver: str, database: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_URL", "PYTHONPATH"}}
    env.update(
        CI="true",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PIP_NO_INDEX="1",  # everything is installed: pip must not fetch (nor upgrade) anything
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if driver in SERVER_URLS:
        env["TEST_DATABASE_URL"] = (
            NOWHERE[driver] if database is None else SERVER_URLS[driver].format(name=database)
        )
        if service.name == LEDGER.name:  # the ledger's own database tests read their own variable
            server = {"asyncpg": "postgres", "aiomysql": "mysql"}.get(driver, "postgres")
            root = server if database is not None else "nowhere_test"
            env["LEDGER_DATABASE_URL"] = env["TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/" + root
    return env


def _adopt(tmp_path: Path, service: Service, driver: str) -> tuple[Path, Path, dict[str, bytes]]:
    """Template 1.0.0, and the service adopted from it by the README's steps (committed)."""
    template = snapshot_template(tmp_path / "template")
    project = tmp_path / service.name
    shutil.copytree(SERVICES / service.name, project)
    init_project(project)
    before = file_contents(project)
    answers = {**service.answers, "db_driver": driver, "existing_project": "true"}
    env = _env(service, driver, f"selftest_adopt_{service.name}_{driver}_{os.getpid()}")
    steps = readme_adoption_steps()
    install = next(i for i, step in enumerate(steps) if "pip install" in step)
    for step in steps[:install]:
        ran = run(_with_answers(step, template, answers), project, env)
        assert ran.returncode == 0, f"{step}\n{ran.output}"
    if "pyproject.toml" in before:
        _merge_pyproject(project)
    if service.integration_paths:
        _set_integration_paths(project, service.integration_paths)
    outputs = []
    for step in steps[install:]:
        # -rA only adds the per-test report lines, for the assertion below.
        ran = run([*shlex.split(step), *(["-rA"] if step == "pytest" else [])], project, env)
        assert ran.returncode == 0, f"{step}\n{ran.output}"
        outputs.append(ran.output)
    summary = outputs[-1].strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"skipped|failed|error|xpass", summary), summary
    assert "PASSED testkit/integration/test_database.py::test_schema_holds" in outputs[-1]
    return template, project, before


def _unchanged(project: Path, before: dict[str, bytes]) -> None:
    after = file_contents(project)
    changed = [
        name
        for name, data in before.items()
        if name != "pyproject.toml" and after.get(name) != data
    ]
    assert not changed, f"service files changed: {changed}"
    if "pyproject.toml" in before:  # only the README's merge, appended
        assert after["pyproject.toml"].startswith(before["pyproject.toml"])


@pytest.mark.parametrize(("service", "driver"), CASES)
def test_the_readme_steps_adopt_the_service_and_its_tables(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mypy_cache: Path,
    service: Service,
    driver: str,
) -> None:
    template, project, before = _adopt(tmp_path, service, driver)
    _unchanged(project, before)
    # No stub: nothing was generated in the service's package or under src/.
    package = service.answers["app_package"].replace(".", "/")
    added = set(file_contents(project)) - set(before)
    assert not [name for name in added if name.startswith(("src/", f"{package}/"))], added
    env = _env(service, driver, f"selftest_adopt_{service.name}_{driver}_{os.getpid()}")

    # The template's code in the service is lint- and type-clean with the suggested
    # settings (where the service took them: a pyproject.toml the copy created).
    if driver == "aiosqlite" and "pyproject.toml" not in before:
        for tool in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
            ran = run([BIN / tool[0], *tool[1:-1], "tests/test_utils", "testkit"], project, env)
            assert ran.returncode == 0, ran.output
        ran = run([BIN / "mypy", "--cache-dir", mypy_cache], project, env)
        assert ran.returncode == 0, ran.output

    # The integration fixtures hold the service's tables: its own code runs on them.
    (project / "checks").mkdir()
    (project / "checks/test_tables.py").write_text(
        "import pytest\n\npytestmark = pytest.mark.integration\n"
        + textwrap.dedent(service.uses_tables)
    )
    ran = run(["pytest", "-p", "no:randomly", "checks"], project, env)
    assert ran.returncode == 0, ran.output
    assert f"{service.uses_tables.count('async def test_')} passed" in ran.output, ran.output

    # Without a database server: nothing selected tries a socket (pytest-socket
    # would fail it), even with the server URLs pointing where nothing listens.
    offline = _env(service, driver, None)
    ran = run(["pytest", "-m", "not integration"], project, offline)
    assert ran.returncode == 0, ran.output
    assert re.search(r"\d+ passed, \d+ deselected", ran.output), ran.output

    # An update to a later version: the template's new files arrive, the service's stay.
    shutil.rmtree(project / "checks")
    commit_all(project, "adopt async-testkit")
    adopted = file_contents(project)
    kit = template / "template" / "{{ tests_dir }}"
    (kit / "unit" / "test_added_in_2.py").write_text("def test_new() -> None:\n    pass\n")
    append_line(template / "template/tests/test_utils/results.py", "# fixed in 2.0.0")
    append_line(template / "template/pyproject.toml.jinja", "# changed in 2.0.0")
    release(template, "2.0.0")

    capsys.readouterr()
    update(project, quiet=False)

    message = capsys.readouterr().err
    assert "Left out, for you to compare by hand" in message
    assert "pyproject.toml" in message
    after = file_contents(project)
    assert after["testkit/unit/test_added_in_2.py"].startswith(b"def test_new")
    assert after["tests/test_utils/results.py"].endswith(b"# fixed in 2.0.0\n")
    kept = {name for name in adopted if not name.startswith(("testkit/", "tests/test_utils/"))}
    kept -= {".copier-answers.yml", "TESTING.md", "tests/check_async_patterns.py"}
    assert {name for name in kept if after.get(name) != adopted[name]} == set()


def test_the_services_autouse_fixture_does_not_reach_the_templates_tests(tmp_path: Path) -> None:
    """The ledger's autouse fixture fails for any test but its own: proven by
    placing one template test under tests/ (it errors there), while the same test
    passes where the template puts it, in testkit/."""
    _, project, _ = _adopt(tmp_path, LEDGER, "aiosqlite")
    shutil.copy(project / "testkit/unit/test_results.py", project / "tests/test_results_here.py")
    env = _env(LEDGER, "aiosqlite", None)

    inside = run(["pytest", "tests/test_results_here.py"], project, env)
    where_it_belongs = run(["pytest", "testkit/unit/test_results.py"], project, env)

    assert inside.returncode != 0
    assert "seeds/test_results_here.sql" in inside.output, inside.output
    assert where_it_belongs.returncode == 0, where_it_belongs.output


def test_guards_fail_async_mistakes_but_not_a_dependencys_deprecation(tmp_path: Path) -> None:
    """shopcat imports a module that warns DeprecationWarning at import: shown, not
    an error. A never-awaited coroutine still fails the test that leaked it."""
    _, project, _ = _adopt(tmp_path, SHOPCAT, "aiosqlite")
    (project / "tests/test_leak.py").write_text(
        textwrap.dedent("""
            async def _work() -> None:
                pass

            def test_forgets_to_await() -> None:
                _work()
        """)
    )
    env = _env(SHOPCAT, "aiosqlite", None)

    ran = run(["pytest", "-p", "no:randomly", "tests"], project, env)

    assert "DeprecationWarning: legacy_units" in ran.output, ran.output
    assert re.search(r"FAILED tests/test_leak.py::test_forgets_to_await", ran.output), ran.output
    assert re.search(r"1 failed, 1 passed", ran.output), ran.output


def test_an_empty_metadata_fails_the_integration_tests_in_one_line(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    project = tmp_path / "notes"
    shutil.copytree(SERVICES / NOTES.name, project)
    (project / "notes/nothing.py").write_text(
        "from sqlalchemy import MetaData\n\nmetadata = MetaData()\n"
    )
    init_project(project)
    answers = {**NOTES.answers, "app_metadata": "notes.nothing:metadata", "db_driver": "aiosqlite"}
    copy = _with_answers(
        readme_adoption_steps()[1], template, {**answers, "existing_project": "true"}
    )
    env = _env(NOTES, "aiosqlite", None)
    assert run(copy, project, env).returncode == 0

    ran = run(["pytest", "-p", "no:randomly", "testkit/integration/test_database.py"], project, env)

    assert ran.returncode != 0
    lines = [line for line in ran.output.splitlines() if "has no table" in line]
    wanted = "app_metadata (notes.nothing:metadata) has no table"
    assert lines, ran.output
    assert all(wanted in line for line in lines), ran.output
    assert "Traceback" not in ran.output


# The ledger's env.py before it ran anything: Alembic "succeeds" without touching
# any database (as a public service's env.py that ignored the test URL did).
_IGNORES_EVERYTHING = """
from finances.models import Base

target_metadata = Base.metadata
"""
# An env.py that always runs on its own engine, in an event loop of its own.
_OWN_LOOP = """
import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from finances.models import Base


def run(connection):
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


async def main():
    engine = create_async_engine("sqlite+aiosqlite:///ledger.db")
    async with engine.connect() as connection:
        await connection.run_sync(run)
    await engine.dispose()


asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("env_py", "no_revision", "expected"),
    [
        pytest.param(
            _IGNORES_EVERYTHING,
            False,
            "alembic upgrade head did not reach the test database: its alembic_version is "
            "missing, the head is 0001. The env.py of alembic.ini must run the migrations on "
            "config.attributes['connection']",
            id="env-ignores-the-test-database",
        ),
        pytest.param(
            _OWN_LOOP,
            False,
            "alembic upgrade head ignored the test connection: it started an event loop of its own",
            id="env-runs-its-own-engine",
        ),
        pytest.param(None, True, "hold no revision", id="empty-versions"),
    ],
)
def test_migrations_that_miss_the_test_database_fail_in_one_line(
    template_repo: Path, tmp_path: Path, env_py: str | None, no_revision: bool, expected: str
) -> None:
    """Both happened on a real service: nothing may pass on an empty schema."""
    project = tmp_path / "ledger"
    shutil.copytree(SERVICES / LEDGER.name, project)
    if env_py is not None:
        (project / "migrations/env.py").write_text(textwrap.dedent(env_py))
    if no_revision:
        (project / "migrations/versions/0001_initial.py").unlink()
    init_project(project)
    answers = {**LEDGER_MIGRATED.answers, "db_driver": "aiosqlite", "existing_project": "true"}
    copy = _with_answers(readme_adoption_steps()[1], template_repo, answers)
    env = _env(LEDGER, "aiosqlite", None)
    assert run(copy, project, env).returncode == 0

    ran = run(["pytest", "-p", "no:randomly", "testkit/integration/test_database.py"], project, env)

    assert ran.returncode != 0
    lines = [line for line in ran.output.splitlines() if expected in line]
    assert lines, ran.output
    assert "Traceback" not in ran.output, ran.output
    assert not re.search(r"\d+ passed", ran.output), ran.output


def test_app_alembic_ini_must_exist_before_anything_is_written(
    template_repo: Path, tmp_path: Path
) -> None:
    answers = {"project_name": "svc", "existing_project": True, "migrations": "alembic"}
    for value, expected in [("alembic.ini", "does not exist"), ("../alembic.ini", "relative")]:
        service = tmp_path / value.replace("/", "_")
        shutil.copytree(SERVICES / NOTES.name, service)  # a service without Alembic
        before = file_contents(service)
        with pytest.raises(ValueError, match="app_alembic_ini") as refused:
            render(template_repo, service, {**answers, "app_alembic_ini": value})
        assert expected in str(refused.value)
        assert file_contents(service) == before


ADOPTION_BAD_ANSWERS = [
    ("app_package", "1finances", "dotted Python identifier"),
    ("app_package", "finances-api", "dotted Python identifier"),
    ("app_package", "finances..core", "dotted Python identifier"),
    ("app_package", "app.class", "keyword"),
    ("app_package", "asyncio", "shadow"),
    ("app_metadata", "finances.models.Base", "module:attribute"),
    ("app_metadata", "finances.models:", "module:attribute"),
    ("app_metadata", "finances/models.py:Base", "module:attribute"),
    ("app_engine_factory", "finances.db.make_engine", "module:function"),
    ("app_engine_factory", "finances.db:make engine", "module:function"),
]


@pytest.mark.parametrize(("question", "value", "expected"), ADOPTION_BAD_ANSWERS)
def test_bad_adoption_answers_are_refused_before_anything_is_written(
    template_repo: Path, tmp_path: Path, question: str, value: str, expected: str
) -> None:
    dest = tmp_path / "out"
    answers = {"project_name": "svc", "existing_project": True, question: value}

    with pytest.raises(ValueError, match=question) as refused:
        render(template_repo, dest, answers)

    assert expected in str(refused.value)
    assert not dest.exists()


def test_a_greenfield_project_neither_records_nor_validates_the_adoption_questions(
    template_repo: Path, tmp_path: Path
) -> None:
    """A greenfield answers file has no adoption answers, so `copier update` of it
    asks nothing new; a bad value given to a greenfield copy is ignored."""
    project = render(template_repo, tmp_path / "out", {"app_package": "1bad"})

    answers = (project / ".copier-answers.yml").read_text()
    assert "app_" not in answers
    assert "existing_project: false" in answers
    assert not (project / "tests/test_utils/plugin.py").exists()
    assert not (project / "testkit").exists()
    assert "from my_service.models import Base" in (project / "tests/test_utils/app.py").read_text()
