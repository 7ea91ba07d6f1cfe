"""Generation time: `copier copy --defaults` of this template vs a one-file template.

Both templates are snapshotted into tagged git repositories first, so each run
measures what a user's copy costs (clone, questions, render), not a dirty-tree
copy. Prints the medians and writes them to benchmarks/results/generation.json.

    .venv/bin/python benchmarks/bench_generation.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import BIN, git, snapshot_template  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "generation.json"


def one_file_template(dest: Path) -> Path:
    """The smallest meaningful template: one question, one rendered file."""
    dest.mkdir(parents=True)
    (dest / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (dest / "README.md.jinja").write_text("# {{ name }}\n")
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "one file")
    git(dest, "tag", "1.0.0")
    return dest


def time_copies(template: Path, work: Path, runs: int) -> list[float]:
    """Wall time of `copier copy --defaults` (the CLI, as a user runs it), per run."""
    seconds = []
    for index in range(runs):
        dest = work / f"out-{index}"
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "copier"), "copy", "--quiet", "--defaults", str(template), str(dest)],
            check=True,
            capture_output=True,
        )
        seconds.append(time.perf_counter() - start)
        shutil.rmtree(dest)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        this = snapshot_template(work / "async-testkit")
        small = one_file_template(work / "one-file")
        time_copies(small, work, 1)  # warm the filesystem and imports once
        ours = time_copies(this, work, args.runs)
        baseline = time_copies(small, work, args.runs)

    figures = {
        "runs": args.runs,
        "async_testkit_median_s": round(statistics.median(ours), 3),
        "one_file_median_s": round(statistics.median(baseline), 3),
        "ratio": round(statistics.median(ours) / statistics.median(baseline), 2),
        "async_testkit_all_s": [round(s, 3) for s in ours],
        "one_file_all_s": [round(s, 3) for s in baseline],
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}",
    }
    print(
        f"copier copy --defaults, median of {args.runs}: "
        f"async-testkit {figures['async_testkit_median_s']:.3f} s, "
        f"one-file template {figures['one_file_median_s']:.3f} s "
        f"(x{figures['ratio']})"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
