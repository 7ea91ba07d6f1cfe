"""The self-tests' helpers: answer matrix, template snapshots, rendering, running tools.

Every self-test renders the template through ``copier.run_copy`` / ``run_update``
(never the CLI) from a *snapshot*: a temporary git repository holding the
working tree as it is now, uncommitted changes included, tagged with a PEP 440
version. That is what a user's ``copier copy`` sees.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from packaging.requirements import Requirement

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The choices and their tables, from their one definition in copier.yml.
COPIER_YML: dict[str, Any] = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
DRIVERS: tuple[str, ...] = tuple(COPIER_YML["db_driver"]["choices"].values())
HTTP_CLIENTS: tuple[str, ...] = tuple(COPIER_YML["http_client"]["choices"].values())
MIGRATIONS: tuple[str, ...] = tuple(COPIER_YML["migrations"]["choices"].values())
WEB_FRAMEWORKS: tuple[str, ...] = tuple(COPIER_YML["web_framework"]["choices"].values())
DRIVER_TABLE: dict[str, dict[str, Any]] = COPIER_YML["drivers"]["default"]
SERVER_TABLE: dict[str, dict[str, Any]] = COPIER_YML["servers"]["default"]
CLIENT_TABLE: dict[str, dict[str, Any]] = COPIER_YML["http_clients"]["default"]
WEB_TABLE: dict[str, dict[str, Any]] = COPIER_YML["web_frameworks"]["default"]
# The oldest and newest Python a generated project may declare (python_version).
OLDEST_PYTHON: str = COPIER_YML["python_version"]["choices"][0]
NEWEST_PYTHON: str = COPIER_YML["python_version"]["choices"][-1]


def drivers_on(server: str) -> tuple[str, ...]:
    """The drivers that talk to ``server`` (copier.yml's ``servers``; ``none``: embedded)."""
    return tuple(d for d in DRIVERS if DRIVER_TABLE[d]["server"] == server)


EMBEDDED = drivers_on("none")[0]
EMBEDDED_SCHEME = DRIVER_TABLE[EMBEDDED]["scheme"]
SERVER_DRIVERS = tuple(d for d in DRIVERS if d not in drivers_on("none"))
# The local servers the integration self-tests use: the generated defaults'.
SERVER_URLS = {
    d: f"{DRIVER_TABLE[d]['scheme']}://{SERVER_TABLE[DRIVER_TABLE[d]['server']]['authority']}/{{name}}"
    for d in SERVER_DRIVERS
}
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "selftest",
    "GIT_AUTHOR_EMAIL": "selftest@example.invalid",
    "GIT_COMMITTER_NAME": "selftest",
    "GIT_COMMITTER_EMAIL": "selftest@example.invalid",
}


@dataclass(frozen=True)
class Combo:
    """One combination of the answers that change what is generated."""

    db_driver: str
    http_client: str
    include_examples: bool
    migrations: str = "none"
    web_framework: str = "none"

    @property
    def id(self) -> str:
        """Readable and short (it names databases): the last two answers only when set."""
        examples = "examples" if self.include_examples else "bare"
        extra = [value for value in (self.migrations, self.web_framework) if value != "none"]
        return "-".join([self.db_driver, self.http_client, examples, *extra])

    def answers(self, **overrides: Any) -> dict[str, Any]:
        return {
            "project_name": "selftest-service",
            "db_driver": self.db_driver,
            "http_client": self.http_client,
            "include_examples": self.include_examples,
            "migrations": self.migrations,
            "web_framework": self.web_framework,
            **overrides,
        }


# Every answer that changes the generated code, with its values (python_version
# and ci change only settings; test_quality and test_ci_files cover them).
FACTORS: dict[str, tuple[Any, ...]] = {
    "db_driver": DRIVERS,
    "http_client": HTTP_CLIENTS,
    "include_examples": (True, False),
    "migrations": MIGRATIONS,
    "web_framework": WEB_FRAMEWORKS,
}
# Rendered, linted and type-checked: every combination.
MATRIX = [Combo(*values) for values in itertools.product(*FACTORS.values())]
DEFAULT = Combo(
    *(COPIER_YML[name]["default"] if name != "include_examples" else True for name in FACTORS)
)


def value_pairs(combo: Combo) -> set[tuple[tuple[str, Any], tuple[str, Any]]]:
    """Every pair of (answer, value) that ``combo`` holds."""
    chosen = [(name, getattr(combo, name)) for name in FACTORS]
    return set(itertools.combinations(chosen, 2))


def covering_set(matrix: Sequence[Combo], first: Combo) -> list[Combo]:
    """Combinations in which every pair of answer values occurs at least once.

    Greedy and deterministic: after ``first``, take the combination (earliest in
    ``matrix`` on a tie) that holds the most pairs not seen yet.
    """
    chosen = [first]
    missing = set().union(*map(value_pairs, matrix)) - value_pairs(first)
    while missing:
        best = max(matrix, key=lambda combo: len(value_pairs(combo) & missing))
        chosen.append(best)
        missing -= value_pairs(best)
    return chosen


# Whose generated suites run in full, against the real servers.
COVERING = covering_set(MATRIX, DEFAULT)


def combo_params(combos: Sequence[Combo] = MATRIX) -> list[Any]:
    """``parametrize`` values for combinations, with readable ids."""
    return [pytest.param(c, id=c.id) for c in combos]


def build_once(shared: Path, key: str, build: Callable[[Path], None]) -> Path:
    """``shared / key``, built by ``build`` exactly once across all xdist workers.

    ``shared`` must be a directory every worker sees (see the ``shared_tmp``
    fixture); a per-key file lock serialises the first build, and a marker file
    records that it finished, so a crashed build is retried rather than reused.
    """
    target = shared / key
    with (shared / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{key}.done"
        if not done.exists():
            if target.exists():
                shutil.rmtree(target)
            build(target)
            done.touch()
    return target


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity; return stdout."""
    env = {**os.environ, **GIT_IDENTITY}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done.stdout


def template_files(root: Path = TEMPLATE_ROOT) -> list[str]:
    """Tracked and untracked-but-not-ignored files of the template working tree."""
    listed = git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def snapshot_template(dest: Path, version: str = "1.0.0", root: Path = TEMPLATE_ROOT) -> Path:
    """Copy the working tree into a fresh git repo at ``dest``, committed and tagged."""
    dest.mkdir(parents=True)
    for name in template_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", f"template {version}")
    git(dest, "tag", version)
    return dest


def render(template: Path, dest: Path, answers: Mapping[str, Any], **options: Any) -> Path:
    """``copier.run_copy`` with the given answers, no prompts, and no --trust by default."""
    options.setdefault("defaults", True)
    options.setdefault("quiet", True)
    options.setdefault("unsafe", False)
    copier.run_copy(str(template), dest, data=dict(answers), **options)
    return dest


@dataclass(frozen=True)
class Ran:
    """A finished subprocess: exit code and combined output."""

    returncode: int
    output: str


def run(
    cmd: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> Ran:
    """Run ``cmd`` (an argv list, never a shell string) and capture its output."""
    done = subprocess.run(
        [str(part) for part in cmd],
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Ran(done.returncode, done.stdout)


def check(cmd: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run ``cmd`` and fail the test with its output unless it exits 0."""
    ran = run(cmd, cwd, env)
    if ran.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {ran.returncode}:\n{ran.output}")
    return ran.output


def suite_env(combo: Combo, database: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for running a generated suite in this (shared) environment.

    ``CI`` is set so integration tests fail rather than skip; server drivers get
    a database of their own (named after the combination and this process) so
    parallel self-test workers, and parallel self-test runs, never share one.
    The generated fixtures create that database and drop it afterwards.
    """
    env = {**os.environ, "PYTHONPATH": "src", "CI": "true", **extra}
    env.pop("TEST_DATABASE_URL", None)
    if combo.db_driver in SERVER_URLS:
        name = database or f"selftest_{combo.id.replace('-', '_')}_{os.getpid()}"
        env["TEST_DATABASE_URL"] = SERVER_URLS[combo.db_driver].format(name=name)
    return env


def add_plugin(env: dict[str, str], directory: Path, name: str, source: str) -> None:
    """Make a generated suite run with ``env`` load the plugin ``source`` in every
    process (``PYTEST_PLUGINS``), written to ``directory / f"{name}.py"``."""
    (directory / f"{name}.py").write_text(source)
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(directory)])
    env["PYTEST_PLUGINS"] = name


def generated_files(project: Path) -> set[str]:
    """Relative paths of every file in a generated project (no caches)."""
    skip = {".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not skip.intersection(path.relative_to(project).parts)
    }


def readme_command(marker: str) -> str:
    """The shell command in README.md's fenced block after ``<!-- quickstart:marker -->``."""
    readme = (TEMPLATE_ROOT / "README.md").read_text()
    found = re.search(rf"<!-- quickstart:{marker} -->\n```sh\n(.+?)\n```", readme, re.DOTALL)
    assert found, f"README has no quickstart:{marker} block"
    return found.group(1).strip()


def find_python(version: str) -> Path | None:
    """An interpreter for ``version`` ("3.10"): on PATH, or in pyenv's versions directory."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [
        str(p) for p in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    ]
    for candidate in filter(None, candidates):
        probe = run([candidate, "-c", "import sys; print(sys.version_info[:2])"], Path.cwd())
        if probe.returncode == 0 and probe.output.strip() == str(
            tuple(map(int, version.split(".")))
        ):
            return Path(candidate)
    return None


def python_or_skip(version: str) -> Path:
    """``find_python(version)``; if there is none, skip the test, or fail it when ``CI`` is set."""
    python = find_python(version)
    if python is None:
        message = f"no Python {version} interpreter found"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def lowest_pins(pyproject: Path) -> list[str]:
    """The declared requirements with every ``>=X`` lower bound turned into ``==X``."""
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = []
    for line in declared:
        requirement = Requirement(line)
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert lower, f"{line!r} declares no lower bound"
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        pins.append(f"{requirement.name}{extras}=={lower[0]}")
    return pins


def make_venv(python: Path, dest: Path) -> Path:
    """A fresh virtual environment with an up-to-date pip; returns its python."""
    check([python, "-m", "venv", dest], dest.parent)
    venv_python = dest / "bin" / "python"
    check([venv_python, "-m", "pip", "install", "-q", "--upgrade", "pip"], dest.parent)
    return venv_python


# ---- real git repositories for copier update scenarios ----


def commit_all(repo: Path, message: str) -> None:
    """Stage everything in ``repo`` (a git repo) and commit it."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def init_project(project: Path) -> Path:
    """Turn a rendered project into a git repo with one commit, as a user would."""
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "copier copy")
    return project


def release(template: Path, version: str, message: str | None = None) -> None:
    """Commit the template snapshot's pending edits and tag them ``version``."""
    commit_all(template, message or f"template {version}")
    git(template, "tag", version)


def update(project: Path, **options: Any) -> Path:
    """``copier.run_update`` as a user runs ``copier update --defaults``: no
    prompts, inline conflicts, no --trust unless ``unsafe=True`` is given."""
    options.setdefault("defaults", True)
    options.setdefault("overwrite", True)
    options.setdefault("quiet", True)
    options.setdefault("unsafe", False)
    options.setdefault("conflict", "inline")
    copier.run_update(project, **options)
    return project


def file_contents(project: Path) -> dict[str, bytes]:
    """Every file of a project (no caches, no .git) with its bytes."""
    return {name: (project / name).read_bytes() for name in sorted(generated_files(project))}


def append_line(path: Path, line: str) -> None:
    """Add one line at the end of a text file."""
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + line + "\n")


def prepend_line(path: Path, line: str) -> None:
    """Add one line at the start of a text file."""
    path.write_text(line + "\n" + path.read_text())


def prompt_copy(template: Path, dest: Path, typed: Sequence[tuple[str, str]]) -> str:
    """Run the real ``copier copy`` CLI in a pseudo-terminal, as a user at a prompt.

    ``typed`` pairs a piece of a question's help text (waited for) with what the
    user types there (the pre-filled default is erased first). After the last
    answer, returns the validation error copier shows under the prompt ("" if
    none appears within 10 s), then interrupts with Ctrl-C. Needs pexpect (POSIX).
    """
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        str(BIN / "copier"),
        ["copy", str(template), str(dest)],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 400),
    )
    try:
        for help_text, answer in typed:
            child.expect_exact(help_text)
            child.send("\x15" + answer + "\r")  # Ctrl-U erases the default first
        found = child.expect(
            [r"Validation error for question '[^']+': [^\r\n\x1b]*", pexpect.TIMEOUT],
            timeout=10,
        )
        shown = str(child.after) if found == 0 else ""
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return shown
