"""Mutation catch rate: which test suite notices a realistic async-SQLAlchemy bug?

A sample service module (``mutation_sample/shop.py``, a repository over
``AsyncSession``) is broken one small textual patch at a time: a missing
``await`` for each method family, wrong result methods, unmapped instances,
stray keywords, raw SQL, legacy ``select([...])``, a missing commit, a double
``begin()``, a lazy load, an N+1 loop, and a few pure query-logic slips. Four
suites that test the same behaviour run against the original (all must pass)
and against every mutant:

- ``bare``: ``AsyncMock()`` sessions, without the kit's guards;
- ``spec``: ``AsyncMock(spec=AsyncSession)`` under the kit's guards (warnings
  are errors, GC after each test);
- ``kit``: the kit's ``mock_session`` and ``make_result``;
- ``real``: ``db_session`` / ``db_session_factory`` on aiosqlite.

A suite catches a mutant when its pytest run fails. The template is rendered
from this repository's working tree (uncommitted changes included); the
results file records the commit and whether the tree was dirty. Prints the
catch table and writes ``benchmarks/results/mutations.json``.

    python benchmarks/bench_mutations.py [--jobs 2] [--only ID ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "benchmarks" / "mutation_sample"
RESULTS = REPO / "benchmarks" / "results" / "mutations.json"
PACKAGE = "bench_shop"
ANSWERS = {
    "project_name": "bench-shop",
    "db_driver": "aiosqlite",
    "http_client": "none",
    "include_examples": False,
}
# sample file -> where it goes in the rendered project
PLACES = {
    "models.py": f"src/{PACKAGE}/models.py",
    "shop.py": f"src/{PACKAGE}/shop.py",
    "shop_data.py": "tests/shop_data.py",
    "test_shop_asyncmock.py": "tests/unit/test_shop_asyncmock.py",
    "test_shop_kit.py": "tests/unit/test_shop_kit.py",
    "test_shop_real.py": "tests/integration/test_shop_real.py",
}
SHOP = PLACES["shop.py"]


@dataclass(frozen=True)
class Suite:
    name: str
    path: str
    env: tuple[tuple[str, str], ...] = ()


SUITES = (
    Suite("bare", PLACES["test_shop_asyncmock.py"], (("SHOP_SUITE", "bare"),)),
    Suite("spec", PLACES["test_shop_asyncmock.py"], (("SHOP_SUITE", "spec"),)),
    Suite("kit", PLACES["test_shop_kit.py"]),
    Suite("real", PLACES["test_shop_real.py"]),
)
SUITE_BY_NAME = {suite.name: suite for suite in SUITES}


@dataclass(frozen=True)
class Mutation:
    """One bug: ``patches`` are (old, new) pairs, each ``old`` found exactly once."""

    id: str
    description: str
    patches: tuple[tuple[str, str], ...]
    query_logic: bool = False


def _m(id: str, description: str, *patches: tuple[str, str], query_logic: bool = False):
    return Mutation(id, description, patches, query_logic)


MUTATIONS = (
    # -- a forgotten await, one per method family --
    _m(
        "await-get",
        "get_customer: `return self._session.get(...)` without await",
        ("return await self._session.get(", "return self._session.get("),
    ),
    _m(
        "await-execute",
        "find_customer: `result = self._session.execute(query)` without await",
        ("result = await self._session.execute(query)", "result = self._session.execute(query)"),
    ),
    _m(
        "await-scalar",
        "register_customer: the duplicate check's `scalar()` without await",
        ("existing = await self._session.scalar(taken)", "existing = self._session.scalar(taken)"),
    ),
    _m(
        "await-commit",
        "register_customer: `self._session.commit()` without await",
        (
            "self._session.add(customer)\n        await self._session.commit()",
            "self._session.add(customer)\n        self._session.commit()",
        ),
    ),
    _m(
        "await-refresh",
        "rename_customer: `self._session.refresh(customer)` without await",
        ("await self._session.refresh(customer)", "self._session.refresh(customer)"),
    ),
    _m(
        "await-flush",
        "place_order: `self._session.flush()` without await (id read before the commit)",
        ("await self._session.flush()", "self._session.flush()"),
    ),
    _m(
        "await-scalars",
        "open_orders: `self._session.scalars(query)` without await",
        (
            "return list((await self._session.scalars(query)).all())\n\n    async def order_total",
            "return list((self._session.scalars(query)).all())\n\n    async def order_total",
        ),
    ),
    _m(
        "await-delete",
        "delete_order: `self._session.delete(order)` without await",
        ("await self._session.delete(order)", "self._session.delete(order)"),
    ),
    # -- result methods --
    _m(
        "scalar-one-find",
        "find_customer: `scalar_one()` on a row that may be missing",
        ("return result.scalar_one_or_none()", "return result.scalar_one()"),
    ),
    _m(
        "scalar-one-total",
        "order_total: `scalar_one()` on a row that may be missing",
        (
            "order = (await self._session.execute(query)).scalar_one_or_none()",
            "order = (await self._session.execute(query)).scalar_one()",
        ),
    ),
    _m(
        "first-row",
        "find_customer: `result.first()` returns a Row, not the Customer",
        ("return result.scalar_one_or_none()", "return result.first()"),
    ),
    _m(
        "scalar-vs-scalars",
        "customer_emails: `scalar()` where `scalars()` was meant",
        (
            "query = select(Customer.email).order_by(Customer.email)\n"
            "        return list((await self._session.scalars(query)).all())",
            "query = select(Customer.email).order_by(Customer.email)\n"
            "        return list((await self._session.scalar(query)).all())",
        ),
    ),
    _m(
        "rows-not-objects",
        "open_orders: `execute(query).all()` returns rows, not Orders",
        (
            "return list((await self._session.scalars(query)).all())\n\n    async def order_total",
            "return list((await self._session.execute(query)).all())\n\n    async def order_total",
        ),
    ),
    _m(
        "joinedload-no-unique",
        "order_total: `joinedload` of a collection without `.unique()`",
        (
            "from sqlalchemy.orm import selectinload",
            "from sqlalchemy.orm import joinedload, selectinload",
        ),
        (
            ".where(Order.id == order_id).options(selectinload(Order.lines))",
            ".where(Order.id == order_id).options(joinedload(Order.lines))",
        ),
    ),
    # -- arguments the real session refuses --
    _m(
        "unmapped-add",
        "register_customer: `add(data)` adds the NewCustomer DTO, not the model",
        ("self._session.add(customer)", "self._session.add(data)"),
    ),
    _m(
        "add-all-one",
        "place_order: `add_all(order)` with one instance instead of a list",
        ("self._session.add(order)", "self._session.add_all(order)"),
    ),
    _m(
        "delete-by-id",
        "delete_order: `delete(order_id)` instead of the instance",
        ("await self._session.delete(order)", "await self._session.delete(order_id)"),
    ),
    _m(
        "get-keyword",
        "get_customer: `get(Customer, id=customer_id)`: no such keyword",
        (
            "return await self._session.get(Customer, customer_id)",
            "return await self._session.get(Customer, id=customer_id)",
        ),
    ),
    _m(
        "get-swapped",
        "rename_customer: `get(customer_id, Customer)`: arguments swapped",
        (
            "customer = await self._session.get(Customer, customer_id)",
            "customer = await self._session.get(customer_id, Customer)",
        ),
    ),
    _m(
        "execute-keyword",
        "find_customer: `execute(query, email=email)`: a stray keyword",
        (
            "result = await self._session.execute(query)",
            "result = await self._session.execute(query, email=email)",
        ),
    ),
    _m(
        "raw-sql",
        "count_orders: a raw SQL string instead of `text()` / `select()`",
        (
            "count = await self._session.scalar(query)",
            'count = await self._session.scalar(\n            "SELECT count(*) FROM orders'
            ' WHERE customer_id = :c", {"c": customer_id}\n        )',
        ),
    ),
    _m(
        "legacy-select",
        "customer_emails: 1.x-style `select([Customer.email])`",
        ("select(Customer.email).order_by", "select([Customer.email]).order_by"),
    ),
    # -- transactions and loading --
    _m(
        "missing-commit",
        "cancel_order: the commit is forgotten",
        (
            'order.status = "cancelled"\n        await self._session.commit()\n',
            'order.status = "cancelled"\n',
        ),
    ),
    _m(
        "missing-add",
        "place_order: the new order is never added to the session",
        ("        self._session.add(order)\n", ""),
    ),
    _m(
        "double-begin",
        "place_order: `async with session.begin()` after get() auto-began a transaction",
        (
            "        self._session.add(order)\n"
            "        await self._session.flush()  # assigns order.id\n"
            "        order_id = order.id\n"
            "        await self._session.commit()\n",
            "        async with self._session.begin():\n"
            "            self._session.add(order)\n"
            "            await self._session.flush()  # assigns order.id\n"
            "            order_id = order.id\n",
        ),
    ),
    _m(
        "sync-with-begin",
        "delete_order: `with session.begin():` instead of `async with`",
        ("        async with self._session.begin():\n", "        with self._session.begin():\n"),
    ),
    _m(
        "lazy-load",
        "order_total: `selectinload(Order.lines)` dropped: lazy load of order.lines",
        (
            "select(Order).where(Order.id == order_id).options(selectinload(Order.lines))",
            "select(Order).where(Order.id == order_id)",
        ),
    ),
    _m(
        "n-plus-one",
        "totals_by_order: lines awaited per order instead of `selectinload` (N+1)",
        ("            .options(selectinload(Order.lines))\n", ""),
        (
            "return {order.id: _total(order.lines) for order in orders}",
            "return {order.id: _total(await order.awaitable_attrs.lines) for order in orders}",
        ),
    ),
    # -- pure query logic: only a database can tell --
    _m(
        "filter-column",
        "find_customer: filters on `Customer.name` instead of `Customer.email`",
        ("where(Customer.email == email)", "where(Customer.name == email)"),
        query_logic=True,
    ),
    _m(
        "missing-filter",
        "open_orders: the `status == 'open'` condition is dropped",
        (
            '.where(Order.customer_id == customer_id, Order.status == "open")',
            ".where(Order.customer_id == customer_id)",
        ),
        query_logic=True,
    ),
    _m(
        "order-desc",
        "open_orders: ordered newest first",
        (
            'Order.status == "open")\n            .order_by(Order.id)',
            'Order.status == "open")\n            .order_by(Order.id.desc())',
        ),
        query_logic=True,
    ),
    _m(
        "count-unfiltered",
        "count_orders: counts every customer's orders",
        (
            "select(func.count()).select_from(Order).where(Order.customer_id == customer_id)",
            "select(func.count()).select_from(Order)",
        ),
        query_logic=True,
    ),
)


def mutate(source: str, mutation: Mutation) -> str:
    """``source`` with the mutation's patches applied (each must match exactly once)."""
    for old, new in mutation.patches:
        found = source.count(old)
        if found != 1:
            raise ValueError(f"{mutation.id}: {old!r} occurs {found} times in the module")
        source = source.replace(old, new)
    return source


def build_project(workdir: Path) -> Path:
    """Render the template from this working tree and add the sample service and suites."""
    sys.path.insert(0, str(REPO))
    from tests.helpers import render, snapshot_template

    template = snapshot_template(workdir / "template")
    project = render(template, workdir / "project", ANSWERS)
    for name, place in PLACES.items():
        shutil.copyfile(SAMPLE / name, project / place)
    return project


@dataclass(frozen=True)
class SuiteRun:
    """One pytest run of one suite: did it fail, and which tests failed."""

    caught: bool
    failed: tuple[str, ...]
    output: str


_FAILED = re.compile(r"^(?:FAILED|ERROR) \S+?::(\w+)", re.MULTILINE)
# Imported once by each worker before it forks a pytest run: most of a run's
# start-up time. Nothing of the project (the mutated module) is imported here,
# nor pytest plugins (pytest rewrites their asserts when it loads them).
_PRELOAD = ("aiosqlite", "greenlet", "pytest", "sqlalchemy.ext.asyncio", "sqlalchemy.orm")


class Worker:
    """A process in one project directory that runs suites against mutants on request.

    It imports the heavy libraries once and forks a fresh child for every pytest
    run, so each run still starts from a clean interpreter state (its own
    modules of the project, warnings filters, garbage) at a fraction of the cost.
    """

    def __init__(self, project: Path) -> None:
        self.project = project
        env = {
            **os.environ,
            "PYTHONPATH": "src",
            "PYTHONDONTWRITEBYTECODE": "1",  # a mutant may have the original's size and mtime
            "CI": "true",
        }
        env.pop("TEST_DATABASE_URL", None)
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            cwd=project,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, mutation: Mutation | None, suite: Suite) -> SuiteRun:
        """Run ``suite`` with the mutant (or the original, for ``None``) in place."""
        original = (SAMPLE / "shop.py").read_text()
        (self.project / SHOP).write_text(
            original if mutation is None else mutate(original, mutation)
        )
        if self._process.stdin is None or self._process.stdout is None:
            raise RuntimeError("the worker's pipes are closed")
        self._process.stdin.write(json.dumps({"path": suite.path, "env": dict(suite.env)}) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        output = str(reply["output"])
        failed = tuple(dict.fromkeys(_FAILED.findall(output)))
        return SuiteRun(reply["returncode"] != 0, failed, output)

    def close(self) -> None:
        """End the worker: it exits when its stdin closes."""
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._process.wait(timeout=60)


def serve() -> int:
    """The worker's side: one JSON request per line on stdin, one reply per line."""
    import importlib

    import pytest

    for name in _PRELOAD:
        importlib.import_module(name)
    log = Path(tempfile.mkdtemp(prefix="bench-mutations-run-")) / "output.txt"
    for line in sys.stdin:
        request = json.loads(line)
        args = ["-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", "-rfE"]
        # pytest plugins of the shared environment that a project without an
        # HTTP client does not have (they cost a third of a run's start-up).
        args += ["-p", "no:respx", "-p", "no:anyio"]
        pid = os.fork()
        if pid == 0:  # the child: one pytest run, its output into the log file
            code = 70
            try:
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.environ.update(request["env"])
                code = int(pytest.main([*args, request["path"]]))
            except BaseException:
                traceback.print_exc()
                raise
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        reply = {"returncode": os.waitstatus_to_exitcode(status), "output": log.read_text()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    shutil.rmtree(log.parent)
    return 0


def measure(
    workers: Sequence[Worker], mutations: Sequence[Mutation], suites: Sequence[Suite] = SUITES
) -> dict[str, dict[str, SuiteRun]]:
    """Every mutant against ``suites``, ``len(workers)`` mutants at a time."""
    free: queue.Queue[Worker] = queue.Queue()
    for worker in workers:
        free.put(worker)

    def one(mutation: Mutation) -> dict[str, SuiteRun]:
        worker = free.get()
        try:
            return {suite.name: worker.run(mutation, suite) for suite in suites}
        finally:
            free.put(worker)

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return dict(zip([m.id for m in mutations], pool.map(one, mutations), strict=True))


def template_commit() -> dict[str, object]:
    """Which template was measured: HEAD of this repository, and whether it was dirty."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        # uncommitted changes other than earlier results of this benchmark
        "dirty": bool(git("status", "--porcelain", "--", ".", f":!{RESULTS.relative_to(REPO)}")),
    }


def summarise(
    runs: dict[str, dict[str, SuiteRun]], mutations: Sequence[Mutation]
) -> dict[str, object]:
    """Per mutation: who caught it; totals; the kit/real ratio without query logic."""
    names = [suite.name for suite in SUITES]
    api = [m for m in mutations if not m.query_logic]
    caught = {m.id: {n: runs[m.id][n].caught for n in names} for m in mutations}
    real_api = [m.id for m in api if caught[m.id]["real"]]
    kit_of_real = [i for i in real_api if caught[i]["kit"]]
    share = round(len(kit_of_real) / len(real_api), 3) if real_api else None
    totals = {n: sum(caught[m.id][n] for m in mutations) for n in names}
    return {
        "mutations": [
            {
                "id": m.id,
                "description": m.description,
                "query_logic": m.query_logic,
                "caught_by": [n for n in names if caught[m.id][n]],
                "failed_tests": {n: list(runs[m.id][n].failed) for n in names if caught[m.id][n]},
            }
            for m in mutations
        ],
        "totals": totals,
        "totals_without_query_logic": {n: sum(caught[m.id][n] for m in api) for n in names},
        "mutations_total": len(mutations),
        "mutations_without_query_logic": len(api),
        "kit_share_of_real_without_query_logic": share,
        "real_only_without_query_logic": [i for i in real_api if not caught[i]["kit"]],
        "goals": {
            "kit catches >= 90% of what real catches (no query logic)": (share or 0) >= 0.9,
            "kit catches more than spec with guards": totals["kit"] > totals["spec"],
        },
    }


def print_table(summary: dict[str, object]) -> None:
    names = [suite.name for suite in SUITES]
    print(f"{'mutation':<22}" + "".join(f"{n:>6}" for n in names) + "  description")
    for row in summary["mutations"]:  # type: ignore[attr-defined]
        marks = "".join(f"{'x' if n in row['caught_by'] else '.':>6}" for n in names)
        logic = " [query logic]" if row["query_logic"] else ""
        print(f"{row['id']:<22}{marks}  {row['description']}{logic}")
    totals = summary["totals"]
    api = summary["totals_without_query_logic"]
    print(f"{'caught (all)':<22}" + "".join(f"{totals[n]:>6}" for n in names))  # type: ignore[index]
    print(f"{'caught (no q. logic)':<22}" + "".join(f"{api[n]:>6}" for n in names))  # type: ignore[index]
    print(
        "kit catches {} of what the real database catches (query logic left out)".format(
            summary["kit_share_of_real_without_query_logic"]
        )
    )
    for goal, met in summary["goals"].items():  # type: ignore[attr-defined]
        print(f"goal {'met' if met else 'NOT met'}: {goal}")


@contextmanager
def workers(workdir: Path, jobs: int) -> Iterator[list[Worker]]:
    """``jobs`` workers, each in its own rendered copy of the project."""
    first = build_project(workdir / "p0")
    projects = [first]
    for n in range(1, jobs):
        projects.append(Path(shutil.copytree(first.parent, workdir / f"p{n}")) / "project")
    started = [Worker(project) for project in projects]
    try:
        yield started
    finally:
        for worker in started:
            worker.close()


def original_failures(worker: Worker, suites: Sequence[Suite] = SUITES) -> dict[str, str]:
    """The output of every suite that fails on the unmutated module (must be none)."""
    runs = {suite.name: worker.run(None, suite) for suite in suites}
    return {name: run.output for name, run in runs.items() if run.caught}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel")
    parser.add_argument("--only", nargs="*", help="mutation ids (default: all); no results file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return serve()
    mutations = [m for m in MUTATIONS if not args.only or m.id in args.only]
    measured = template_commit()  # before the run: the tree the project is rendered from
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="bench-mutations-") as tmp,
        workers(Path(tmp), max(1, args.jobs)) as started,
    ):
        broken = original_failures(started[0])
        for name, output in broken.items():
            print(f"--- suite {name} fails on the original module:\n{output}")
        if broken:
            return 1
        runs = measure(started, mutations)
    seconds = time.perf_counter() - start
    summary = summarise(runs, mutations)
    print_table(summary)
    print(f"{len(mutations) * len(SUITES) + len(SUITES)} suite runs in {seconds:.0f} s")
    if args.only:
        return 0
    RESULTS.parent.mkdir(exist_ok=True)
    result = {
        "benchmark": "mutation catch rate of four test suites over one service module",
        "template": measured,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "database": "aiosqlite",
        "jobs": args.jobs,
        "wall_seconds": round(seconds, 1),
        "suites": {
            "bare": "AsyncMock() sessions, no guards (warnings stay warnings, no GC per test)",
            "spec": "AsyncMock(spec=AsyncSession) under the kit's guards",
            "kit": "mock_session + make_result + assert_committed_once",
            "real": "db_session / db_session_factory on aiosqlite, assert_max_queries",
        },
        **summary,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
