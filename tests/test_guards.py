"""Each guard of the generated suite fires: faults are injected into a freshly
rendered project and its own pytest must fail the test that caused each fault,
for that reason, while the clean tests next to it pass.

The fault files of one combination run in a single pytest session (one
subprocess, in file order), so proving a dozen guards costs one suite start.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import (
    DEFAULT,
    EMBEDDED_SCHEME,
    SERVER_DRIVERS,
    Combo,
    build_once,
    render,
    run,
    suite_env,
)

GUARDED = [DEFAULT, Combo(SERVER_DRIVERS[0], "httpx", False)]
RESULT_LINE = re.compile(r"^(PASSED|FAILED|ERROR) \S+::(\w+)", re.MULTILINE)

SOCKET_FIXTURE = """
    import socket
    from collections.abc import Iterator

    import pytest


    @pytest.fixture(scope="session")
    def listening() -> Iterator[tuple[str, int]]:
        # session-scoped: set up inside whichever test needs it first
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            yield server.getsockname()
    """

FAULTS = {
    "tests/unit/test_fault_unawaited.py": """
        async def forgotten() -> int:
            return 1


        def test_forgets_await() -> None:
            forgotten()


        async def test_awaits() -> None:
            assert await forgotten() == 1
        """,
    "tests/unit/test_fault_mock_await.py": """
        from typing import Any

        from sqlalchemy import select


        async def save(session: Any) -> None:
            session.commit()


        async def names(session: Any) -> list[str]:
            result = session.execute(select(1))
            return list(result.scalars())


        async def test_forgets_a_mock_await(mock_session: Any) -> None:
            await save(mock_session)


        async def test_forgets_a_mock_await_and_fails(mock_session: Any) -> None:
            assert await names(mock_session) == []


        def test_after_the_failed_test() -> None:
            pass
        """,
    "tests/unit/test_fault_cycle.py": """
        from typing import Any


        async def cycled() -> int:
            return 1


        class Holder:
            def __init__(self) -> None:
                self.me = self
                self.pending: Any = cycled()


        def test_leaks_a_cycle() -> None:
            Holder()


        def test_after_the_cycle() -> None:
            pass
        """,
    "tests/unit/test_fault_unraisable.py": """
        class Broken:
            def __del__(self) -> None:
                raise ValueError("finalizer blew up")


        def test_drops_a_broken_object() -> None:
            Broken()


        def test_after_the_finalizer() -> None:
            pass
        """,
    "tests/unit/test_fault_resources.py": f"""
        from pathlib import Path

        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine


        def test_unclosed_file(tmp_path: Path) -> None:
            open(tmp_path / "f", "w")


        async def test_connection_never_closed(tmp_path: Path) -> None:
            engine = create_async_engine(f"{EMBEDDED_SCHEME}:///{{tmp_path / 'x.db'}}")
            connection = await engine.connect()
            await connection.execute(text("SELECT 1"))
            del connection
            await engine.dispose()


        def test_closed_file(tmp_path: Path) -> None:
            (tmp_path / "g").write_text("closed")
        """,
    "tests/contract/test_fault_sockets.py": SOCKET_FIXTURE
    + """

    def test_unit_resolves_a_host() -> None:
        socket.create_connection(("127.0.0.1", 9), timeout=1)


    def test_unit_opens_a_socket() -> None:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


    @pytest.mark.integration
    def test_marked_integration(listening: tuple[str, int]) -> None:
        socket.create_connection(listening, timeout=5).close()


    @pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
    def backend(request: pytest.FixtureRequest) -> str:
        return str(request.param)


    def test_param_marked_integration(backend: str) -> None:
        if backend == "real":
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


    def test_unit_reuses_the_session_fixture(listening: tuple[str, int]) -> None:
        assert listening[1] > 0
    """,
    "tests/unit/test_fault_session_socket.py": SOCKET_FIXTURE
    + """

    def test_unit_sets_up_a_socket_fixture(listening: tuple[str, int]) -> None:
        pass
    """,
    "tests/integration/test_guard_sockets.py": SOCKET_FIXTURE
    + """

    def test_integration_dir_connects(listening: tuple[str, int]) -> None:
        socket.create_connection(listening, timeout=5).close()
    """,
    "tests/unit/test_guard_loopback.py": """
        import socket
        from collections.abc import Iterator

        import pytest


        @pytest.fixture(scope="session")
        def local_server(loopback_sockets: None) -> Iterator[tuple[str, int]]:
            with socket.socket() as server:
                server.bind(("127.0.0.1", 0))
                server.listen()
                yield server.getsockname()


        def test_connects_to_loopback(local_server: tuple[str, int]) -> None:
            socket.create_connection(local_server, timeout=5).close()


        def test_cannot_leave_loopback(local_server: tuple[str, int]) -> None:
            socket.create_connection(("192.0.2.1", 80), timeout=1)


        def test_without_the_opt_in() -> None:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        """,
    "tests/unit/test_guard_loop_scope.py": """
        import asyncio
        from collections.abc import AsyncIterator

        import pytest


        @pytest.fixture(scope="session")
        async def queue() -> AsyncIterator[asyncio.Queue[int]]:
            # loop-bound: breaks if a later test runs on another event loop
            shared: asyncio.Queue[int] = asyncio.Queue()
            yield shared
            assert shared.empty()


        async def test_first_user(queue: asyncio.Queue[int]) -> None:
            await queue.put(1)
            assert await asyncio.wait_for(queue.get(), 5) == 1


        async def test_second_user(queue: asyncio.Queue[int]) -> None:
            waiter = asyncio.ensure_future(queue.get())
            await queue.put(2)
            assert await waiter == 2
        """,
    "tests/unit/test_fault_xpass.py": """
        import pytest


        @pytest.mark.xfail(reason="was broken once")
        def test_xfail_now_passes() -> None:
            pass
        """,
}
FAULTS = {path: textwrap.dedent(source) for path, source in FAULTS.items()}
MARKER_TYPO = "tests/unit/test_fault_marker.py"
AIOHTTP_FAULT = """

    async def test_unclosed_client_session() -> None:
        import aiohttp

        aiohttp.ClientSession()
    """
EXPECTED = {
    "test_forgets_await": "FAILED",
    "test_awaits": "PASSED",
    "test_forgets_a_mock_await": "FAILED",
    "test_forgets_a_mock_await_and_fails": "ERROR",  # failed, then the leak in its teardown
    "test_after_the_failed_test": "PASSED",
    "test_leaks_a_cycle": "ERROR",  # found by the GC in its teardown
    "test_after_the_cycle": "PASSED",
    "test_drops_a_broken_object": "FAILED",
    "test_after_the_finalizer": "PASSED",
    "test_unclosed_file": "FAILED",
    "test_connection_never_closed": "ERROR",
    "test_closed_file": "PASSED",
    "test_unit_resolves_a_host": "FAILED",
    "test_unit_opens_a_socket": "FAILED",
    "test_marked_integration": "PASSED",
    "test_param_marked_integration": "PASSED",
    "test_unit_reuses_the_session_fixture": "PASSED",
    "test_unit_sets_up_a_socket_fixture": "ERROR",
    "test_integration_dir_connects": "PASSED",
    "test_connects_to_loopback": "PASSED",
    "test_cannot_leave_loopback": "FAILED",
    "test_without_the_opt_in": "FAILED",
    "test_first_user": "PASSED",
    "test_second_user": "PASSED",
    "test_xfail_now_passes": "FAILED",
}


@dataclass(frozen=True)
class Faulted:
    """A rendered project with the fault files, and the outcome of its pytest."""

    combo: Combo
    root: Path
    outcomes: dict[str, str]
    output: str

    def pytest(self, *args: str) -> str:
        """Run the project's pytest again (``-W error``: warnings at any stage fail)."""
        command = [sys.executable, "-W", "error", "-m", "pytest", "-p", "no:cacheprovider"]
        return run([*command, *args], self.root, suite_env(self.combo)).output


def _outcomes(output: str) -> dict[str, str]:
    """Each test's worst outcome; a test failing in teardown shows as PASSED, then ERROR."""
    outcomes: dict[str, str] = {}
    for outcome, name in RESULT_LINE.findall(output):
        if outcomes.get(name) not in {"FAILED", "ERROR"}:
            outcomes[name] = outcome
    return outcomes


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test here runs once per guarded combination."""
    if "combo" in metafunc.fixturenames:
        metafunc.parametrize("combo", GUARDED, ids=lambda c: c.id)


@pytest.fixture
def faulted(combo: Combo, template_repo: Path, shared_tmp: Path) -> Faulted:
    """The project of ``combo`` with the faults injected and its pytest run.

    Rendered and run once per self-test session, shared by the xdist workers.
    """

    def build(root: Path) -> None:
        root.mkdir()
        (root / "pytest.out").write_text(_inject_and_run(combo, template_repo, root / "project"))

    built = build_once(shared_tmp, f"guards-{combo.id}", build)
    output = (built / "pytest.out").read_text()
    return Faulted(combo, built / "project", _outcomes(output), output)


def _inject_and_run(combo: Combo, template_repo: Path, root: Path) -> str:
    """Render ``combo`` into ``root``, add the fault files, return its pytest's output."""
    render(template_repo, root, combo.answers())
    faults = dict(FAULTS)
    if combo.http_client == "aiohttp":
        faults["tests/unit/test_fault_resources.py"] += textwrap.dedent(AIOHTTP_FAULT)
    for relpath, source in faults.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    # run on its own: a collection error would stop the run of the other faults
    (root / MARKER_TYPO).write_text(
        "import pytest\n\n\n@pytest.mark.integraton\ndef test_typo() -> None:\n    pass\n"
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly"]
    return run([*command, "-rA", *faults], root, suite_env(combo)).output


def _assert_outcomes(faulted: Faulted, *names: str) -> None:
    got = {name: faulted.outcomes.get(name) for name in names}
    assert got == {name: EXPECTED[name] for name in names}, faulted.output


def test_every_fault_fails_its_own_test_and_nothing_else(faulted: Faulted) -> None:
    expected = dict(EXPECTED)
    if faulted.combo.http_client == "aiohttp":
        expected["test_unclosed_client_session"] = "FAILED"

    assert faulted.outcomes == expected, faulted.output


def test_unawaited_coroutine_fails(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_forgets_await", "test_awaits")
    assert "coroutine 'forgotten' was never awaited" in faulted.output


def test_forgotten_await_on_a_mock_names_the_method_and_the_line(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_forgets_a_mock_await")
    assert (
        "RuntimeWarning: mock_session.commit() was never awaited "
        "(called at tests/unit/test_fault_mock_await.py:8)"
    ) in faulted.output
    assert "AsyncMockMixin._execute_mock_call" not in faulted.output


def test_leak_of_a_failing_test_is_charged_to_it_not_to_the_next(faulted: Faulted) -> None:
    """The exception of a failed test (kept by pytest until the next test) holds the
    coroutine it leaked; the guard still reports the leak in that test's teardown."""
    _assert_outcomes(faulted, "test_forgets_a_mock_await_and_fails", "test_after_the_failed_test")
    teardown = faulted.output.split("ERROR at teardown of test_forgets_a_mock_await_and_fails")
    assert len(teardown) == 2, faulted.output
    leak = teardown[1].split("\n____")[0]
    assert "mock_session.execute() was never awaited" in leak
    assert "(called at tests/unit/test_fault_mock_await.py:12)" in leak
    assert "'coroutine' object has no attribute 'scalars'" in faulted.output


def test_coroutine_held_by_a_cycle_fails_its_own_test(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_leaks_a_cycle", "test_after_the_cycle")
    assert "coroutine 'cycled' was never awaited" in faulted.output


def test_exception_in_a_finalizer_fails(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_drops_a_broken_object", "test_after_the_finalizer")
    assert "PytestUnraisableExceptionWarning" in faulted.output
    assert "finalizer blew up" in faulted.output


def test_unclosed_file_connection_and_client_session_fail(faulted: Faulted) -> None:
    _assert_outcomes(
        faulted, "test_unclosed_file", "test_connection_never_closed", "test_closed_file"
    )
    assert "ResourceWarning: unclosed file" in faulted.output
    assert "non-checked-in connection" in faulted.output
    if faulted.combo.http_client == "aiohttp":
        assert faulted.outcomes.get("test_unclosed_client_session") == "FAILED", faulted.output
        assert "ResourceWarning: Unclosed client session" in faulted.output


def test_unit_tests_cannot_open_network_sockets(faulted: Faulted) -> None:
    _assert_outcomes(
        faulted,
        "test_unit_resolves_a_host",
        "test_unit_opens_a_socket",
        "test_unit_sets_up_a_socket_fixture",
    )
    assert "A test tried to use socket.getaddrinfo." in faulted.output
    assert "A test tried to use socket.socket." in faulted.output


def test_integration_tests_get_sockets_however_they_are_marked(faulted: Faulted) -> None:
    """Decorator, fixture-param mark, directory; a session fixture they set up stays usable."""
    _assert_outcomes(
        faulted,
        "test_marked_integration",
        "test_param_marked_integration",
        "test_integration_dir_connects",
        "test_unit_reuses_the_session_fixture",
    )


def test_loopback_opt_in_allows_loopback_only(faulted: Faulted) -> None:
    _assert_outcomes(
        faulted,
        "test_connects_to_loopback",
        "test_cannot_leave_loopback",
        "test_without_the_opt_in",
    )
    assert 'socket.socket.connect() with host "192.0.2.1"' in faulted.output


def test_session_scoped_async_fixture_serves_two_tests(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_first_user", "test_second_user")


def test_xpass_fails(faulted: Faulted) -> None:
    _assert_outcomes(faulted, "test_xfail_now_passes")
    assert "[XPASS(strict)]" in faulted.output


def test_misspelled_marker_fails(faulted: Faulted) -> None:
    output = faulted.pytest(MARKER_TYPO)

    assert "'integraton' not found in `markers` configuration option" in output


def test_unknown_config_option_fails(faulted: Faulted) -> None:
    output = faulted.pytest("tests/unit/test_guard_loop_scope.py", "-o", "asyncio_modee=auto")

    assert "Unknown config option: asyncio_modee" in output


def test_generated_suite_passes_with_every_warning_an_error(faulted: Faulted) -> None:
    """No deprecation warning at import, configuration or test time."""
    output = faulted.pytest(
        "-W", "error", "-q", "--ignore-glob=*test_fault_*", "--ignore-glob=*test_guard_*"
    )

    assert re.search(r"^\d+ passed in ", output, re.MULTILINE), output
    assert "warning" not in output.lower(), output
