"""A joined eager load of a collection needs ``.unique()``, on the mocks as on a database.

``select(Parent).options(joinedload(Parent.children))`` returns one row per
child; SQLAlchemy refuses to hand such rows out until ``.unique()`` folds them
back into one object per parent: ``.scalars().all()`` raises
``InvalidRequestError: The unique() method must be invoked on this Result ...``
(``first()`` and ``scalar()`` do not). Code that forgets it passes on a plain
mock and fails on the first real query.

Whether a statement needs it is decided by SQLAlchemy: compiling an ORM
statement runs its loader options, and a joined load of a collection sets
``multi_row_eager_loaders`` on the compile state (what ``orm/loading.py`` reads
to install its filter). Only ORM statements with loader options are compiled,
so other statements cost nothing. A real result handed out for such a
statement gets the same row filter the real one gets, so each result method
raises exactly where the real one does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import MappingResult, Result, ScalarResult
from sqlalchemy.ext.asyncio import AsyncMappingResult, AsyncResult, AsyncScalarResult

# The text of orm/loading.py (identical in SQLAlchemy 2.0 and 2.1; a parity test compares it).
MESSAGE = (
    "The unique() method must be invoked on this Result, as it contains results that "
    "include joined eager loads against collections"
)
_FILTERED = (
    Result,
    ScalarResult,
    MappingResult,
    AsyncResult,
    AsyncScalarResult,
    AsyncMappingResult,
)


def requires_unique(statement: Any) -> bool:
    """Whether the real session's result of ``statement`` refuses rows until ``unique()``."""
    if not getattr(statement, "_with_options", None):
        return False  # no loader options (or not a statement): nothing to compile
    plugin = getattr(statement, "_propagate_attrs", {}).get("compile_state_plugin")
    if plugin != "orm":
        return False
    compile_state = statement.compile().compile_state
    return bool(getattr(compile_state, "multi_row_eager_loaders", False))


def unique_required(value: Any) -> Any:
    """``value`` with the row filter of a joined collection load, if it is a real result.

    A result that is already unique (``make_result().unique()``) is left as it is.
    """
    if isinstance(value, _FILTERED) and value._unique_filter_state is None:
        value._unique_filter_state = (set(), _refuse)
    return value


def _refuse(_row: Any) -> Any:
    raise exc.InvalidRequestError(MESSAGE)
