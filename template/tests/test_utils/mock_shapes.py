"""What a mock of a SQLAlchemy class must look like, read from the real class.

For every public member this records whether it is a coroutine method, a sync
method, a sync method returning an async context manager (``@asynccontextmanager``)
or a plain attribute, plus its call signature and return type: the annotation,
or the ``RETURNS`` entry where the annotation names a type variable or a
private class. The shapes are derived once per class and cached: a new
SQLAlchemy release that adds or changes a public method is followed without
editing this file, and a test pays only for the mocks it touches.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from sqlalchemy.engine import MappingResult, Result, ScalarResult
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncMappingResult,
    AsyncResult,
    AsyncScalarResult,
    AsyncSession,
    async_sessionmaker,
)

from test_utils.call_rules import Rule, rules_for

Kind = Literal["async", "sync", "async_context", "attribute"]
_F = TypeVar("_F", bound=Callable[..., Any])

# Dunders that SQLAlchemy classes implement and code under test uses.
_DUNDERS = frozenset({"__aenter__", "__aexit__", "__await__", "__call__", "__aiter__"})
_NAME = re.compile(r"[\w.]+")
# "Any": the value is the user's data (rows, scalars, mapped objects, what a
# run_sync function returns); no class describes it.
DATA = "Any"
_RESULT_CLASSES = (Result, ScalarResult, MappingResult)
_ASYNC_RESULT_CLASSES = (AsyncResult, AsyncScalarResult, AsyncMappingResult)
# (class, method) -> the return type a mock uses, where the annotation names a
# type variable or a private class instead of a public class: async_sessionmaker
# is generic in its session class (``_AS``) and its ``begin()`` returns a private
# context manager class; the rest return the user's data. Looked up along the MRO,
# so subclasses (SQLModel's AsyncSession) inherit the entries.
RETURNS: dict[tuple[type[Any], str], str] = {
    (async_sessionmaker, "__call__"): "AsyncSession",
    (async_sessionmaker, "begin"): "AsyncIterator[AsyncSession]",
    (AsyncSession, "get_one"): DATA,
    (AsyncSession, "merge"): DATA,
    (AsyncSession, "merge_all"): DATA,  # SQLAlchemy >= 2.1
    (AsyncSession, "run_sync"): DATA,
    (AsyncConnection, "run_sync"): DATA,
    (Result, "scalar_one"): DATA,
    (AsyncResult, "scalar_one"): DATA,
    **{
        (cls, method): DATA
        for cls in _RESULT_CLASSES + _ASYNC_RESULT_CLASSES
        for method in ("all", "fetchall", "fetchmany", "one", "partitions")
    },
}


@dataclass(frozen=True, eq=False)
class Member:
    """One attribute of the real class (compared and hashed by identity)."""

    owner: str
    name: str
    kind: Kind
    signature: inspect.Signature | None = None
    returns: str = ""
    rules: tuple[Rule, ...] = ()

    def check_call(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> inspect.BoundArguments | None:
        """Raise (or warn) where calling the real method with these arguments would."""
        if self.signature is None:
            return None
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.owner}.{self.name}(): {exc}") from None
        for rule in self.rules:
            rule(bound)
        return bound


@dataclass(frozen=True)
class Shape:
    """The members of one real class, by name."""

    cls: type[Any]
    members: dict[str, Member]

    @property
    def awaitable(self) -> bool:
        return "__await__" in self.members

    @property
    def call(self) -> Member | None:
        return self.members.get("__call__")


def per_class(func: _F) -> _F:
    """``functools.cache`` for a function of a class, keeping its signature: mypy
    does not accept a ``type[Any]`` argument as ``Hashable`` (mypy 2.4)."""
    return cast(_F, functools.cache(func))


@per_class
def shape_of(cls: type[Any]) -> Shape:
    """The shape of ``cls``: every name in ``dir(cls)`` plus annotated instance attributes."""
    names = {name for name in dir(cls) if not _is_dunder(name) or name in _DUNDERS}
    for klass in cls.__mro__:
        names.update(name for name in vars(klass).get("__annotations__", {}) if name[0] != "_")
    return Shape(cls, {name: _member(cls, name) for name in sorted(names)})


def return_head(annotation: str) -> tuple[str, str]:
    """``("Result", "Any")`` for ``"sqlalchemy.engine.Result[Any]"``: class name and argument."""
    text = annotation.strip().strip("'\"")
    match = _NAME.match(text)
    head = match.group().rsplit(".", 1)[-1] if match else ""
    inner = text[text.find("[") + 1 : text.rfind("]")] if "[" in text else ""
    if (head in {"Optional", "Union"} and "None" in inner) or text.endswith("| None"):
        return "None", ""
    return head, inner.strip()


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _member(cls: type[Any], name: str) -> Member:
    try:
        raw = inspect.getattr_static(cls, name)
    except AttributeError:  # annotated only: set on the instance by __init__
        return Member(cls.__name__, name, "attribute")
    if isinstance(raw, staticmethod):
        func, bound = raw.__func__, False
    elif isinstance(raw, classmethod):
        func, bound = raw.__func__, True
    elif inspect.isfunction(raw):
        func, bound = raw, True
    else:
        return Member(cls.__name__, name, "attribute")
    signature = _signature(func, bound)
    rules = () if signature is None else rules_for(cls, name, func, signature)
    returns = _declared(cls, name) or _returns(func)
    return Member(cls.__name__, name, _kind(func), signature, returns, rules)


def _declared(cls: type[Any], name: str) -> str | None:
    """The ``RETURNS`` entry of ``cls.name`` or of the same method of a base class."""
    return next((RETURNS[k, name] for k in cls.__mro__ if (k, name) in RETURNS), None)


def _kind(func: Any) -> Kind:
    if inspect.iscoroutinefunction(func):
        return "async"
    if inspect.isasyncgenfunction(getattr(func, "__wrapped__", None)):
        return "async_context"
    return "sync"


def _signature(func: Any, bound: bool) -> inspect.Signature | None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # no introspectable signature: calls are not checked
        return None
    parameters = list(signature.parameters.values())
    return signature.replace(parameters=parameters[1:] if bound else parameters)


def _returns(func: Any) -> str:
    annotation = getattr(func, "__annotations__", {}).get("return", "")
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        return annotation.__qualname__
    return str(annotation)
