"""engine/explain/json_text.py: orjson (when installed) and the standard library give the same
bytes, for `policy eval --format json`'s indented text and for the compact records of
`policy batch`'s JSON Lines, on every example's explained decision under every year, and on the
values where two JSON encoders could differ."""

from __future__ import annotations

import json

import pytest

from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.evaluator import evaluate
from engine.explain import json_text, render_json
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError
from engine.population import batch
from review_support import CASES, NATIVE_YEAR, YEARS, load_years

orjson = pytest.importorskip("orjson")


@pytest.fixture(scope="module")
def policies():
    return load_years()


def _stdlib(monkeypatch):
    """json_text as it runs without orjson installed."""
    monkeypatch.setattr(json_text, "orjson", None)


@pytest.mark.parametrize("year", YEARS)
def test_orjson_and_the_standard_library_write_the_same_text_on_every_example(policies, year, monkeypatch):
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    policy, checked = policies[year], 0
    for path in CASES:
        try:
            values = read_case(policy, read_case_file(path), also_known=known)
        except CaseError:  # another year's case
            continue
        decision = what_if(policy, values, evaluate(policy, values, check_dates=year == NATIVE_YEAR))
        for lang in ("ja", "en"):
            data = render_json.decision(decision, lang)
            fast_indented, fast_compact = json_text.indented(data), json_text.compact(data)
            assert fast_indented == json.dumps(data, ensure_ascii=False, indent=2), (path.stem, lang)
            assert fast_compact == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), (path.stem, lang)
            with monkeypatch.context() as m:
                _stdlib(m)
                assert json_text.indented(data) == fast_indented and json_text.compact(data) == fast_compact
            checked += 1
    assert checked >= 2 * 50


AWKWARD = [
    {"text": "\x00\x01\x1f\x7f\u2028\u2029\"\\/\n\r\t\b\f é 補助金 🙂", "empty": [], "none": {}, "nested": [[], {}, [{}]]},
    [0, -1, True, False, None, 2**63 - 1, -(2**63)],
    "",
]


@pytest.mark.parametrize("data", AWKWARD)
def test_the_same_bytes_with_either_encoder_where_encoders_could_differ(data, monkeypatch):
    fast = (json_text.indented(data), json_text.compact(data))
    _stdlib(monkeypatch)
    assert fast == (json_text.indented(data), json_text.compact(data))
    assert fast == (json.dumps(data, ensure_ascii=False, indent=2), json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def test_what_orjson_refuses_is_written_by_the_standard_library():
    assert json_text.compact({"yen": 2**70}) == b'{"yen":1180591620717411303424}'
    assert json_text.indented([2**70]) == "[\n  1180591620717411303424\n]"
    # a lone surrogate (JSON "\ud800") cannot be UTF-8: inside a string its backslash escape is its JSON spelling
    assert json_text.compact({"name": "a\ud800b"}) == b'{"name":"a\\ud800b"}'


def test_a_batch_record_is_one_compact_line_the_same_with_or_without_orjson(monkeypatch):
    record = {"line": 3, "ok": False, "errors": [{"field": "申請者.業種", "message": "got \"製造\", expected one of: 製造業"}]}
    line = batch.record_line(record, "jsonl", [], None)
    assert line == '{"line":3,"ok":false,"errors":[{"field":"申請者.業種","message":"got \\"製造\\", expected one of: 製造業"}]}\n'.encode()
    assert batch.format_record(record, "jsonl", [], None).encode() == line
    _stdlib(monkeypatch)
    assert batch.record_line(record, "jsonl", [], None) == line
