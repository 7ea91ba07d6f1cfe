"""Isolation cost: rolled-back savepoint per test vs create/drop schema per test.

For each driver of copier.yml (embedded, or against its local server), on a
schema of 20 tables, one "test" is: get a clean database, insert a row and
commit it, clean up. Two ways to be clean:

- savepoint: the generated ``db_session`` pattern (connection, outer
  transaction, ``AsyncSession`` with ``join_transaction_mode="create_savepoint"``,
  rollback at the end); the schema exists once;
- schema: ``create_all`` before and ``drop_all`` after every test.

On MySQL/MariaDB (no ``CREATE DATABASE ... TEMPLATE``), the two ways a worker
can get its schema: building it (``create_all``) vs copying a built database
(``SHOW CREATE TABLE`` replayed, ``INSERT ... SELECT`` for the rows).

Then a generated project (examples, no HTTP client, the ``--migrations``
answer) gets about 200 more integration tests (``LOAD_TESTS``: parametrized
copies of repository, service and session tests doing real queries), is
installed in a virtualenv of its own (``pip install -e '.[test]'``: what its
tests need, no more), and its integration suite is timed with ``pytest -n 2`` vs
``-n 0``, and with no test selected (``-k``), which is what starting the
processes and collecting costs; CPU seconds (all processes) next to the wall
times show how much of ``-n 2``'s time is work added by the extra processes
rather than waiting. The ``-n 0`` and ``-n 2`` runs alternate, so both meet the
same drift of the machine.
The generated projects run the way a developer's machine runs them: bytecode
caching on (``PYTHONDONTWRITEBYTECODE`` removed, one warm-up run first), or
every xdist worker compiles (and assertion-rewrites) every module again.
Medians, and each round's ``-n 0`` / ``-n 2`` ratio, are printed and written
to ``benchmarks/results/isolation.json``. A measurement, not a test: figures
move with the machine and its load (the load average is recorded next to them).

    python benchmarks/bench_isolation.py [--savepoint-runs 200] [--schema-runs 15]
        [--suite-runs 5] [--migrations none|alembic] [--drivers ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import copier
import sqlalchemy
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, event, insert, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import DRIVER_TABLE, DRIVERS, MIGRATIONS, SERVER_URLS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "isolation.json"
TABLES = 20


def build_schema() -> tuple[MetaData, Table]:
    """20 tables, each with a unique column and a foreign key to the previous one."""
    metadata = MetaData()
    previous: Table | None = None
    for index in range(TABLES):
        columns: list[Any] = [
            Column("id", Integer, primary_key=True),
            Column("name", String(64), unique=True, nullable=False),
            Column("amount", Integer, nullable=False, default=0),
        ]
        if previous is not None:
            columns.append(Column("parent_id", ForeignKey(previous.c.id), nullable=True))
        previous = Table(f"bench_t{index:02d}", metadata, *columns)
    first = metadata.tables["bench_t00"]
    return metadata, first


def make_engine(url: URL) -> AsyncEngine:
    """The engine the generated fixtures build (SQLite gets the SAVEPOINT listeners)."""
    engine = create_async_engine(url, pool_pre_ping=True)
    if url.get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _emit_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


async def admin(url: URL, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the server's maintenance database."""
    server = url.set(database="postgres" if url.get_backend_name() == "postgresql" else "")
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def quoted(url: URL) -> str:
    mark = '"' if url.get_backend_name() == "postgresql" else "`"
    return f"{mark}{url.database}{mark}"


async def one_test_with_savepoint(engine: AsyncEngine, table: Table) -> None:
    async with engine.connect() as connection:
        outer = await connection.begin()
        async with AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint"
        ) as session:
            await session.execute(insert(table).values(name="row", amount=1))
            await session.commit()
        await outer.rollback()


async def one_test_with_fresh_schema(engine: AsyncEngine, metadata: MetaData, table: Table) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with AsyncSession(bind=engine) as session:
        await session.execute(insert(table).values(name="row", amount=1))
        await session.commit()
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def median_ms(runs: int, once: Callable[[], Awaitable[None]]) -> float:
    await once()  # warm-up: connection pool, prepared statements
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        await once()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


async def bench_driver(
    driver: str, savepoint_runs: int, schema_runs: int, tmp: Path
) -> dict[str, Any]:
    name = f"bench_isolation_test_{os.getpid()}"
    if driver not in SERVER_URLS:
        url = make_url(f"{DRIVER_TABLE[driver]['scheme']}:///{tmp / name}.db")
    else:
        url = make_url(SERVER_URLS[driver].format(name=name))
        await admin(url, f"CREATE DATABASE {quoted(url)}")
    metadata, table = build_schema()
    engine = make_engine(url)
    try:
        schema_ms = await median_ms(
            schema_runs, lambda: one_test_with_fresh_schema(engine, metadata, table)
        )
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        savepoint_ms = await median_ms(
            savepoint_runs, lambda: one_test_with_savepoint(engine, table)
        )
    finally:
        await engine.dispose()
        if driver in SERVER_URLS:
            await admin(url, f"DROP DATABASE IF EXISTS {quoted(url)}")
    return {
        "savepoint_ms_median": round(savepoint_ms, 3),
        "schema_per_test_ms_median": round(schema_ms, 3),
        "ratio": round(schema_ms / savepoint_ms, 1),
        "savepoint_runs": savepoint_runs,
        "schema_runs": schema_runs,
    }


LOAD_TESTS = '''"""Load for bench_isolation.py: repository, service and session tests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {package}.catalog import CatalogService
from {package}.models import Product
from {package}.repositories import SqlAlchemyProductRepository

from test_utils.sample_model import Comment, Note

COPIES = range({copies})


@pytest.mark.parametrize("copy", COPIES)
async def test_repository_round_trip(db_session: AsyncSession, copy: int) -> None:
    products = SqlAlchemyProductRepository(db_session)
    for index in range(3):
        await products.add(Product(sku=f"sku-{{copy}}-{{index}}", name="p", price_cents=index))
    await db_session.commit()

    found = await products.get_by_sku(f"sku-{{copy}}-1")
    assert found is not None
    assert found.price_cents == 1
    assert len(await products.list(limit=10)) == 3


@pytest.mark.parametrize("copy", COPIES)
async def test_service_commits_through_its_own_sessions(
    db_session_factory: async_sessionmaker[AsyncSession], copy: int
) -> None:
    catalog = CatalogService(db_session_factory)
    await catalog.add_product(f"svc-{{copy}}", "service", 100 + copy)

    found = await catalog.find_product(f"svc-{{copy}}")
    assert found is not None
    assert found.price_cents == 100 + copy


@pytest.mark.parametrize("copy", COPIES)
async def test_bulk_update_and_count(db_session: AsyncSession, copy: int) -> None:
    db_session.add_all(Product(sku=f"b-{{copy}}-{{i}}", name="b", price_cents=i) for i in range(5))
    await db_session.flush()
    await db_session.execute(update(Product).values(price_cents=Product.price_cents + 1))

    total = await db_session.scalar(select(func.sum(Product.price_cents)))
    assert total == sum(range(1, 6))


@pytest.mark.parametrize("copy", COPIES)
async def test_relationship_rows(db_session: AsyncSession, copy: int) -> None:
    note = Note(slug=f"note-{{copy}}", body="b")
    db_session.add(note)
    await db_session.flush()
    db_session.add_all(Comment(note_id=note.id, text=f"c{{i}}") for i in range(3))
    await db_session.commit()

    count = await db_session.scalar(
        select(func.count()).select_from(Comment).where(Comment.note_id == note.id)
    )
    assert count == 3
'''
LOAD_COPIES = 50  # 4 tests x 50 copies = 200 tests, next to the generated ones


def render_project(driver: str, migrations: str, tmp: Path) -> Path:
    """A generated project (examples, no HTTP client) with the load tests added."""
    project = tmp / f"project-{driver}-{migrations}"
    if not project.exists():
        copier.run_copy(
            str(ROOT),
            project,
            data={
                "project_name": "bench-service",
                "db_driver": driver,
                "http_client": "none",
                "migrations": migrations,
            },
            defaults=True,
            quiet=True,
            vcs_ref="HEAD",
        )
        load = LOAD_TESTS.format(package="bench_service", copies=LOAD_COPIES)
        (project / "tests" / "integration" / "test_bench_load.py").write_text(load)
    return project


def project_python(project: Path) -> Path:
    """The project's own virtualenv, with what ``pip install -e '.[test]'`` gives it.

    Not this repository's venv: that one also holds the web and HTTP plugins of
    other answers, and every xdist process would load them all on start-up.
    """
    venv = project / ".venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-e", ".[test]"],
            cwd=project,
            check=True,
        )
    return python


def run_suite(project: Path, driver: str, workers: int, select: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (all processes) of one run of the integration suite."""
    env = {**os.environ, "PYTHONPATH": "src", "CI": "true"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a developer's machine caches bytecode
    if driver in SERVER_URLS:
        env["TEST_DATABASE_URL"] = SERVER_URLS[driver].format(
            name=f"bench_suite_test_{os.getpid()}"
        )
    # A fixed order (no shuffling), so every run hands out the same tests.
    command = [str(project_python(project)), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:randomly", "-m", "integration", "-n", str(workers), *select]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # 5: no test selected, which is what the start-up timing asks for
    if done.returncode not in ((5,) if select else (0,)):
        raise SystemExit(f"{driver} suite failed with -n {workers}:\n{done.stdout}{done.stderr}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


STARTUP = ["-k", "no_test_has_this_name"]


def bench_suite(driver: str, migrations: str, runs: int, tmp: Path) -> dict[str, Any]:
    """Medians of ``runs`` rounds; each round runs ``-n 0`` and ``-n 2`` back to back.

    Interleaving the two, rather than all ``-n 0`` runs and then all ``-n 2``
    runs, exposes both to the same drift of the machine (the server's
    background writes, other processes).
    """
    project = render_project(driver, migrations, tmp)
    run_suite(project, driver, 0, [])  # warm-up: bytecode caches, server buffers
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        for workers in (0, 2):
            for label, select in (("", []), ("_startup", STARTUP)):
                wall, cpu = run_suite(project, driver, workers, select)
                samples.setdefault(f"n{workers}{label}_median", []).append(wall)
                samples.setdefault(f"n{workers}{label}_cpu_median", []).append(cpu)
    figures: dict[str, Any] = {
        "runs": runs,
        "migrations": migrations,
        "loadavg_at_start": loadavg(),
        "date": time.strftime("%Y-%m-%d"),
    }
    figures |= {key: round(statistics.median(values), 2) for key, values in samples.items()}
    figures["speedup"] = round(figures["n0_median"] / figures["n2_median"], 2)
    # Each round's own ratio: how often -n 2 won, not only the medians' ratio.
    rounds = zip(samples["n0_median"], samples["n2_median"], strict=True)
    figures["round_speedups"] = [round(n0 / n2, 2) for n0, n2 in rounds]
    return figures


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def copy_vs_build_mysql(url: URL, runs: int) -> dict[str, Any]:
    """A worker's schema on MySQL/MariaDB: ``create_all`` vs copying a built database."""
    metadata, _ = build_schema()
    source = url.set(database=f"{url.database}_src")
    target = url.set(database=f"{url.database}_dst")
    await admin(url, f"CREATE DATABASE {quoted(source)}")
    engine = create_async_engine(source)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(text("CREATE TABLE marker_rows (v varchar(32))"))
            await connection.execute(text("INSERT INTO marker_rows VALUES ('head')"))
    finally:
        await engine.dispose()

    async def fresh(fill: Callable[[], Awaitable[None]]) -> None:
        await admin(url, f"DROP DATABASE IF EXISTS {quoted(target)}")
        await admin(url, f"CREATE DATABASE {quoted(target)}")
        await fill()

    async def build() -> None:
        engine = create_async_engine(target)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        finally:
            await engine.dispose()

    async def copy() -> None:
        engine = create_async_engine(target)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
                tables = await connection.scalars(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :name"
                    ),
                    {"name": source.database},
                )
                for table in tables.all():
                    row = (
                        await connection.execute(
                            text(f"SHOW CREATE TABLE {quoted(source)}.`{table}`")
                        )
                    ).one()
                    await connection.execute(text(row[1]))
                    await connection.execute(
                        text(f"INSERT INTO `{table}` SELECT * FROM {quoted(source)}.`{table}`")
                    )
                await connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
        finally:
            await engine.dispose()

    try:
        build_ms = await median_ms(runs, lambda: fresh(build))
        copy_ms = await median_ms(runs, lambda: fresh(copy))
    finally:
        for name in (source, target):
            await admin(url, f"DROP DATABASE IF EXISTS {quoted(name)}")
    return {
        "tables": TABLES + 1,
        "build_ms_median": round(build_ms, 1),
        "copy_ms_median": round(copy_ms, 1),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--savepoint-runs", type=int, default=200)
    parser.add_argument("--schema-runs", type=int, default=15)
    parser.add_argument("--suite-runs", type=int, default=5)
    parser.add_argument("--drivers", nargs="+", default=list(DRIVERS), choices=DRIVERS)
    parser.add_argument("--migrations", default=MIGRATIONS[0], choices=MIGRATIONS)
    parser.add_argument("--skip-isolation", action="store_true", help="suite timings only")
    args = parser.parse_args()

    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "sqlalchemy": sqlalchemy.__version__,
            "cpus": os.cpu_count(),
            "loadavg_at_start": loadavg(),
        },
        "isolation_per_test": {},
        "mysql_worker_schema": {},
        "integration_suite_seconds": {},
    }
    # Keep the figures this run does not take (other drivers, the other
    # migrations answer, the per-test figures under --skip-isolation).
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["integration_suite_seconds"] = earlier.get("integration_suite_seconds", {})
    if args.skip_isolation:
        results["isolation_per_test"] = earlier.get("isolation_per_test", {})
        results["mysql_worker_schema"] = earlier.get("mysql_worker_schema", {})
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for driver in [] if args.skip_isolation else args.drivers:
            if DRIVER_TABLE[driver]["server"] == "mysql":
                url = make_url(SERVER_URLS[driver].format(name=f"bench_copy_{os.getpid()}"))
                copying = asyncio.run(copy_vs_build_mysql(url, args.schema_runs))
                results["mysql_worker_schema"][driver] = copying
                print(
                    f"{driver:10} worker schema: build {copying['build_ms_median']:8.1f} ms   "
                    f"copy {copying['copy_ms_median']:8.1f} ms",
                    flush=True,
                )
            figures = asyncio.run(bench_driver(driver, args.savepoint_runs, args.schema_runs, tmp))
            results["isolation_per_test"][driver] = figures
            print(
                f"{driver:10} savepoint {figures['savepoint_ms_median']:8.2f} ms   "
                f"schema per test {figures['schema_per_test_ms_median']:9.2f} ms   "
                f"ratio {figures['ratio']:7.1f}x",
                flush=True,
            )
        for driver in args.drivers:
            suite = bench_suite(driver, args.migrations, args.suite_runs, tmp)
            results["integration_suite_seconds"][f"{driver} {args.migrations}"] = suite
            print(
                f"{driver:10} {args.migrations:8} integration suite  "
                f"-n 0 {suite['n0_median']:6.2f} s "
                f"(start-up {suite['n0_startup_median']:5.2f}, CPU {suite['n0_cpu_median']:5.2f})"
                f"   -n 2 {suite['n2_median']:6.2f} s (start-up {suite['n2_startup_median']:5.2f}, "
                f"CPU {suite['n2_cpu_median']:5.2f})   speedup {suite['speedup']:4.2f}x "
                f"(each round: {', '.join(f'{r:.2f}' for r in suite['round_speedups'])})",
                flush=True,
            )
    results["machine"]["loadavg_at_end"] = loadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
