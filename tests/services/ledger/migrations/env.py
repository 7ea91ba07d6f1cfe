"""Alembic environment (online migrations with the service's engine).

Runs on the connection a caller hands over in config.attributes["connection"]
(the test suite does), else on sqlalchemy.url from alembic.ini.
"""

from __future__ import annotations

import asyncio

from alembic import context

from finances.db import make_engine
from finances.models import Base

target_metadata = Base.metadata


def do_run_migrations(connection):
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is None:
    asyncio.run(run_async_migrations())
else:
    do_run_migrations(connection)
