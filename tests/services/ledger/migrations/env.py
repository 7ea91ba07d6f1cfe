"""Alembic environment (online migrations with the service's engine)."""

from __future__ import annotations

from finances.models import Base

target_metadata = Base.metadata
