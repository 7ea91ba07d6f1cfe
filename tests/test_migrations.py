"""The generated migration tests fail, naming the problem and the fix, on a model
change that has no migration and on a revision whose downgrade does not undo it."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from tests.helpers import EMBEDDED, Combo, run, suite_env

COMBO = Combo(EMBEDDED, "none", True, migrations="alembic")
# A revision adding the column, whose downgrade forgets to drop it.
HALF_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("products", sa.Column("colour", sa.String(20), nullable=False))


def downgrade() -> None:
    pass
"""


def _with_a_colour(rendered: Callable[[Combo], Path], tmp_path: Path) -> Path:
    """A copy of the rendered project whose Product model has a new column."""
    project = tmp_path / "p"
    shutil.copytree(rendered(COMBO), project)
    models = project / "src/selftest_service/models.py"
    text = models.read_text()
    assert "    price_cents: Mapped[int]\n" in text
    column = "    colour: Mapped[str] = mapped_column(String(20))\n"
    models.write_text(
        text.replace("    price_cents: Mapped[int]\n", f"    price_cents: Mapped[int]\n{column}")
    )
    return project


def _failure(project: Path) -> tuple[str, str]:
    """The migration tests' output, and its one FAILED line."""
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
    ran = run(
        [*command, "-n", "0", "tests/integration/test_migrations.py"], project, suite_env(COMBO)
    )
    assert ran.returncode != 0, ran.output
    assert re.search(r"1 failed, 3 passed", ran.output), ran.output
    failed = [line for line in ran.output.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1, ran.output
    return ran.output, failed[0]


def test_a_model_change_without_a_migration_fails_the_drift_test_naming_it(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    project = _with_a_colour(rendered, tmp_path)

    output, failure = _failure(project)

    assert "test_the_models_match_the_migrations" in failure, output
    assert "add_column products.colour" in failure, failure
    assert 'alembic revision --autogenerate -m "<what changed>"' in failure, failure


def test_a_downgrade_that_leaves_a_column_fails_the_stairway_test(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    project = _with_a_colour(rendered, tmp_path)
    (project / "migrations/versions/0002_colour.py").write_text(HALF_REVISION)

    output, failure = _failure(project)

    assert "test_every_revision_upgrades_and_downgrades_cleanly" in failure, output
    assert "downgrade() of revision 0002 does not undo its upgrade()" in failure, failure
