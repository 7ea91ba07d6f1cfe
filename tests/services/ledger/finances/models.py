"""Tables of the ledger: accounts in schema "public", the audit trail in "audit"."""

from __future__ import annotations

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData(schema="public")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    balance_cents: Mapped[int] = mapped_column(default=0)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("public.accounts.id"))
    note: Mapped[str] = mapped_column(String(200))
