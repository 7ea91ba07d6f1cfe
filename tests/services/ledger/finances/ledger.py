"""Posting money to accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finances.models import Account, AuditEntry


async def open_account(session: AsyncSession, name: str) -> Account:
    account = Account(name=name, balance_cents=0)
    session.add(account)
    await session.flush()
    session.add(AuditEntry(account_id=account.id, note=f"opened {name}"))
    await session.commit()
    return account


async def balance(session: AsyncSession, name: str) -> int:
    found = await session.scalar(select(Account.balance_cents).where(Account.name == name))
    if found is None:
        raise LookupError(name)
    return found
