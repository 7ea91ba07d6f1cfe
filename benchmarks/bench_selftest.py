"""Self-test wall time: the whole answer matrix, and the full self-test suite.

Runs pytest as CI does (two xdist workers) and records how long each selection
takes, so a change that slows the template's own CI shows up as a number.
With each figure go the slowest test files (summed from pytest's
``--durations=0``), which say where to look when CI's time grows. Prints the
figures and writes them to benchmarks/results/selftest.json (a selection not
run keeps its earlier figures).

    .venv/bin/python benchmarks/bench_selftest.py [--only answer_matrix|full_suite]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


DURATION = re.compile(r"^(\d+\.\d+)s (?:setup|call|teardown)\s+(\S+?)::")


def timed_pytest(paths: list[str]) -> dict[str, Any]:
    """Wall seconds, pytest's closing line and the slowest files of one run."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--durations=0", "--durations-min=0.05", *paths],
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
    per_file: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if found := DURATION.match(line):
            per_file[found[2]] = per_file.get(found[2], 0.0) + float(found[1])
    slowest = sorted(per_file.items(), key=lambda item: -item[1])[:10]
    return {
        "wall_s": round(elapsed, 1),
        "pytest": (lines[-1] if lines else "").strip("= "),
        # Test seconds summed over both workers, so about twice the wall time.
        "slowest_files_s": {name: round(seconds, 1) for name, seconds in slowest},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=SELECTIONS, help="one selection instead of both")
    args = parser.parse_args()
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    figures: dict[str, Any] = {**earlier, "python": platform.python_version()}
    figures["cpus"] = os.cpu_count()
    for name, paths in SELECTIONS.items():
        if args.only and name != args.only:
            continue
        figures[name] = measured = timed_pytest(paths)
        print(f"{name}: {measured['wall_s']} s ({measured['pytest']})")
        for file, seconds in measured["slowest_files_s"].items():
            print(f"    {seconds:7.1f} s  {file}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
