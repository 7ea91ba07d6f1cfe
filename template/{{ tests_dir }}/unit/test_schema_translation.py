"""Named schemas on dialects without schemas: translated away, or refused when they collide."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from test_utils.schema import SchemaError, schema_translate_map


def _metadata(schema: str | None, *names: str) -> MetaData:
    metadata = MetaData(schema=schema)
    for name in names:
        Table(name, metadata, Column("id", Integer, primary_key=True))
    return metadata


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mariadb"])
def test_named_schemas_map_to_the_connections_own_database(dialect: str) -> None:
    metadata = (_metadata("public", "accounts"), _metadata("audit", "entries"))

    assert schema_translate_map(dialect, metadata) == {"public": None, "audit": None}


def test_postgresql_keeps_its_schemas() -> None:
    assert schema_translate_map("postgresql", (_metadata("audit", "entries"),)) == {}


def test_no_named_schema_needs_no_translation() -> None:
    assert schema_translate_map("sqlite", (_metadata(None, "notes"),)) == {}


def test_two_tables_that_would_become_one_are_refused() -> None:
    metadata = (_metadata("public", "events"), _metadata("audit", "events"))

    with pytest.raises(SchemaError, match=r"public\.events and audit\.events would both be events"):
        schema_translate_map("sqlite", metadata)
