"""Create accounts and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS audit")
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        schema="public",
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("public.accounts.id"), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        schema="audit",
    )


def downgrade():
    op.drop_table("audit_entries", schema="audit")
    op.drop_table("accounts", schema="public")
