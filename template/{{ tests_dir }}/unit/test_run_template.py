"""Who drops a distributed run's template database: the hooks of ``test_utils.run_template``.

The controller names the run's template and hands it to every worker; the
worker that builds it marks it built; the last worker to finish drops it, and
the controller drops it only when a worker did not finish. The hooks are driven
directly here, with ``drop_database`` recorded rather than run: these tests open
no connection (sockets are off in unit tests), and
``integration/test_database_templates.py`` builds and copies real templates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.engine import URL

from test_utils import database
from test_utils.run_template import (
    Run,
    pytest_configure_node,
    pytest_sessionfinish,
    report_template_built,
    template_run,
)


@dataclass
class Process:
    """What the hooks see of a ``Session`` (and of xdist's ``WorkerController``)."""

    config: pytest.Config
    workerinput: dict[str, Any] = field(default_factory=dict)


@dataclass
class DistributedRun:
    """The controller's session and the workers' sessions of one run, and its template."""

    controller: Process
    workers: list[Process]
    run: Run
    drops: list[URL]

    @property
    def template(self) -> URL:
        return database.template_url(database.configured_url(self.run.directory), self.run.token)


@pytest.fixture
def run_of_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[DistributedRun]:
    """A controller that handed the run's template to two workers; their sessions."""
    drops: list[URL] = []

    async def drop_database(url: URL) -> None:
        drops.append(url)

    monkeypatch.setattr(database, "drop_database", drop_database)
    controller = Process(pytest.Config(pytest.PytestPluginManager()))
    nodes = [Process(controller.config), Process(controller.config)]
    workers = []
    for number, node in enumerate(nodes):
        pytest_configure_node(node)
        config = pytest.Config(pytest.PytestPluginManager())
        # What xdist's workerinput holds on a worker, the controller's part included.
        config.workerinput = {  # type: ignore[attr-defined]
            **node.workerinput,
            "workerid": f"gw{number}",
            "workercount": len(nodes),
        }
        workers.append(Process(config))
    run = template_run(workers[0].config)
    assert run is not None
    yield DistributedRun(controller, workers, run, drops)
    pytest_sessionfinish(controller)  # removes the run's directory, should a test not


def test_every_worker_gets_the_same_template_and_a_directory_to_share(
    run_of_two: DistributedRun,
) -> None:
    assert template_run(run_of_two.workers[1].config) == run_of_two.run
    assert run_of_two.run.directory.is_dir()  # where SQLite's template file goes


def test_the_last_worker_to_finish_drops_the_template(run_of_two: DistributedRun) -> None:
    report_template_built(run_of_two.run)

    pytest_sessionfinish(run_of_two.workers[1])
    assert run_of_two.drops == []  # gw0 may still copy it
    pytest_sessionfinish(run_of_two.workers[0])
    assert run_of_two.drops == [run_of_two.template]
    pytest_sessionfinish(run_of_two.controller)

    assert run_of_two.drops == [run_of_two.template]  # not twice
    assert not run_of_two.run.directory.exists()


def test_the_controller_drops_the_template_when_a_worker_did_not_finish(
    run_of_two: DistributedRun,
) -> None:
    report_template_built(run_of_two.run)

    pytest_sessionfinish(run_of_two.workers[0])  # gw1 crashed: it never finishes
    assert run_of_two.drops == []
    pytest_sessionfinish(run_of_two.controller)

    assert run_of_two.drops == [run_of_two.template]
    assert not run_of_two.run.directory.exists()


def test_a_run_that_built_no_template_drops_nothing(run_of_two: DistributedRun) -> None:
    """``pytest -m unit -n 2`` must not need the database server to finish."""
    for session in (*run_of_two.workers, run_of_two.controller):
        pytest_sessionfinish(session)

    assert run_of_two.drops == []
    assert not run_of_two.run.directory.exists()
