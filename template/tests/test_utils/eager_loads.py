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

import functools
import inspect
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import MappingResult, Result, ScalarResult
from sqlalchemy.ext.asyncio import AsyncMappingResult, AsyncResult, AsyncScalarResult

from test_utils.results import make_result

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


class RowsState:
    """Whether the rows of a mock result (and of its ``scalars()``, ``mappings()``)
    are refused until ``unique()``: set by each statement the result is handed out for."""

    __slots__ = ("needs_unique", "uniqued")

    def __init__(self) -> None:
        self.needs_unique = False
        self.uniqued = False

    def handed_out(self, *, needs_unique: bool) -> None:
        """The result is handed out again, for a statement that does or does not need it."""
        self.needs_unique = needs_unique
        self.uniqued = False

    def called(self, name: str, _bound: inspect.BoundArguments | None) -> None:
        """A method of the result (or of one derived from it) was called."""
        if name == "unique":
            self.uniqued = True

    def check(self, type_name: str, method: str, value: Any) -> None:
        """Raise the real error if ``method`` would refuse the configured ``value``."""
        if not self.needs_unique or self.uniqued or value is None or value == []:
            return
        if refuses_rows(type_name.removeprefix("Async"), method):
            raise exc.InvalidRequestError(MESSAGE)


@functools.cache
def refuses_rows(type_name: str, method: str) -> bool:
    """Whether ``method()`` of a real result of ``type_name`` holding one row of a joined
    collection load raises (``all()``, ``one()`` do; ``first()``, ``scalar()`` do not)."""
    sample = unique_required(_one_row(type_name))
    try:
        getattr(sample, method)()
    except exc.InvalidRequestError as error:
        return str(error) == MESSAGE
    except (TypeError, exc.SQLAlchemyError):  # needs arguments, or refuses for another reason
        return False
    return False


def _one_row(type_name: str) -> Any:
    result = make_result(scalars=[object()])
    if type_name == "ScalarResult":
        return result.scalars()
    if type_name == "MappingResult":
        return result.mappings()
    return result


def _refuse(_row: Any) -> Any:
    raise exc.InvalidRequestError(MESSAGE)
