"""The generated migration tests catch a model change that has no migration."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from tests.helpers import EMBEDDED, Combo, run, suite_env

COMBO = Combo(EMBEDDED, "none", True, migrations="alembic")


def test_a_model_change_without_a_migration_fails_the_drift_test_naming_it(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    project = tmp_path / "p"
    shutil.copytree(rendered(COMBO), project)
    models = project / "src/selftest_service/models.py"
    text = models.read_text()
    assert "    price_cents: Mapped[int]\n" in text
    models.write_text(
        text.replace(
            "    price_cents: Mapped[int]\n",
            "    price_cents: Mapped[int]\n    colour: Mapped[str] = mapped_column(String(20))\n",
        )
    )

    ran = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "tests/integration/test_migrations.py",
        ],
        project,
        suite_env(COMBO),
    )

    assert ran.returncode != 0, ran.output
    assert re.search(r"1 failed, 3 passed", ran.output), ran.output
    failure = next(line for line in ran.output.splitlines() if line.startswith("FAILED "))
    assert "test_the_models_match_the_migrations" in failure, ran.output
    assert "add_column products.colour" in failure, failure
    assert 'alembic revision --autogenerate -m "<what changed>"' in failure, failure
