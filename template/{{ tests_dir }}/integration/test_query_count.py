"""``count_queries`` / ``assert_max_queries`` catch an N+1 loop on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from test_utils import assert_max_queries, count_queries
from test_utils.sample_model import Comment, Note


async def _comment_counts_n_plus_one(session: AsyncSession) -> dict[str, int]:
    """One query for the notes, then one more per note: the N+1 loop."""
    counts: dict[str, int] = {}
    for note in (await session.scalars(select(Note))).all():
        comments = await session.scalars(select(Comment).where(Comment.note_id == note.id))
        counts[note.slug] = len(comments.all())
    return counts


async def _comment_counts(session: AsyncSession) -> dict[str, int]:
    """The same answer in two queries, however many notes there are."""
    notes = (await session.scalars(select(Note).options(selectinload(Note.comments)))).all()
    return {note.slug: len(note.comments) for note in notes}


async def _arrange_notes(session: AsyncSession, how_many: int) -> None:
    session.add_all(
        Note(slug=f"note-{n}", comments=[Comment(text="a"), Comment(text="b")])
        for n in range(how_many)
    )
    await session.commit()


async def test_count_queries_records_each_statement(db_session: AsyncSession) -> None:
    with count_queries(db_session) as log:
        await db_session.scalars(select(Note))
        await db_session.get(Note, 1)

    assert log.count == 2
    assert all("test_utils_notes" in sql for sql in log.statements)


async def test_transaction_control_is_not_counted(
    db_session_factory: async_sessionmaker[AsyncSession],
) -> None:
    with count_queries(db_session_factory) as log:
        async with db_session_factory() as session:  # SAVEPOINT ... RELEASE SAVEPOINT
            session.add(Note(slug="one-insert"))
            await session.commit()

    assert log.count == 1
    assert log.statements[0].lstrip().upper().startswith("INSERT")


async def test_assert_max_queries_catches_the_n_plus_one_loop(
    db_session: AsyncSession, db_session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _arrange_notes(db_session, 3)

    async with db_session_factory() as session:
        with (
            pytest.raises(AssertionError, match=r"at most 2 queries, 4 ran"),
            assert_max_queries(session, 2),
        ):
            await _comment_counts_n_plus_one(session)


async def test_eager_loading_stays_within_the_limit(
    db_session: AsyncSession, db_session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _arrange_notes(db_session, 3)

    async with db_session_factory() as session:
        with assert_max_queries(session, 2):
            counts = await _comment_counts(session)

    assert counts == {"note-0": 2, "note-1": 2, "note-2": 2}


async def test_an_engine_is_accepted_too(db_engine: AsyncEngine) -> None:
    with count_queries(db_engine) as log:
        async with db_engine.connect() as connection:
            await connection.execute(select(Note.id))

    assert log.count == 1


def test_a_session_without_one_bind_is_refused() -> None:
    session = AsyncSession()  # no bind: what would it listen to?
    with (
        pytest.raises(TypeError, match="not bound to one engine or connection"),
        count_queries(session),
    ):
        pass
