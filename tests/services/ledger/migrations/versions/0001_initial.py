"""Create accounts and the audit trail."""

from __future__ import annotations

revision = "0001"
down_revision = None
