"""The generated anti-pattern checker finds each pattern at its line, and nothing
in the generated projects themselves.

The bad module marks every line the checker must report with ``# expect: CODE``;
the test compares the reported (line, code) pairs with exactly those marks, so
a missed pattern and a false positive both fail.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import BIN, DEFAULT, EMBEDDED, SERVER_DRIVERS, Combo, combo_params, run

WEB = Combo(SERVER_DRIVERS[0], "httpx", True, web_framework="fastapi")
EXPECT = re.compile(r"#\s*expect:\s*(AP\d{3})")
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<code>AP\d{3}) (?P<message>.+)$")

COMMON = """
    import asyncio
    from unittest import mock
    from unittest.mock import AsyncMock, MagicMock, create_autospec, patch

    import pytest
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    pytestmark = [pytest.mark.asyncio]  # expect: AP006

    engine = AsyncMock()  # expect: AP001
    self_session = MagicMock(spec=AsyncSession)  # expect: AP001
    autospecced = create_autospec(AsyncEngine)  # expect: AP001
    factory = mock.MagicMock(spec=async_sessionmaker)  # expect: AP001
    session_factory = MagicMock()  # expect: AP001
    rows = AsyncMock([{"id": 1}])  # expect: AP002

    result = MagicMock()
    result.scalars = AsyncMock()  # expect: AP003
    result.scalar_one_or_none = AsyncMock(return_value=None)  # expect: AP003
    result.scalars.return_value.all = AsyncMock(return_value=[])  # expect: AP003
    result.first = AsyncMock(return_value=None)  # expect: AP003

    wrapper = MagicMock()
    wrapper.__aenter__.return_value = wrapper  # expect: AP005
    wrapper.__aexit__ = AsyncMock(return_value=False)  # expect: AP005


    @pytest.mark.asyncio  # expect: AP006
    async def test_marked() -> None:
        await asyncio.sleep(0)


    @pytest.mark.asyncio(loop_scope="session")  # expect: AP006
    async def test_marked_with_the_default_scope() -> None:
        await asyncio.sleep(0)


    async def test_old_loop(event_loop: asyncio.AbstractEventLoop) -> None:  # expect: AP007
        await asyncio.sleep(0)


    @pytest.fixture
    def event_loop() -> asyncio.AbstractEventLoop:  # expect: AP007
        return asyncio.new_event_loop()


    @pytest.mark.asyncio  # expect: AP006
    class TestGrouped:
        pytestmark = pytest.mark.asyncio  # expect: AP006

        async def test_in_class(self) -> None:
            await asyncio.sleep(0)


    def test_dynamic_loop(request: pytest.FixtureRequest) -> None:
        request.getfixturevalue("event_loop")  # expect: AP007


    def test_patched() -> None:
        with patch("app.db.engine"):  # expect: AP001
            pass
        with patch.object(mock, "session", new_callable=AsyncMock):  # expect: AP001
            pass


    import fastapi.testclient as tc
    import httpx
    from fastapi import FastAPI
    from httpx import AsyncClient as Client
    from starlette.testclient import TestClient

    app = FastAPI()


    @pytest.fixture
    def sync_client() -> TestClient:
        return TestClient(app)


    @pytest.fixture(name="api")
    def built_by_a_sync_fixture() -> TestClient:
        with tc.TestClient(app) as built:
            return built


    async def test_sync_client_in_an_async_test(sync_client: TestClient) -> None:  # expect: AP008
        sync_client.get("/")


    @pytest.fixture
    async def async_fixture_on_a_sync_one(api: TestClient) -> TestClient:  # expect: AP008
        return api


    async def test_builds_a_sync_client() -> None:
        with tc.TestClient(app) as built:  # expect: AP008
            built.get("/")


    async def test_app_argument() -> None:
        async with httpx.AsyncClient(app=app, base_url="http://t") as aliased:  # expect: AP009
            await aliased.get("/")
        async with Client(  # expect: AP009
            base_url="http://t", app=app
        ) as renamed:
            await renamed.get("/")


    # --- correct code: nothing below may be reported ---
    class InventoryClient:
        pass


    inventory = AsyncMock(spec=InventoryClient)
    response = AsyncMock()
    db_session = MagicMock()  # async-patterns: ignore
    db_session.scalars = AsyncMock(return_value=[])  # async on AsyncSession: correct
    stream_result = MagicMock()
    stream_result.all = AsyncMock(return_value=[])  # async on AsyncResult: correct
    handler = AsyncMock(return_value=1)


    @pytest.mark.asyncio(loop_scope="function")
    async def test_on_a_fresh_loop() -> None:
        assert asyncio.get_running_loop()


    def test_patched_with_a_real_object(mock_session: object) -> None:
        with patch("app.db.session", new=mock_session), patch("app.settings.timeout", new=5):
            pass


    from aiohttp.test_utils import TestClient as AiohttpTestClient, TestServer
    from my_service.testing import AsyncClient as OwnClient


    def test_sync_client_in_a_sync_test(sync_client: TestClient, api: TestClient) -> None:
        with TestClient(app) as built:
            built.get("/")


    async def test_asgi_transport_and_aiohttp_test_client() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as in_memory:
            await in_memory.get("/")
        async with AiohttpTestClient(TestServer(app)) as aiohttp_test_client:
            await aiohttp_test_client.get("/")
        async with OwnClient(app=app) as own:  # a wrapper of the service's: its own signature
            await own.get("/")
    """
HTTP = {
    "aiohttp": """
    import aiohttp

    http_session = MagicMock()  # expect: AP001
    client = AsyncMock(spec=aiohttp.ClientSession)  # expect: AP001
    with_autospec = create_autospec(aiohttp.ClientSession)  # expect: AP001
    http_session.get = AsyncMock()  # expect: AP004
    self_session.post = AsyncMock()  # expect: AP004
    self_session.get = AsyncMock()  # expect: AP004
    """,
    "httpx": """
    import httpx

    http_client = MagicMock()  # expect: AP001
    client = AsyncMock(spec=httpx.AsyncClient)  # expect: AP001
    """,
    "none": "",
}


def _bad_module(http_client: str) -> str:
    return textwrap.dedent(COMMON) + textwrap.dedent(HTTP[http_client])


def _bad_file(directory: Path, http_client: str) -> tuple[Path, str]:
    source = _bad_module(http_client)
    bad = directory / "test_bad.py"
    bad.write_text(source)
    return bad, source


def _check(project: Path, *paths: Path | str) -> tuple[int, list[re.Match[str]], str]:
    ran = run([sys.executable, "tests/check_async_patterns.py", *map(str, paths)], project)
    findings = [m for m in map(FINDING.match, ran.output.splitlines()) if m]
    return ran.returncode, findings, ran.output


@pytest.mark.parametrize(
    "combo",
    combo_params([DEFAULT, WEB, Combo(SERVER_DRIVERS[1], "none", False)]),
)
def test_each_anti_pattern_is_reported_at_its_line(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    bad, source = _bad_file(tmp_path, combo.http_client)
    expected = {
        (number, match.group(1))
        for number, line in enumerate(source.splitlines(), 1)
        if (match := EXPECT.search(line))
    }

    returncode, findings, output = _check(rendered(combo), bad)

    assert returncode == 1, output
    assert {(int(f["line"]), f["code"]) for f in findings} == expected, output
    assert all(f["path"] == str(bad) and "Fix:" in f["message"] for f in findings), output
    assert {code for _, code in expected} >= {"AP001", "AP002", "AP003", "AP005", "AP006"}
    fixes = {f["code"]: f["message"].rsplit("Fix: ", 1)[1] for f in findings}
    fixtures_named = "`client` / `db_client` fixtures" in fixes["AP008"]
    assert fixtures_named == (combo.web_framework == "fastapi"), fixes["AP008"]


def test_every_code_is_covered_by_the_bad_module() -> None:
    codes = set(EXPECT.findall(_bad_module("aiohttp")))

    assert codes == {f"AP00{n}" for n in range(1, 10)}


@pytest.mark.parametrize("combo", combo_params())
def test_no_findings_in_the_generated_project(
    combo: Combo, rendered: Callable[[Combo], Path]
) -> None:
    returncode, findings, output = _check(rendered(combo))

    assert (returncode, findings) == (0, []), output


@pytest.mark.parametrize("combo", combo_params([Combo(EMBEDDED, "none", False)]))
def test_test_utils_is_skipped_and_ignore_file_is_honoured(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    helpers = tmp_path / "tests" / "test_utils" / "mocks.py"
    helpers.parent.mkdir(parents=True)
    helpers.write_text("from unittest.mock import AsyncMock\n\nsession = AsyncMock()\n")
    opted_out = tmp_path / "tests" / "test_demo.py"
    opted_out.write_text("# async-patterns: ignore-file\n" + helpers.read_text())
    flagged = tmp_path / "tests" / "test_flagged.py"
    flagged.write_text("from unittest.mock import AsyncMock\n\nengine = AsyncMock()\n")

    returncode, findings, output = _check(rendered(combo), tmp_path / "tests")

    assert returncode == 1, output
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [
        (str(flagged), "3", "AP001")
    ], output


# ---- --fix ----

FIXED = re.compile(r"^(?P<path>.+?):(?P<line>\d+): fixed (?P<code>AP\d{3})$")
MECHANICAL = {"AP006", "AP009"}  # always fixed here; AP002 only with a literal argument
PORTED = '''\
"""Ported tests: données d'exemple."""

import asyncio
from unittest.mock import AsyncMock

import pytest

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.integration,
]

données = AsyncMock(["é", {"k":  1}])  # odd spacing stays
spec_given = AsyncMock(AsyncMock)


@pytest.mark.asyncio  # ported
async def test_one() -> None:
    await asyncio.sleep(0)


@pytest.mark.asyncio(loop_scope="function")
async def test_on_its_own_loop() -> None:
    await asyncio.sleep(0)


@pytest.mark.asyncio  # async-patterns: ignore
async def test_kept_on_purpose() -> None:
    await asyncio.sleep(0)


class TestGroup:
    """Grouped."""

    pytestmark = [pytest.mark.slow, pytest.mark.asyncio]

    async def test_two(self) -> None:
        await asyncio.sleep(0)


class TestOnlyTheMark:
    pytestmark = pytest.mark.asyncio
'''


def _fix(project: Path, *paths: Path) -> tuple[int, list[re.Match[str]], list[re.Match[str]]]:
    ran = run([sys.executable, "tests/check_async_patterns.py", "--fix", *map(str, paths)], project)
    lines = ran.output.splitlines()
    fixed = [m for m in map(FIXED.match, lines) if m]
    left = [m for m in map(FINDING.match, lines) if m]
    return ran.returncode, fixed, left


@pytest.mark.parametrize("combo", combo_params([DEFAULT, WEB]))
def test_fix_rewrites_the_mechanical_findings_and_reports_the_rest(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    bad, source = _bad_file(tmp_path, combo.http_client)
    expected = sorted(EXPECT.findall(source))
    literal_spec = [line for line in source.splitlines() if "AsyncMock([" in line]

    returncode, fixed, left = _fix(rendered(combo), bad)

    fixed_codes = sorted(m["code"] for m in fixed)
    assert fixed_codes == sorted(
        [c for c in expected if c in MECHANICAL] + ["AP002"] * len(literal_spec)
    )
    assert returncode == 1
    assert sorted([*(m["code"] for m in left), *fixed_codes]) == expected
    again = _check(rendered(combo), bad)
    assert [(int(m["line"]), m["code"]) for m in again[1]] == [
        (int(m["line"]), m["code"]) for m in left
    ]
    assert "AP006" not in {m["code"] for m in left}
    before = bad.read_text()
    assert _fix(rendered(combo), bad)[1] == [], "a second --fix must change nothing"
    assert bad.read_text() == before


def test_fix_edits_only_the_findings_and_keeps_everything_else(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    module = tmp_path / "test_ported.py"
    module.write_bytes(PORTED.replace("\n", "\r\n").encode())

    returncode, fixed, left = _fix(rendered(DEFAULT), module)

    expected = (
        PORTED.replace("    pytest.mark.asyncio,\n", "")
        .replace('AsyncMock(["é"', 'AsyncMock(return_value=["é"')
        .replace("@pytest.mark.asyncio  # ported\n", "")
        .replace("[pytest.mark.slow, pytest.mark.asyncio]", "[pytest.mark.slow]")
    )
    assert module.read_bytes().decode() == expected.replace("\n", "\r\n")
    assert len(fixed) == 4
    # Left (at their lines in the fixed file): a spec that is not a literal, and a
    # mark that is a class's whole body.
    assert [(m["line"], m["code"]) for m in left] == [("13", "AP002"), ("40", "AP006")]
    assert returncode == 1


def test_fix_drops_the_pytest_import_the_markers_were_the_last_users_of(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    module = tmp_path / "test_marked.py"
    module.write_text(
        '"""Ported."""\n\nimport asyncio\n\nimport pytest\n\n\n'
        "@pytest.mark.asyncio\nasync def test_one() -> None:\n    await asyncio.sleep(0)\n"
    )

    returncode, fixed, left = _fix(rendered(DEFAULT), module)

    assert (returncode, len(fixed), left) == (0, 1, [])
    assert module.read_text() == (
        '"""Ported."""\n\nimport asyncio\n\n\n'
        "async def test_one() -> None:\n    await asyncio.sleep(0)\n"
    )
    lint = [BIN / "ruff", "check", "--isolated", "--select", "E,F,W,I", module]
    assert run(lint, tmp_path).returncode == 0
    assert run([BIN / "ruff", "format", "--isolated", "--check", module], tmp_path).returncode == 0


@pytest.mark.parametrize("combo", combo_params([DEFAULT]))
def test_a_sync_client_fixture_counts_where_its_conftest_reaches(
    combo: Combo, rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    files = {
        "tests/conftest.py": """
            import pytest
            from fastapi.testclient import TestClient

            from my_service.app import app


            @pytest.fixture
            def client() -> TestClient:
                return TestClient(app)
            """,
        "tests/api/test_api.py": """
            async def test_async(client) -> None:
                pass


            def test_sync(client) -> None:
                pass
            """,
        "tests/db/conftest.py": """
            import httpx
            import pytest

            from my_service.app import app


            @pytest.fixture
            async def client():
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as c:
                    yield c
            """,
        "tests/db/test_db.py": "async def test_async(client) -> None:\n    pass\n",
        "other/test_other.py": "async def test_async(client) -> None:\n    pass\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip())

    returncode, findings, output = _check(rendered(combo), tmp_path / "tests", tmp_path / "other")

    assert returncode == 1, output
    api = str(tmp_path / "tests/api/test_api.py")
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [(api, "1", "AP008")], output


APP_ARGUMENT = """\
import httpx as hx
from httpx import (
    USE_CLIENT_DEFAULT,
    AsyncClient,
    Response,
)

from my_service.app import app


async def test_spellings() -> None:
    async with hx.AsyncClient(app=app) as first:
        await first.get("/", timeout=USE_CLIENT_DEFAULT)
    async with AsyncClient(base_url="http://t", app=app) as second:  # keep
        assert isinstance(await second.get("/"), Response)
    async with AsyncClient(app=app, transport=None) as both:  # yours to choose
        await both.get("/")
    AsyncClient(app=app)  # async-patterns: ignore
"""


def test_fix_passes_the_app_through_an_asgi_transport(
    rendered: Callable[[Combo], Path], tmp_path: Path
) -> None:
    module = tmp_path / "test_api.py"
    module.write_text(APP_ARGUMENT)

    returncode, fixed, left = _fix(rendered(DEFAULT), module)

    assert module.read_text() == (
        APP_ARGUMENT.replace("    AsyncClient,\n", "    ASGITransport,\n    AsyncClient,\n")
        .replace("hx.AsyncClient(app=app)", "hx.AsyncClient(transport=hx.ASGITransport(app=app))")
        .replace('"http://t", app=app)', '"http://t", transport=ASGITransport(app=app))')
    )
    assert [(m["line"], m["code"]) for m in fixed] == [("12", "AP009"), ("14", "AP009")]
    assert [(m["line"], m["code"]) for m in left] == [("17", "AP009")]
    assert returncode == 1
    # the imports stay sorted and used (longer lines are ruff format's to break)
    lint = [BIN / "ruff", "check", "--isolated", "--select", "F,I", module]
    lint += ["--config", "lint.isort.known-first-party = ['my_service']"]
    assert run(lint, tmp_path).returncode == 0
    assert _fix(rendered(DEFAULT), module)[1] == [], "a second --fix must change nothing"
