"""What a mock of a SQLAlchemy class must look like, read from the real class.

For every public member this records whether it is a coroutine method, a sync
method, a sync method returning an async context manager (``@asynccontextmanager``)
or a plain attribute, plus its call signature and return annotation. The shapes
are derived once per class and cached: a new SQLAlchemy release that adds or
changes a method is followed without editing this file, and a test pays only
for the mocks it touches.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, Literal

from test_utils.call_rules import Rule, rules_for

Kind = Literal["async", "sync", "async_context", "attribute"]

# Dunders that SQLAlchemy classes implement and code under test uses.
_DUNDERS = frozenset({"__aenter__", "__aexit__", "__await__", "__call__", "__aiter__"})
_NAME = re.compile(r"[\w.]+")


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


_SHAPES: dict[type[Any], Shape] = {}


def shape_of(cls: type[Any]) -> Shape:
    """The shape of ``cls``: every name in ``dir(cls)`` plus annotated instance attributes."""
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _derive(cls)
    return shape


def _derive(cls: type[Any]) -> Shape:
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
    return Member(cls.__name__, name, _kind(func), signature, _returns(func), rules)


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
