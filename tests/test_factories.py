"""The generated model factories: rows vanish with each test's rollback, data follow the seed.

The generated ``tests/integration/test_factories.py`` asserts, in every test, that
the products table is empty before it creates rows through ``product_factory``.
Here it runs on two workers under two pytest-randomly seeds, on the embedded
driver and on a server; then with a factory that commits through a session of
its own (polyfactory's documented setup), whose rows must be caught leaking.
Finally a test's factory data must be the same for the same seed, whatever the
workers, and change with the seed.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import EMBEDDED, SERVER_DRIVERS, Combo, combo_params, run, suite_env

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "randomly", "-rA"]
PROOF = "tests/integration/test_factories.py"
PROOF_TESTS = 7
SEEDS = (1, 2)
PROVING = [Combo(EMBEDDED, "none", True), Combo(SERVER_DRIVERS[0], "none", True)]

# polyfactory's documented persistence: a session factory on the engine, committing.
COMMITTING_FIXTURE = """
import pytest
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyPersistenceMethod
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from test_utils.factories import ProductFactory


@pytest.fixture
def product_factory(db_engine: AsyncEngine) -> type[ProductFactory]:
    class Committing(ProductFactory):
        __async_session__ = async_sessionmaker(db_engine, expire_on_commit=False)
        __persistence_method__ = SQLAlchemyPersistenceMethod.COMMIT

    return Committing
"""

RECORDER = """
import json
import os
from pathlib import Path

import pytest

from test_utils import ProductFactory


@pytest.mark.parametrize("case", range(6))
def test_record(case: int) -> None:
    data = [(p.sku, p.name, p.price_cents) for p in ProductFactory.batch(2)]
    Path(os.environ["FACTORY_RECORD"], f"{case}.json").write_text(json.dumps(data))
"""


def _passed(output: str) -> set[str]:
    return set(re.findall(rf"^PASSED {re.escape(PROOF)}::(\S+)", output, re.MULTILINE))


@pytest.mark.parametrize("combo", combo_params(PROVING))
def test_factory_rows_vanish_on_two_workers_under_two_seeds(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    project = rendered(combo)
    for seed in SEEDS:
        ran = run([*PYTEST, "-n", "2", f"--randomly-seed={seed}", PROOF], project, suite_env(combo))

        assert ran.returncode == 0, ran.output
        assert f"Using --randomly-seed={seed}" in ran.output, ran.output
        assert "2 workers [" in ran.output, ran.output
        assert len(_passed(ran.output)) == PROOF_TESTS, ran.output


def test_a_committing_factory_is_caught_leaking(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    # On SQLite the same mistake fails too, more slowly: the committing connection
    # waits for the test's own open transaction ("database is locked").
    combo = PROVING[1]
    project = shutil.copytree(rendered(combo), tmp_path / "project")
    (project / "tests" / "test_utils" / "factory_fixtures.py").write_text(COMMITTING_FIXTURE)

    ran = run([*PYTEST, "-n", "2", f"--randomly-seed={SEEDS[0]}", PROOF], project, suite_env(combo))

    assert ran.returncode == 1, ran.output
    failures = re.findall(rf"^FAILED {re.escape(PROOF)}::\S+ - (.*)$", ran.output, re.MULTILINE)
    # Each worker's first test passes; every later one finds the committed rows.
    assert len(failures) >= PROOF_TESTS - 2, ran.output
    assert all(re.fullmatch(r"assert [1-9]\d* == 0", failure) for failure in failures), failures


def _record(project: Path, out: Path, *args: str) -> dict[str, object]:
    out.mkdir()
    combo = PROVING[0]
    env = suite_env(combo, FACTORY_RECORD=str(out))
    ran = run([*PYTEST, *args, "tests/unit/test_record_factory_data.py"], project, env)
    assert ran.returncode == 0, ran.output
    return {path.name: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}


@pytest.mark.parametrize("reseeded", [True, False], ids=["as-generated", "random-seed-attribute"])
def test_factory_data_depend_on_the_seed_only(
    reseeded: bool, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    project = shutil.copytree(rendered(PROVING[0]), tmp_path / "project")
    (project / "tests" / "unit" / "test_record_factory_data.py").write_text(RECORDER)
    if not reseeded:  # the mistake: seeding the factory once, at import
        factories = project / "tests" / "test_utils" / "factories.py"
        line = "    __set_primary_key__ = False\n"
        source = factories.read_text()
        assert line in source
        factories.write_text(source.replace(line, line + "    __random_seed__ = 1\n"))

    # Same seed, other workers (so other cases ran before each one).
    first = _record(project, tmp_path / "a", "-n", "2", "--randomly-seed=7")
    again = _record(project, tmp_path / "b", "-n", "0", "--randomly-seed=7")

    assert len(first) == len(again) == 6
    if not reseeded:
        # Each worker starts from the same state: the data depend on the history.
        assert first != again
        return
    assert first == again
    assert len({json.dumps(data) for data in first.values()}) == 6, first
    other = _record(project, tmp_path / "c", "-n", "0", "--randomly-seed=8")
    assert all(first[case] != other[case] for case in first), (first, other)
