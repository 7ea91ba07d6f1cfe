"""A forgotten ``await`` on a mock names the method and the line that called it.

A coroutine method of a plain ``AsyncMock`` left un-awaited warns
``coroutine 'AsyncMockMixin._execute_mock_call' was never awaited``: neither
the method nor the caller. The mocks' coroutine methods return a coroutine of
``_mock_call`` instead, which remembers the call site, and Python's hook for
that warning (``warnings._warn_unawaited_coroutine``) is wrapped so it says
``mock_session.commit() was never awaited (called at src/pkg/repo.py:121)``.
Other coroutines keep Python's own message.

``collect_garbage`` is the per-test guard of the conftest (``tests/conftest.py``;
``test_utils/plugin.py`` in an adopted service).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import unittest.mock
import warnings
from collections.abc import Callable, Coroutine
from typing import Any
from unittest.mock import AsyncMockMixin

_HOOK = "_warn_unawaited_coroutine"
_LIBRARY_FILES = frozenset({unittest.mock.__file__})
_OWN_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def mock_coroutine(
    mock: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    finish: Callable[[Any], Any] | None = None,
) -> Coroutine[Any, Any, Any]:
    """What calling the coroutine method ``mock`` returns: awaiting it runs the mock.

    ``finish``, if given, is applied to what the mock returns.
    """
    return _mock_call(mock, _call_site(), args, kwargs, finish)


async def _mock_call(
    mock: Any,
    site: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    finish: Callable[[Any], Any] | None,
) -> Any:
    del site  # read from the frame by _warn_unawaited when the await is forgotten
    value = await AsyncMockMixin._execute_mock_call(mock, *args, **kwargs)
    return value if finish is None else finish(value)


def _call_site() -> str:
    """``path:line`` of the first caller outside unittest.mock and this package."""
    frame = sys._getframe(2)
    while frame.f_back is not None and (
        frame.f_code.co_filename in _LIBRARY_FILES
        or os.path.dirname(frame.f_code.co_filename) == _OWN_PACKAGE
    ):
        frame = frame.f_back
    path = frame.f_code.co_filename
    with contextlib.suppress(ValueError):  # on another drive (Windows): keep it absolute
        path = os.path.relpath(path)
    return f"{path}:{frame.f_lineno}"


def _warn_unawaited(coroutine: Any) -> None:
    if getattr(coroutine, "cr_code", None) is not _mock_call.__code__:
        _python_hook(coroutine)
        return
    local = coroutine.cr_frame.f_locals
    name = local["mock"]._extract_mock_name()
    message = f"{name}() was never awaited (called at {local['site']})"
    warnings.warn(message, RuntimeWarning, stacklevel=2, source=coroutine)


_installed: Any = getattr(warnings, _HOOK, None)
# Imported again (another import path): wrap Python's hook, not the previous wrapper.
_python_hook: Any = getattr(_installed, "__globals__", {}).get("_python_hook", _installed)
if _python_hook is not None:  # a Python without the hook keeps its own message
    setattr(warnings, _HOOK, _warn_unawaited)


def collect_garbage() -> None:
    """After each test: finalize what it leaked, so a forgotten await fails that test.

    pytest keeps a failed test's exception in ``sys.last_value`` (and
    ``last_exc`` / ``last_traceback``) until the next test starts; through it,
    the frames and ``AttributeError.obj`` keep a leaked coroutine alive, and its
    warning would fail the next, unrelated test. Dropping that reference first
    charges the leak to the test that made it, even when it also failed.
    """
    for name in ("last_exc", "last_type", "last_value", "last_traceback"):
        vars(sys).pop(name, None)
    gc.collect()
