"""The folder tree is the architecture: one package per stage, no module loose under engine/, and an
import graph with no cycle (the layers themselves are import-linter's contracts in pyproject.toml,
run by .ci/run as `lint-imports`)."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = {"i18n", "language", "tree", "compile", "evaluate", "explain", "sql", "population", "authoring", "serve", "cli"}


def test_only_init_is_directly_under_engine():
    loose = sorted(p.name for p in (ROOT / "engine").glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"put these modules in a stage package ({', '.join(sorted(STAGES))}): {loose}"


def test_every_package_is_a_stage_that_says_what_it_takes_and_gives():
    packages = {p.parent.name for p in (ROOT / "engine").glob("*/__init__.py")}
    assert packages == STAGES
    for name in STAGES:
        doc = (ROOT / "engine" / name / "__init__.py").read_text(encoding="utf-8")
        assert doc.startswith('"""') and len(doc) > 120, f"engine/{name}/__init__.py needs a docstring"


def _cycles(graph) -> list[tuple[str, ...]]:
    """Every direct import a -> b for which b also reaches a, with the chain back."""
    found = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                found.append((module, *back))
    return found


def test_the_import_graph_has_no_cycle():
    assert _cycles(grimp.build_graph("engine", cache_dir=None)) == []


def test_a_cycle_would_be_found():
    # the check above can fail: the same graph with one upward import added has a cycle
    graph = grimp.build_graph("engine", cache_dir=None)
    graph.add_import(importer="engine.tree.nodes", imported="engine.cli")
    assert any(c[:2] == ("engine.tree.nodes", "engine.cli") for c in _cycles(graph))


def test_the_layer_contracts_hold():
    # the same check .ci/run makes with `lint-imports`, so a plain `pytest` catches an upward import too
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 kept, 0 broken" in run.stdout
