"""Isolation cost: rolled-back savepoint per test vs create/drop schema per test.

For each driver of copier.yml (embedded, or against its local server), on a
schema of 20 tables, one "test" is: get a clean database, insert a row and
commit it, clean up. Two ways to be clean:

- savepoint: the generated ``db_session`` pattern (connection, outer
  transaction, ``AsyncSession`` with ``join_transaction_mode="create_savepoint"``,
  rollback at the end); the schema exists once;
- schema: ``create_all`` before and ``drop_all`` after every test.

Then the generated integration suite (examples, per driver) is timed with
``pytest -n 2`` vs ``-n 0``. Medians are printed and written to
``benchmarks/results/isolation.json``. A measurement, not a test: figures move
with the machine and its load (the load average is recorded next to them).

    python benchmarks/bench_isolation.py [--savepoint-runs 200] [--schema-runs 15] [--suite-runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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

from tests.helpers import DRIVER_TABLE, DRIVERS, SERVER_URLS  # noqa: E402

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


def time_suite(driver: str, workers: int, runs: int, tmp: Path) -> float:
    """Median wall time of the generated integration suite (examples, no HTTP client)."""
    project = tmp / f"project-{driver}"
    if not project.exists():
        copier.run_copy(
            str(ROOT),
            project,
            data={"project_name": "bench-service", "db_driver": driver, "http_client": "none"},
            defaults=True,
            quiet=True,
            vcs_ref="HEAD",
        )
    env = {**os.environ, "PYTHONPATH": "src", "CI": "true"}
    if driver in SERVER_URLS:
        env["TEST_DATABASE_URL"] = SERVER_URLS[driver].format(
            name=f"bench_suite_test_{os.getpid()}"
        )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    command += ["-m", "integration", "-n", str(workers)]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        timings.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(
                f"{driver} suite failed with -n {workers}:\n{done.stdout}{done.stderr}"
            )
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--savepoint-runs", type=int, default=200)
    parser.add_argument("--schema-runs", type=int, default=15)
    parser.add_argument("--suite-runs", type=int, default=3)
    parser.add_argument("--drivers", nargs="+", default=list(DRIVERS), choices=DRIVERS)
    args = parser.parse_args()

    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "sqlalchemy": sqlalchemy.__version__,
            "cpus": os.cpu_count(),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "isolation_per_test": {},
        "integration_suite_seconds": {},
    }
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for driver in args.drivers:
            figures = asyncio.run(bench_driver(driver, args.savepoint_runs, args.schema_runs, tmp))
            results["isolation_per_test"][driver] = figures
            print(
                f"{driver:10} savepoint {figures['savepoint_ms_median']:8.2f} ms   "
                f"schema per test {figures['schema_per_test_ms_median']:9.2f} ms   "
                f"ratio {figures['ratio']:7.1f}x",
                flush=True,
            )
        for driver in args.drivers:
            serial = time_suite(driver, 0, args.suite_runs, tmp)
            parallel = time_suite(driver, 2, args.suite_runs, tmp)
            results["integration_suite_seconds"][driver] = {
                "n0_median": round(serial, 2),
                "n2_median": round(parallel, 2),
                "speedup": round(serial / parallel, 2),
                "runs": args.suite_runs,
            }
            print(
                f"{driver:10} integration suite  -n 0 {serial:6.2f} s   -n 2 {parallel:6.2f} s   "
                f"speedup {serial / parallel:4.2f}x",
                flush=True,
            )
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
