"""A test-only table that exercises the generic repository infrastructure.

It is declared on its own ``MetaData`` so it never appears in the service's
schema or migrations; ``test_utils.schema`` creates it next to the service's
tables. The contract and isolation tests use it, so the infrastructure stays
tested whatever models the service has.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class SampleBase(DeclarativeBase):
    """Declarative base of the test-only tables (separate from the service's ``Base``)."""


class Note(SampleBase):
    """A row with an autoincrement key and a unique ``slug``: the shapes the contract needs."""

    __tablename__ = "test_utils_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(String(200), default="")
