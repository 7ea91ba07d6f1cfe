"""The test suite itself is free of the async-mocking anti-patterns (see TESTING.md).

This runs ``check_async_patterns`` over ``tests/`` so a pattern that passes
silently today (a bare AsyncMock session, an AsyncMock ``scalars``) fails here
with its file, line and fix, instead of misleading someone later.
"""

from __future__ import annotations

from pathlib import Path

import check_async_patterns

TESTS = Path(__file__).parent


def test_no_async_anti_patterns_in_tests() -> None:
    findings = check_async_patterns.check_paths([TESTS])

    assert not findings, "\n".join(map(str, findings))


def test_checker_reports_a_bare_async_mock_session() -> None:
    source = "from unittest.mock import AsyncMock\nsession = AsyncMock()\n"

    findings = check_async_patterns.check_source(source, Path("example.py"))

    assert [(f.line, f.code) for f in findings] == [(2, "AP001")]
