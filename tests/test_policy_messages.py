"""Messages that lead an author to the fix (the near misses new authors make)."""

from __future__ import annotations

import pytest

from engine.compile.pipeline import load_policy
from engine.language.diagnostics import PolicyError

BASE = """\
programme "T"
  year 2024
  source doc "d"

input 申請者 "申請者":
  費用: 円 "費用"
  控除: 円, optional "控除"

rule 大きい "大きい":
  source doc "x"
  cases:
    when 費用 > 100円: true
    otherwise: false

frame 枠 "枠":
  source doc "枠"
  requires 大きい
  exclusions none
  amount 補助 "補助":
    source doc "1/2"
    on 費用
    rate 1/2
    round down
"""


def _error(tmp_path, text) -> str:
    (tmp_path / "policy.rules").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(tmp_path, use_cache=False)
    return str(error.value)


def test_the_base_policy_checks(tmp_path):
    (tmp_path / "policy.rules").write_text(BASE, encoding="utf-8")
    assert load_policy(tmp_path, use_cache=False).policy.frames[0].name == "枠"


def test_a_cases_block_without_otherwise_is_reported_at_its_last_line(tmp_path):
    message = _error(tmp_path, BASE.replace("    otherwise: false\n", ""))
    assert message.splitlines()[0].endswith("policy.rules:12:5: error: this `cases:` block has no `otherwise:`; end it with an `otherwise:` line")
    assert "help: `otherwise:` gives the result for every case no `when` matches" in message


@pytest.mark.parametrize("old, new, tail", [
    ("exclusions none", "exclusion none", '(did you mean `exclusions`?)'),
    ("費用 > 100円", "費用 ＞ 100円", "(did you mean `>`?)"),
    ("費用 > 100円", "費用 > 300円 / 3", "(`/` is not an operator: write `× 1/3` for a third, or `÷ 3`)"),
])
def test_near_misses_say_what_was_meant(tmp_path, old, new, tail):
    first = _error(tmp_path, BASE.replace(old, new)).splitlines()[0]
    assert first.endswith(tail), first


def test_arithmetic_on_an_optional_input_says_how_to_fix_it(tmp_path):
    message = _error(tmp_path, BASE.replace("    on 費用\n", "    on 費用 - 控除\n"))
    assert "error: arithmetic on an optional value that may be missing" in message
    assert "help: say what stands for it when it is not given: `(控除 or 0円)`; or give the input the value a missing answer " \
           "stands for, e.g. `控除: 円, default 0円`" in message


def test_an_amount_used_in_an_expression_says_what_amounts_are(tmp_path):
    message = _error(tmp_path, BASE.replace("    on 費用\n", "    on 費用\n  amount 二つ目 \"二つ目\":\n    source doc \"x\"\n    on 補助\n    rate 1/2\n    round down\n"))
    assert "error: 補助 is an amount of frame 枠: an amount is a result, not a value an expression can use" in message
    assert "help: name what it is computed from with a `value`" in message


def test_a_list_of_an_unknown_type_is_an_error_not_a_crash(tmp_path):
    text = BASE.replace('  控除: 円, optional "控除"\n', '  控除: 円, optional "控除"\n\ninput 一覧: list of 無い型 "一覧"\n', 1).replace(
        "    when 費用 > 100円: true", "    when number of 一覧 ≥ 10: true")
    message = _error(tmp_path, text)
    assert "error: unknown type 無い型" in message


def test_a_failed_membership_shows_the_relation_the_case_has():
    from engine.evaluate.decision import Trace
    from engine.explain.render_text import condition

    from engine.tree.nodes import Label

    value = Trace(kind="input", result="会社", label=Label(ja="組織形態"), facts=(("kind", "enum"),))
    failed = Trace(kind="member", result=False, facts=(("members", ("商工会等",)), ("negated", False)), children=(value,))
    held = Trace(kind="member", result=True, facts=(("members", ("会社",)), ("negated", False)), children=(value,))
    failed_not = Trace(kind="member", result=False, facts=(("members", ("会社",)), ("negated", True)), children=(value,))
    # a failed test says what the case has and what was needed, in words (no ∈ / ∉)
    assert [condition(t, "ja") for t in (failed, held, failed_not)] == [
        "組織形態が会社です（商工会等である必要があります）", "組織形態が会社です", "組織形態が会社です（会社以外である必要があります）"]
