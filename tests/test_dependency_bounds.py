"""The lower bounds the generated pyproject.toml declares are tested, not guessed.

Every ``>=`` bound of the runtime dependencies and the ``test`` extra is pinned
to exactly that version, installed with the oldest supported Python into a
fresh virtual environment, and the generated suite (integration tests
included) must pass there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import (
    DRIVERS,
    HTTP_CLIENTS,
    MIGRATIONS,
    OLDEST_PYTHON,
    Combo,
    check,
    lowest_pins,
    make_venv,
    python_or_skip,
    render,
    run,
    suite_env,
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "combo",
    # every driver once, the clients, the examples and the migrations answers varied
    # across them (alembic on the second and third: with and without examples)
    [
        Combo(d, HTTP_CLIENTS[i % 3], i % 2 == 0, MIGRATIONS[(i + 1) // 2 % 2])
        for i, d in enumerate(DRIVERS)
    ],
    ids=lambda c: c.id,
)
def test_generated_suite_passes_on_the_lowest_declared_versions(
    combo: Combo, template_repo: Path, tmp_path: Path
) -> None:
    python = python_or_skip(OLDEST_PYTHON)
    project = render(template_repo, tmp_path / "p", combo.answers(python_version=OLDEST_PYTHON))
    pins = lowest_pins(project / "pyproject.toml")
    venv_python = make_venv(python, tmp_path / "venv")

    check([venv_python, "-m", "pip", "install", "-q", *pins], project)
    check([venv_python, "-m", "pip", "install", "-q", "--no-deps", "-e", "."], project)
    installed = check([venv_python, "-m", "pip", "freeze"], project).lower()
    ran = run(
        [venv_python, "-m", "pytest", "-p", "no:cacheprovider", "-q"], project, suite_env(combo)
    )

    for pin in pins:
        name, version = pin.split("==")
        assert f"{name.split('[')[0].lower()}=={version}" in installed, f"{pin} not installed"
    assert ran.returncode == 0, ran.output
    assert "skipped" not in ran.output, ran.output
