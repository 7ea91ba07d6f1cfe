"""Self-test wall time: the whole answer matrix, and the full self-test suite.

Runs pytest as CI does (two xdist workers) and records how long each selection
takes, so a change that slows the template's own CI shows up as a number.
Prints the figures and writes them to benchmarks/results/selftest.json.

    .venv/bin/python benchmarks/bench_selftest.py
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "selftest.json"
SELECTIONS = {
    "answer_matrix": [
        "tests/test_render.py",
        "tests/test_quality.py",
        "tests/test_generated_suites.py",
    ],
    "full_suite": [],
}


def timed_pytest(paths: list[str]) -> tuple[float, str]:
    """Wall seconds and pytest's closing line for one run."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *paths],
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(paths)} failed:\n{done.stdout[-3000:]}")
    return elapsed, lines[-1] if lines else ""


def main() -> None:
    figures: dict[str, object] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for name, paths in SELECTIONS.items():
        seconds, summary = timed_pytest(paths)
        figures[name] = {"wall_s": round(seconds, 1), "pytest": summary.strip("= ")}
        print(f"{name}: {seconds:.1f} s ({summary.strip('= ')})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
