"""The run's template database under pytest-xdist: the controller's side.

The controller names one template per run and hands the name to every worker
(xdist's ``workerinput``); the worker that builds it says so (``workeroutput``),
and the controller drops it after the last worker is done. The workers' side,
building and copying it, is ``db_fixtures.db_engine`` with
``database.create_from_template``.

This plugin is loaded by every process, the controller included, so it imports
nothing heavy at the top: the controller starts the workers only once its own
start-up is done, and importing SQLAlchemy (or a web framework) there would
delay every worker (``tests/conftest.py`` loads the fixture plugins only where
tests run).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

TEMPLATE_INPUT = "async_testkit_template"
TEMPLATE_BUILT = "async_testkit_template_built"


@dataclass(frozen=True)
class Run:
    """One distributed run's template: a token unique to the run, and a directory
    shared by the workers (where SQLite's template file lives)."""

    token: str
    directory: Path


class _Process(Protocol):
    """The part of a ``pytest.Session`` the hooks below use."""

    config: pytest.Config


class _Node(_Process, Protocol):
    """The part of xdist's ``WorkerController`` these hooks use (xdist has no types)."""

    workerinput: dict[str, Any]


_RUN = pytest.StashKey[Run]()
_BUILT = pytest.StashKey[bool]()


def template_run(config: pytest.Config) -> Run | None:
    """The run's template on an xdist worker; None without xdist or with ``-n 0``."""
    given = getattr(config, "workerinput", {}).get(TEMPLATE_INPUT)
    return None if given is None else Run(given[0], Path(given[1]))


def report_template_built(config: pytest.Config) -> None:
    """On a worker: tell the controller that this worker built the run's template."""
    config.workeroutput[TEMPLATE_BUILT] = True  # type: ignore[attr-defined]


_T = TypeVar("_T")


def run_apart(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` on an event loop of its own, in a thread of its own.

    ``asyncio.run`` here would close and unset this thread's current event loop,
    which may be the tests' session loop (a hook called from a test): with
    pytest-asyncio 1.0 every later test would then fail with "There is no
    current event loop".
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: _Node) -> None:
    """On the xdist controller: give each worker the name of the run's template."""
    run = node.config.stash.get(_RUN, None)
    if run is None:
        run = Run(uuid.uuid4().hex[:12], Path(tempfile.mkdtemp(prefix="testkit-template-")))
        node.config.stash[_RUN] = run
    node.workerinput[TEMPLATE_INPUT] = (run.token, str(run.directory))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: _Node, error: object) -> None:
    """On the xdist controller: note whether this worker built the template."""
    del error
    output = getattr(node, "workeroutput", {})
    if output.get(TEMPLATE_BUILT):
        node.config.stash[_BUILT] = True


def pytest_sessionfinish(session: _Process) -> None:
    """On the xdist controller, after every worker: drop the run's template."""
    run = session.config.stash.get(_RUN, None)
    if run is None:
        return
    try:
        if session.config.stash.get(_BUILT, False):
            # Imported only now, when there is a template to drop (see above).
            from test_utils import database

            template = database.template_url(database.configured_url(run.directory), run.token)
            run_apart(database.drop_database(template))
    finally:
        shutil.rmtree(run.directory, ignore_errors=True)
