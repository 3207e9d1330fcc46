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


@pytest.mark.parametrize("year", YEARS)
def test_the_closures_alone_equal_the_tree_too(policies, year):
    """The closures are what a policy too deeply nested for Python's compiler gets: held to the tree as well."""
    policy = policies[year]
    fast = FastPolicy(policy, generate=False)
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    seeds = [read_case_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
    for raw in generate(policy, 200, seed=int(year) + 1, seeds=seeds):
        values = read_case(policy, raw, also_known=known)
        assert fast.decide(values) == summary(evaluate(policy, values)), raw


@pytest.mark.parametrize("year", YEARS)
def test_one_frame_at_a_time_in_shared_values_equals_the_tree(policies, year):
    """What verifies a what-if: each frame decided alone (the frames in reverse order, so a frame
    finds in the shared values the rules another frame decided first) is the tree's frame."""
    policy = policies[year]
    fast = FastPolicy(policy)
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    for path in examples_for(policy):
        case = read_case(policy, read_case_file(path), also_known=known)
        expected = {f["frame"]: f for f in summary(evaluate(policy, case))["frames"]}
        shared = fast.values(case)
        for name in reversed(fast.names):
            assert fast.frame(shared, name) == expected[name], (path.name, name)
            assert fast.frame(fast.values(case), name) == expected[name], (path.name, name)


def test_no_name_from_a_policy_becomes_an_identifier_of_the_generated_code(policies):
    """Every identifier in the compiled functions is one the generator chose (mangled `_d7`, `_k3`, …,
    the parameters, and the attributes it reads): rule, input and member names occur only as constants."""
    import re
    import types

    allowed = re.compile(r"^(_[a-zA-Z]+\d*|env|item|unmet|case|memo|reasons|pending|get|insert|append|numerator|denominator|__class__)$")
    fast = FastPolicy(policies["2024"])
    assert fast._compiler.generate
    generated = [f for f in fast._compiler.codegen.namespace.values()
                 if isinstance(f, types.FunctionType) and f.__code__.co_filename == "<fast form>"]
    assert len(generated) >= len(policies["2024"].definitions) + len(policies["2024"].frames)  # every rule, every frame's amount
    names_in_policy = set(policies["2024"].definitions) | {f.name for g in policies["2024"].groups for f in g.fields}
    for f in generated:
        codes = [f.__code__] + [c for c in f.__code__.co_consts if isinstance(c, types.CodeType)]  # comprehensions
        for code in codes:
            for identifier in code.co_names + code.co_varnames + code.co_freevars + code.co_cellvars:
                assert allowed.match(identifier) or identifier in ("sum", "len", "min", "max", "all", "any", "int", ".0"), identifier
                assert identifier not in names_in_policy
