"""The mutation benchmark's committed claims hold: every mutant that
``benchmarks/results/mutations.json`` says the kit's mocks catch, the kit's
suite catches when run now. Only the kit suite runs, only on those mutants;
nothing is timed (``benchmarks/bench_mutations.py`` measures the rest)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.helpers import TEMPLATE_ROOT


def _load_benchmark() -> ModuleType:
    path = TEMPLATE_ROOT / "benchmarks" / "bench_mutations.py"
    spec = importlib.util.spec_from_file_location("bench_mutations", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


BENCH = _load_benchmark()
RESULTS = json.loads(BENCH.RESULTS.read_text())
MUTATIONS = {mutation.id: mutation for mutation in BENCH.MUTATIONS}
KIT = BENCH.SUITE_BY_NAME["kit"]
CLAIMED = [row["id"] for row in RESULTS["mutations"] if "kit" in row["caught_by"]]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A rendered project with the sample service, and a worker running suites in it."""
    with BENCH.workers(tmp_path_factory.mktemp("mutations"), 1) as started:
        yield started[0]


def test_results_cover_exactly_the_current_mutations() -> None:
    recorded = [row["id"] for row in RESULTS["mutations"]]

    assert recorded == list(MUTATIONS)
    assert len(MUTATIONS) >= 25


@pytest.mark.parametrize("mutation", BENCH.MUTATIONS, ids=lambda m: m.id)
def test_each_mutation_patches_the_module_where_it_says(mutation: Any) -> None:
    original = (BENCH.SAMPLE / "shop.py").read_text()

    assert BENCH.mutate(original, mutation) != original


def test_kit_suite_passes_on_the_original_module(worker: Any) -> None:
    assert BENCH.original_failures(worker, [KIT]) == {}


@pytest.mark.parametrize("mutation_id", CLAIMED)
def test_kit_suite_catches_each_mutant_it_is_credited_with(worker: Any, mutation_id: str) -> None:
    run = worker.run(MUTATIONS[mutation_id], KIT)

    assert run.caught, f"the kit suite passed on mutant {mutation_id}:\n{run.output}"


def test_results_name_the_measured_template_commit() -> None:
    template = RESULTS["template"]

    assert len(template["commit"]) == 40
    assert isinstance(template["dirty"], bool)
