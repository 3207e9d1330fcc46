"""A decision made with the fast form (`evaluate(..., fast=)`): each rule's value comes from the fast
form and its steps are made only when read (LazyTrace). Read whole, it is exactly the eager
decision: the same JSON, the same what-ifs, the same value and type of every rule."""

from __future__ import annotations

import pickle

import pytest

from conftest import EXAMPLES, ROOT, examples_for
from engine.authoring.corpus import generate
from engine.compile.pipeline import load_policy
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.decision import LazyTrace, Trace
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy
from engine.explain import json_text, render_json
from engine.explain.counterfactual import what_if

YEARS = ("2023", "2024", "2025")


@pytest.fixture(scope="module")
def policies():
    return {y: load_policy(ROOT / "policies" / y).policy for y in YEARS}


@pytest.fixture(scope="module")
def known(policies):
    return frozenset().union(*(field_names(p) for p in policies.values()))


def _text(decision, lang="ja", traces=True) -> str:
    return json_text.compact(render_json.decision(decision, lang, traces=traces))


@pytest.mark.parametrize("year", YEARS)
def test_every_example_reads_the_same_made_lazily_or_at_once(policies, known, year):
    policy = policies[year]
    fast = FastPolicy(policy)
    for path in examples_for(policy):
        values = read_case(policy, read_case_file(path), also_known=known)
        eager = what_if(policy, values, evaluate(policy, values))
        lazy = what_if(policy, values, evaluate(policy, values, fast=fast))
        # as the service's full form reads it (no traces) first, then whole
        assert _text(lazy, traces=False) == _text(eager, traces=False), path.name
        assert _text(lazy) == _text(eager), path.name
        assert _text(lazy, "en") == _text(eager, "en"), path.name


@pytest.mark.parametrize("year", YEARS)
def test_every_rule_has_the_tree_value_and_type_on_a_boundary_corpus(policies, known, year):
    policy = policies[year]
    fast = FastPolicy(policy)
    seeds = [read_case_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
    for raw in generate(policy, 150, seed=int(year) + 7, seeds=seeds):
        values = read_case(policy, raw, also_known=known)
        eager, lazy = evaluate(policy, values), evaluate(policy, values, fast=fast)
        for e, l in zip(eager.frames, lazy.frames):
            for a, b in zip(e.requirements + e.exclusions + e.steps, l.requirements + l.exclusions + l.steps):
                assert type(b) is LazyTrace and b.name == a.name
                assert (b.result, type(b.result)) == (a.result, type(a.result)), (a.name, raw)
        assert _text(lazy) == _text(eager), raw
        assert lazy == eager and eager == lazy  # a LazyTrace equals the plain Trace it reads as, both ways


def test_a_lazy_step_differing_in_any_field_is_not_equal(policies, known):
    import attrs

    policy = policies["2024"]
    values = read_case(policy, read_case_file(EXAMPLES / "seed_invoice_small_1m.json"), also_known=known)
    rule = evaluate(policy, values, fast=FastPolicy(policy)).frames[0].requirements[0]
    eager = evaluate(policy, values).frames[0].requirements[0]
    assert rule == eager
    for field in attrs.fields(Trace):  # every field is compared, a field added to Trace too
        other = attrs.evolve(eager, **{field.name: "different"})
        assert rule != other and other != rule, field.name


def test_a_rule_s_steps_are_made_only_when_read(policies, known):
    policy = policies["2024"]
    fast = FastPolicy(policy)
    values = read_case(policy, read_case_file(EXAMPLES / "seed_invoice_small_1m.json"), also_known=known)
    decision = evaluate(policy, values, fast=fast)
    render_json.decision(decision, "ja", traces=False)  # reads the results and the unmet conditions only
    rule = decision.frames[0].requirements[0]
    assert rule.result is True and rule._made is None  # a requirement met: its steps were never needed
    eager = evaluate(policy, values).frames[0].requirements[0]
    assert rule.children == eager.children and rule._made is not None  # made once read, the same steps
    assert rule.children is rule.children  # and made once
    with_rules = next(t for f in decision.frames for t in f.requirements if any(c.kind == "rule" for c in t.children[0].children))
    twin = next(t for f in evaluate(policy, values).frames for t in f.requirements if t.name == with_rules.name)
    assert with_rules == twin and twin == with_rules and hash(with_rules) == hash(twin) and len({with_rules, twin}) == 1


def test_a_lazy_step_pickles_as_the_plain_trace_it_reads_as(policies, known):
    policy = policies["2024"]
    values = read_case(policy, read_case_file(EXAMPLES / "seed_invoice_small_1m.json"), also_known=known)
    rule = evaluate(policy, values, fast=FastPolicy(policy)).frames[0].requirements[0]
    again = pickle.loads(pickle.dumps(rule))
    assert type(again) is Trace
    assert again == evaluate(policy, values).frames[0].requirements[0]
