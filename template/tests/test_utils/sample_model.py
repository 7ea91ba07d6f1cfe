"""Test-only tables that exercise the generic repository infrastructure.

They are declared on their own ``MetaData`` so they never appear in the
service's schema or migrations; ``test_utils.schema`` creates them next to the
service's tables. The contract, isolation, lazy-load and query-count tests use
them, so the infrastructure stays tested whatever models the service has.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class SampleBase(DeclarativeBase):
    """Declarative base of the test-only tables (separate from the service's ``Base``)."""


class Note(SampleBase):
    """A row with an autoincrement key and a unique ``slug``: the shapes the contract needs."""

    __tablename__ = "test_utils_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(String(200), default="")
    # Lazy-loaded (the default): reading it on an instance loaded without
    # ``selectinload(Note.comments)`` needs I/O, which async code cannot do implicitly.
    comments: Mapped[list[Comment]] = relationship(back_populates="note")


class Comment(SampleBase):
    """A child row of ``Note``: the smallest relationship a lazy load or an N+1 needs."""

    __tablename__ = "test_utils_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("test_utils_notes.id"))
    text: Mapped[str] = mapped_column(String(200))
    note: Mapped[Note] = relationship(back_populates="comments")
