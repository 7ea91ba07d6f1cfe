"""The run's template database under pytest-xdist: who names it, who drops it.

The controller names one template per run and hands the name to every worker
(xdist's ``workerinput``), with a directory the run's processes share. The
worker that builds the template leaves a mark there (``report_template_built``);
the last worker to finish drops the template, while its database connection
machinery is loaded anyway, and the controller drops it only if that did not
happen (a worker crashed, the run was interrupted), then deletes the directory.
Building and copying the template is ``db_fixtures.db_engine`` with
``database.create_from_template``.

This plugin is loaded by every process, the controller included, so it imports
nothing heavy at the top: the controller starts the workers only once its own
start-up is done, and importing SQLAlchemy (or a web framework) there would
delay every worker (``tests/conftest.py`` loads the fixture plugins only where
tests run). The controller imports ``test_utils.database`` only when a template
is left for it to drop.
"""

from __future__ import annotations

import asyncio
import os
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
# Files in the run's directory: the builder's mark, each worker's end, the dropper's claim.
_BUILT = "built"
_FINISHED = "finished-"
_DROPPING = "dropping"


@dataclass(frozen=True)
class Run:
    """One distributed run's template: a token unique to the run, and a directory
    shared by the run's processes (where SQLite's template file lives)."""

    token: str
    directory: Path


class _Process(Protocol):
    """The part of a ``pytest.Session`` the hooks below use."""

    config: pytest.Config


class _Node(_Process, Protocol):
    """The part of xdist's ``WorkerController`` these hooks use (xdist has no types)."""

    workerinput: dict[str, Any]


_RUN = pytest.StashKey[Run]()


def template_run(config: pytest.Config) -> Run | None:
    """The run's template on an xdist worker; None without xdist or with ``-n 0``."""
    given = getattr(config, "workerinput", {}).get(TEMPLATE_INPUT)
    return None if given is None else Run(given[0], Path(given[1]))


def report_template_built(run: Run) -> None:
    """On a worker: mark the run's template as built, so that it gets dropped."""
    (run.directory / _BUILT).touch()


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


def pytest_sessionfinish(session: _Process) -> None:
    """Drop the run's template: on the last worker to finish, or else on the controller."""
    config = session.config
    run = template_run(config)
    if run is not None:  # a worker
        worker: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
        if _last_to_finish(run, str(worker["workerid"]), int(worker["workercount"])):
            drop_template(run)
        return
    run = config.stash.get(_RUN, None)
    if run is None:  # not the controller of a distributed run
        return
    try:
        drop_template(run)  # if no worker could (one of them did not finish)
    finally:
        shutil.rmtree(run.directory, ignore_errors=True)


def _last_to_finish(run: Run, worker: str, workers: int) -> bool:
    """Whether this worker is the one to drop the template: all have finished.

    Each worker leaves a file when it finishes and then counts the files, so
    the last one to finish sees them all (two finishing together may both see
    them: the claim, a file only one process can create, picks one). A worker
    that crashed leaves none; xdist's replacement gets a name of its own.
    """
    (run.directory / f"{_FINISHED}{worker}").touch()
    if len(list(run.directory.glob(f"{_FINISHED}*"))) < workers:
        return False
    return claim(run.directory / _DROPPING)


def claim(path: Path) -> bool:
    """Create the file ``path``; True for the one process that did, of all that try."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def drop_template(run: Run) -> None:
    """Drop the run's template if a worker built it and nobody dropped it yet."""
    built = run.directory / _BUILT
    if not built.exists():
        return
    # Imported only now, when there is a template to drop (see above).
    from test_utils import database

    template = database.template_url(database.configured_url(run.directory), run.token)
    run_apart(database.drop_database(template))
    built.unlink()
