"""What the real session and connection reject before any SQL runs, as checks on the mocks.

Each check calls the function SQLAlchemy itself calls on that argument, so the
mock raises the real exception with the real text:

- a statement goes through SQLAlchemy's statement coercion (a plain string
  raises ``ArgumentError: Textual SQL expression ... should be explicitly
  declared as text(...)``); on a connection, a non-executable object raises
  ``ObjectNotExecutableError``;
- ``instance`` / ``instances`` must be mapped (``object_mapper``), ``entity``
  must be something ``sqlalchemy.inspect`` knows (a mapped class, an alias);
- keywords that ``AsyncSession.execute``-like methods pass on to
  ``Session.execute`` must be ones ``Session.execute`` accepts;
- a method or parameter documented as deprecated (``.. deprecated::`` in the
  installed SQLAlchemy's docstrings) warns with ``SADeprecationWarning``.

Which check applies is read from the parameter names of the real methods, so a
session subclass (SQLModel's ``exec``) and a new SQLAlchemy release are covered.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import object_mapper
from sqlalchemy.sql import coercions, roles

Rule = Callable[[inspect.BoundArguments], None]

_DEPRECATED = re.compile(r"\.\. deprecated:: (\S+)(.*?)(?:\n\s*\n|$)", re.DOTALL)
_PARAM = re.compile(r":param (\w+):(.*?)(?=:param |\Z)", re.DOTALL)
_ROLE = re.compile(r":(\w+):`[~.]?(?:_\w+\.)?([^`]+)`")


def rules_for(
    cls: type[Any], name: str, func: Any, signature: inspect.Signature
) -> tuple[Rule, ...]:
    """The checks a call of ``cls.name`` gets: deprecations for every class, argument
    checks for sessions and connections."""
    parameters = signature.parameters
    rules: list[Rule] = []
    if issubclass(cls, AsyncSession):
        if _takes_statement(parameters):
            rules.append(_executable)
            rules.extend(_forwarded_keywords(cls.sync_session_class, parameters))
        rules.extend(_RULES[param] for param in _RULES if param in parameters)
        rules.extend(_deprecations(name, func, cls.sync_session_class))
    else:
        if issubclass(cls, AsyncConnection) and _takes_statement(parameters):
            rules.append(_executable_on_connection)
        rules.extend(_deprecations(name, func, cls))
    return tuple(rules)


def _takes_statement(parameters: Any) -> bool:
    """A ``statement`` parameter that is not raw SQL (``exec_driver_sql`` takes a ``str``)."""
    statement = parameters.get("statement")
    return statement is not None and statement.annotation not in {"str", str}


def _executable(bound: inspect.BoundArguments) -> None:
    coercions.expect(roles.StatementRole, bound.arguments.get("statement"))


def _executable_on_connection(bound: inspect.BoundArguments) -> None:
    statement = bound.arguments.get("statement")
    if not hasattr(statement, "_execute_on_connection"):  # what Connection.execute looks up
        raise exc.ObjectNotExecutableError(statement)


def _mapped_instance(bound: inspect.BoundArguments) -> None:
    if "instance" in bound.arguments:
        object_mapper(bound.arguments["instance"])


def _mapped_instances(bound: inspect.BoundArguments) -> None:
    instances: Iterable[Any] = bound.arguments.get("instances", ())
    for instance in instances:
        object_mapper(instance)


def _mapped_entity(bound: inspect.BoundArguments) -> None:
    if "entity" in bound.arguments:
        sa_inspect(bound.arguments["entity"])


_RULES: dict[str, Rule] = {
    "instance": _mapped_instance,
    "instances": _mapped_instances,
    "entity": _mapped_entity,
}


def _forwarded_keywords(sync_class: type[Any], parameters: Any) -> list[Rule]:
    """``**kw`` of ``AsyncSession.execute`` & co. ends up in ``Session.execute``."""
    extra = [p.name for p in parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    if not extra:
        return []
    target = sync_class.execute
    accepted = frozenset(inspect.signature(target).parameters)

    def check(bound: inspect.BoundArguments) -> None:
        for keyword in bound.arguments.get(extra[0], {}):
            if keyword not in accepted:
                raise TypeError(
                    f"{target.__qualname__}() got an unexpected keyword argument {keyword!r}"
                )

    return [check]


def _deprecations(name: str, func: Any, sync_class: type[Any]) -> list[Rule]:
    """Warnings for what the docstrings of the method and its twin on ``sync_class``
    (``Session`` for ``AsyncSession``; else the class itself) deprecate."""
    rules: dict[str, Rule] = {}
    twin = getattr(sync_class, name, None)
    for doc in (inspect.getdoc(func), inspect.getdoc(twin) if callable(twin) else None):
        head, _, _ = (doc or "").partition(":param ")
        found = _DEPRECATED.search(head)
        if found and "" not in rules:
            version, text = found.groups()
            rules[""] = _warns_always(f"{_plain(text)} (deprecated since: {version})")
        for param, block in _PARAM.findall(doc or ""):
            if ".. deprecated::" in block and param not in rules:
                message = f"The `{param}` parameter of `{sync_class.__name__}.{name}` is deprecated"
                rules[param] = _warns_when_given(param, message)
    return list(rules.values())


def _plain(text: str) -> str:
    """reStructuredText roles as SQLAlchemy prints them in its warnings."""

    def role(match: re.Match[str]) -> str:
        kind, target = match.groups()
        return f"{target}()" if kind in {"meth", "func"} else target

    return _ROLE.sub(role, " ".join(text.split(" \n")).replace("\n", " ").strip())


def _warns_always(message: str) -> Rule:
    def warn(_bound: inspect.BoundArguments) -> None:
        warnings.warn(message, exc.SADeprecationWarning, stacklevel=5)

    return warn


def _warns_when_given(param: str, message: str) -> Rule:
    def warn(bound: inspect.BoundArguments) -> None:
        if bound.arguments.get(param) is not None:
            warnings.warn(message, exc.SADeprecationWarning, stacklevel=5)

    return warn
