"""One definition per choice: copier.yml's tables cover every choice, and only a
few files outside them name a specific database driver.

Adding a driver means a row in copier.yml's ``drivers`` table (and, for a new
kind of server, one in ``servers``) plus the files README.md's "Adding a
database driver" lists; this test keeps that list short and true.
"""

from __future__ import annotations

import re

from tests.helpers import (
    CLIENT_TABLE,
    COPIER_YML,
    DRIVER_TABLE,
    DRIVERS,
    HTTP_CLIENTS,
    MIGRATIONS,
    SERVER_TABLE,
    TEMPLATE_ROOT,
    WEB_FRAMEWORKS,
    WEB_TABLE,
    template_files,
)

# The files that still name a driver, and why. tests/services/ holds fixture
# services written like other people's code, with their own requirements.
NAMES_A_DRIVER = {
    "copier.yml": "the choices and their tables",
    "template/TESTING.md.jinja": "pitfalls of one driver (a prepared-statement cache)",
    "template/{{ tests_dir }}/unit/test_db_mock_parity.py": "the parity tests' embedded engine",
    "tests/test_testing_doc.py": "the driver-specific pitfalls TESTING.md must explain",
    "tests/test_adoption.py": "each fixture service's own driver",
}
MAX_FILES = 6


def _naming_a_driver() -> set[str]:
    word = re.compile(r"\b(" + "|".join(map(re.escape, DRIVERS)) + r")\b")
    return {
        name
        for name in template_files()
        if (name == "copier.yml" or name.startswith(("template/", "tests/")))
        and not name.startswith("tests/services/")
        and word.search((TEMPLATE_ROOT / name).read_text(errors="replace"))
    }


def test_at_most_six_files_name_a_driver() -> None:
    assert len(NAMES_A_DRIVER) <= MAX_FILES
    assert _naming_a_driver() == set(NAMES_A_DRIVER)


def test_every_choice_has_its_row_and_every_row_a_choice() -> None:
    assert set(DRIVER_TABLE) == set(DRIVERS)
    assert set(CLIENT_TABLE) == set(HTTP_CLIENTS)
    migration_tools = COPIER_YML["migration_tools"]["default"]
    assert set(migration_tools) == set(MIGRATIONS)
    for row in migration_tools.values():
        assert "dependency" not in row or re.fullmatch(r"[\w.-]+>=[\d.]+", row["dependency"]), row
    assert set(WEB_TABLE) == set(WEB_FRAMEWORKS)
    for row in WEB_TABLE.values():
        for key in ("dependency", "test_dependency"):
            assert key not in row or re.fullmatch(r"[\w.\[\]-]+>=[\d.]+", row[key]), row
    assert {row["server"] for row in DRIVER_TABLE.values()} == set(SERVER_TABLE)
    assert COPIER_YML["parity_driver"]["default"] in DRIVERS
    for driver, row in DRIVER_TABLE.items():
        # the SQLAlchemy dialect of the scheme is the server's (SQLite: embedded)
        dialect = row["scheme"].split("+")[0]
        assert dialect == {"none": "sqlite"}.get(row["server"], row["server"]), (driver, row)
        assert re.fullmatch(r"[\w.\[\]-]+>=[\d.]+", row["dependency"]), row
    for name, server in SERVER_TABLE.items():
        if name != "none":
            assert {
                "authority",
                "port",
                "image",
                "health",
                "service",
                "ci_env",
                "ci_database_variable",
            } <= set(server)
            assert server["authority"].endswith(f":{server['port']}"), server


def test_the_readme_lists_the_files_a_new_driver_changes() -> None:
    readme = (TEMPLATE_ROOT / "README.md").read_text()
    section = readme.split("## Adding a database driver", 1)[1].split("\n## ", 1)[0]

    listed = set(re.findall(r"^- `([^`]+)`", section, re.MULTILINE))
    assert listed == set(NAMES_A_DRIVER), listed ^ set(NAMES_A_DRIVER)
