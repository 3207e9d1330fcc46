"""The JSON of a traced decision is made once per trace and shared wherever the decision names it
(render_json's `shared`): the text must be byte for byte what making every reference afresh gives,
on every example under every year, in both languages, with and without traces."""

from __future__ import annotations

import json

import attrs
import pytest

from conftest import EXAMPLES
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.decision import Trace, make_trace
from engine.evaluate.evaluator import evaluate
from engine.explain import render_json
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError
from review_support import CASES, NATIVE_YEAR, YEARS, load_years


@pytest.fixture(scope="module")
def policies():
    return load_years()


def _decisions(policies, year):
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    policy = policies[year]
    for path in CASES:
        try:
            values = read_case(policy, read_case_file(path), also_known=known)
        except CaseError:  # another year's case
            continue
        yield path.stem, what_if(policy, values, evaluate(policy, values, check_dates=year == NATIVE_YEAR))


@pytest.mark.parametrize("year", YEARS)
def test_shared_json_is_the_json_made_afresh_on_every_example(policies, year):
    checked = 0
    for name, decision in _decisions(policies, year):
        for lang in ("ja", "en"):
            for traces in (True, False):
                shared = render_json.decision(decision, lang, traces=traces)
                afresh = render_json.decision(decision, lang, traces=traces, share=False)
                assert json.dumps(shared, ensure_ascii=False) == json.dumps(afresh, ensure_ascii=False), (name, lang, traces)
                checked += 1
    assert checked >= 4 * 100  # every example this year reads, four ways


def test_a_rule_named_by_two_frames_is_made_into_data_once(policies):
    policy = policies[NATIVE_YEAR]
    values = read_case(policy, read_case_file(EXAMPLES / "seed_invoice_small_1m.json"),
                       also_known=frozenset().union(*(field_names(p) for p in policies.values())))
    out = render_json.decision(evaluate(policy, values))
    first, second = out["frames"][0], out["frames"][1]
    common = {r["name"] for r in first["requirements"]} & {r["name"] for r in second["requirements"]}
    assert common, "the first two frames share a requirement"
    name = sorted(common)[0]
    mine = next(r for r in first["requirements"] if r["name"] == name)
    theirs = next(r for r in second["requirements"] if r["name"] == name)
    assert mine is theirs  # one dict, named twice
    apart = render_json.decision(evaluate(policy, values), share=False)
    assert next(r for r in apart["frames"][0]["requirements"] if r["name"] == name) is not \
        next(r for r in apart["frames"][1]["requirements"] if r["name"] == name)


def test_a_trace_still_compares_and_hashes_by_value():
    # Trace is not frozen (for speed, decision.py); its equality and hash are by value as before
    a = Trace(kind="compare", result=True, op="<", facts=(("kind", "money"),))
    b = Trace(kind="compare", result=True, op="<", facts=(("kind", "money"),))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Trace(kind="compare", result=False, op="<", facts=(("kind", "money"),))
    assert a.fact("kind") == "money" and a.fact("unit", "none") == "none"
    assert Trace(kind="x", result=1, facts=(("k", 1), ("k", 2))).fact("k") == 2  # the last of a repeated key


def test_the_quick_trace_maker_makes_the_same_trace():
    # make_trace (what the evaluator calls) sets every field itself: a field added to Trace must be added there too
    everything = dict(kind="table", result=3, origin=None, name="r", label=None, cite=None, op="<",
                      facts=(("key", "a"),), children=(Trace(kind="const", result=1),))
    assert set(everything) == {f.name for f in attrs.fields(Trace)}
    assert make_trace(**everything) == Trace(**everything)
    assert make_trace(kind="const", result=1) == Trace(kind="const", result=1)
    made = make_trace(kind="const", result=1)
    assert all(getattr(made, f.name) == f.default for f in attrs.fields(Trace) if f.default is not attrs.NOTHING)


def test_the_quick_result_makers_make_the_same_results():
    # make_amount, make_band, make_cap and make_floor set every field themselves, as make_trace does
    from fractions import Fraction

    from engine.evaluate.decision import (AmountResult, BandResult, CapResult, FloorResult, make_amount, make_band, make_cap,
                                          make_floor)
    const = Trace(kind="const", result=500000)
    band = dict(rate=Fraction(1, 2), rate_trace=const, measure="cost", limit=3, cost=Fraction(7, 3), subsidy=Fraction(7, 6))
    cap = dict(limit=500000, active=True, binding=False, condition=const, negated=True, cite=None, origin=None, limit_trace=const)
    floor = dict(limit=50000, met=False, origin=None)
    assert set(band) == {f.name for f in attrs.fields(BandResult)} and make_band(**band) == BandResult(**band)
    assert set(cap) == {f.name for f in attrs.fields(CapResult)} and make_cap(**cap) == CapResult(**cap)
    assert set(floor) == {f.name for f in attrs.fields(FloorResult)} and make_floor(**floor) == FloorResult(**floor)
    everything = dict(name="a", label=None, cite=None, origin=None, base=7, base_trace=const, bands=(BandResult(**band),),
                      unrounded=Fraction(7, 2), rounded_down=True, round_cite=None, parts=(), items=(), item_index=2,
                      before_caps=3, caps=(CapResult(**cap),), floors=(FloorResult(**floor),), result=3, like="x")
    assert set(everything) == {f.name for f in attrs.fields(AmountResult)}
    assert make_amount(**everything) == AmountResult(**everything)
    least = dict(name="a", label=None, cite=None, origin=None)
    assert make_amount(**least) == AmountResult(**least)
