from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from notes.tables import notes


async def add_note(connection: AsyncConnection, title: str) -> None:
    await connection.execute(insert(notes).values(title=title))


async def count_notes(connection: AsyncConnection) -> int:
    return await connection.scalar(select(func.count()).select_from(notes)) or 0
