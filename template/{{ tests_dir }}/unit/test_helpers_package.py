"""``test_utils`` hands out every helper it lists, each imported on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import test_utils


def test_every_listed_helper_comes_from_the_package_under_its_own_name() -> None:
    for name in test_utils.__all__:
        helper = getattr(test_utils, name)

        assert helper.__name__ == name, f"test_utils.{name} is {helper!r}"


def test_importing_the_package_imports_no_helper_module() -> None:
    """What keeps pytest-xdist's controller light (see ``test_utils/__init__.py``)."""
    code = "import sys, test_utils; print([m for m in sys.modules if m.startswith('test_utils.')])"
    ran = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(test_utils.__file__).parents[1])},
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"


def test_every_helper_the_package_can_import_is_listed() -> None:
    """A helper added to the import map but not to ``__all__`` would be hidden from
    ``from test_utils import *`` and from the first test above."""
    importable = {name for names in test_utils._MODULES.values() for name in names}

    assert importable == set(test_utils.__all__)
