"""The case reader and the case's JSON Schema accept exactly the same values (issue 26, fault 13:
the reader took "2024-W27-1" as a date and "１/２", "٥٠%", "1_0/2_0" as ratios, which the schema
refuses), and a list holds at most POLICY_MAX_ITEMS items in both (fault 6)."""

from __future__ import annotations

import json
from fractions import Fraction

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import EXAMPLES, POLICY_2024, changed_case
from engine.authoring.schema import case_schema
from engine.compile.pipeline import load_policy
from engine.evaluate.case import read_case
from engine.language.diagnostics import CaseError

POLICY = load_policy(POLICY_2024).policy
VALIDATOR = jsonschema.Draft202012Validator(case_schema(POLICY), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
BASE = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
BASE = {k: v for k, v in BASE.items() if k != "expected"}
BASE.setdefault("資本関係", {})
RATIO = ["資本関係", "最大大企業株主の持株比率"]
DATE = ["申請日"]


def _reader_accepts(case) -> bool:
    try:
        read_case(POLICY, case)
        return True
    except CaseError:
        return False


def _in_range(text: str) -> bool:
    """Whether a ratio string the schema's pattern admits lies in 0…1 (the one thing a pattern cannot say)."""
    text = text.strip(" ")
    try:
        if text.endswith("%"):
            return 0 <= Fraction(text[:-1].strip(" ")) / 100 <= 1
        numerator, _, denominator = text.partition("/")
        return 0 <= Fraction(numerator.strip(" ")) / Fraction(denominator.strip(" ") or "1") <= 1
    except (ValueError, ZeroDivisionError):
        return False


SPELLING = st.text(alphabet=st.sampled_from(list("0123456789./% _-W\n\t") + ["１", "٥", "\u3000", "\u00a0", "e", "٠"]), max_size=12)


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPELLING)
@example("１/２")
@example("٥٠%")
@example("1_0/2_0")
@example("0.5/1")
@example("1/2\n")
def test_a_ratio_string_is_read_exactly_when_the_schema_admits_it(text):
    case = changed_case(BASE, RATIO, text)
    schema_ok = VALIDATOR.is_valid(case)
    assert _reader_accepts(case) == (schema_ok and _in_range(text)), text
    if not schema_ok:
        assert not _reader_accepts(case)


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(SPELLING, st.dates().map(str), st.dates().map(lambda d: d.strftime("%G-W%V-%u"))))
@example("2024-W27-1")
@example("２０２４-07-01")
@example("2024-07-01\n")
@example("2024-02-30")
def test_a_date_string_is_read_exactly_when_the_schema_admits_it(text):
    case = changed_case(BASE, DATE, text)
    assert _reader_accepts(case) == VALIDATOR.is_valid(case), text


@pytest.mark.parametrize("count", [1000, 1001, 10_000])
def test_a_list_holds_at_most_max_items_in_the_reader_and_the_schema(count):
    case = changed_case(BASE, ["経費"], BASE["経費"][:1] * count)
    assert _reader_accepts(case) == VALIDATOR.is_valid(case) == (count <= 1000)
    if count > 1000:
        with pytest.raises(CaseError, match=f"経費: {count:,} items; a list holds at most 1,000"):
            read_case(POLICY, case)


def test_the_item_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("POLICY_MAX_ITEMS", "2")
    case = changed_case(BASE, ["経費"], BASE["経費"][:1] * 3)
    with pytest.raises(CaseError, match="a list holds at most 2"):
        read_case(POLICY, case)


def test_eval_refuses_ten_thousand_items_with_exit_3(run, write_case):
    case = changed_case(BASE, ["経費"], BASE["経費"][:1] * 10_000)
    result = run("eval", write_case(case), "--lang", "en")
    assert result.exit_code == 3
    assert "経費: 10,000 items; a list holds at most 1,000" in result.stderr
    result = run("eval", write_case(case))  # Japanese by default, the list by its label
    assert "「経費（税抜）」: 10,000件あります。1つのリストは1,000件までです（POLICY_MAX_ITEMS）" in result.stderr
