"""The fast form (closures compiled from the tree) gives exactly the tree evaluator's decision."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, ROOT, examples_for
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.authoring.corpus import Boundaries, generate
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.compile.pipeline import load_policy

YEARS = ("2023", "2024", "2025")
CORPUS_SIZE = 800  # per year; bounded so CI stays quick


@pytest.fixture(scope="module")
def policies():
    return {y: load_policy(ROOT / "policies" / y).policy for y in YEARS}


@pytest.mark.parametrize("year", YEARS)
def test_fast_form_equals_the_tree_on_every_example(policies, year):
    policy = policies[year]
    fast = FastPolicy(policy)
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    for path in examples_for(policy):
        values = read_case(policy, read_case_file(path), also_known=known)
        assert fast.decide(values) == summary(evaluate(policy, values)), path.name


@pytest.mark.parametrize("year", YEARS)
def test_fast_form_equals_the_tree_on_a_boundary_corpus(policies, year):
    policy = policies[year]
    fast = FastPolicy(policy)
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    seeds = [read_case_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
    checked = 0
    for raw in generate(policy, CORPUS_SIZE, seed=int(year), seeds=seeds):
        values = read_case(policy, raw, also_known=known)
        assert fast.decide(values) == summary(evaluate(policy, values)), raw
        checked += 1
    assert checked == CORPUS_SIZE


def test_the_corpus_sits_on_the_boundaries(policies):
    b = Boundaries(policies["2024"])
    for edge in (300, 299, 301, 50_000_000, 49_999_999, 50_000_001):  # a table cell, ±1
        assert edge in b.numbers
    for cost in (625_000, 624_999, 625_001, 100_000, 99_999, 9_000_000, 5_125_000):  # band edge, floor, caps as costs
        assert cost in b.costs
