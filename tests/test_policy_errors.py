"""Every policy error names file:line:col, shows the line with a caret and says what was expected."""

from __future__ import annotations

import pytest

from engine.language.diagnostics import PolicyError
from engine.compile.pipeline import load_policy

BASE = """
enum 業種:
  製造業
  小売業
input 申請者:
  業種: 業種
  資本金: 円, optional
  従業員数: 人
"""


def rule(body: str) -> str:
    return BASE + 'rule R "r":\n  source doc\n' + body


CASES = [
    (
        "syntax",
        rule("  従業員数 ≤ ≤ 300人\n"),
        'policy/policy.rules:14:10: error: syntax error: unexpected "≤"; expected one of: "(", "all", "any", "deadline", "larger", '
        '"number", "opening", "round", "smaller", "total", a name, a value (e.g. 50万円, 300人, 1/2, 50%, 2024-02-16, true)\n'
        "  14 |   従業員数 ≤ ≤ 300人\n"
        "                    ^",
    ),
    (
        "missing colon",
        BASE + 'rule R "r"\n  source doc\n  従業員数 ≤ 300人\n',
        'policy/policy.rules:12:11: error: syntax error: unexpected end of line; expected ":"\n'
        '  12 | rule R "r"\n'
        "                 ^",
    ),
    (
        "unexpected character",
        rule("  従業員数 ≦ 300人\n"),
        'policy/policy.rules:14:8: error: syntax error: unexpected "≦"; expected one of: ".", "and", "contains", "if", "in", '
        '"is", "not", "or", + or -, a comparison (≤, <, =, ≠, ≥, >), the end of the line, × or ÷ (did you mean `≤`?)\n'
        "  14 |   従業員数 ≦ 300人\n"
        "                  ^",
    ),
    (
        "a line indented more than its block",  # the caret is on the line at fault, not the end of the one before
        rule("  従業員数 ≤ 300人\n    or 従業員数 ≤ 5人\n"),
        "policy/policy.rules:15:5: error: syntax error: unexpected indented line; expected the end of the indented block\n"
        "  15 |     or 従業員数 ≤ 5人\n"
        "           ^\n"
        "  help: this line is indented more than the line before it; a block's lines share one indentation",
    ),
    (
        "a text never closed",
        BASE + 'rule R "r:\n  source doc\n  従業員数 ≤ 300人\n',
        'policy/policy.rules:12:8: error: syntax error: this quoted text is never closed; expected a closing " on the same line\n'
        '  12 | rule R "r:\n'
        "              ^\n"
        "  help: a quoted text ends on the line it starts on",
    ),
    (
        "unknown name with a suggestion",
        rule("  従業員 ≤ 300人\n"),
        "policy/policy.rules:14:3: error: unknown name 従業員\n"
        "  14 |   従業員 ≤ 300人\n"
        "         ^^^^^^\n"
        "  help: did you mean 従業員数?",
    ),
    (
        "yen compared with a count",
        rule("  資本金 ≤ 300人\n"),
        "policy/policy.rules:14:3: error: cannot compare 円 (yen) with 人 (count)\n"
        "  14 |   資本金 ≤ 300人\n"
        "         ^^^^^^^^^^^^^^",
    ),
    (
        "table misses a member",
        BASE + "table T by 業種:\n  source doc\n  | 業種 | 上限 |\n  | 製造業 | 300人 |\n",
        "policy/policy.rules:12:7: error: table T has no row for 小売業 (every member of 業種 needs one)\n"
        "  12 | table T by 業種:\n"
        "             ^",
    ),
    (
        "duplicate definition",
        rule("  従業員数 ≤ 300人\n") + 'rule R "r2":\n  source doc\n  従業員数 ≤ 30人\n',
        "policy/policy.rules:15:6: error: R is defined twice (first as a rule at policy/policy.rules:12:6)\n"
        '  15 | rule R "r2":\n'
        "            ^",
    ),
    (
        "cycle",
        BASE + 'rule A "a":\n  source doc\n  B\nrule B "b":\n  source doc\n  A\n',
        "policy/policy.rules:17:3: error: rules refer to each other in a cycle: A -> B -> A\n"
        "  17 |   A\n"
        "         ^",
    ),
    (
        "no source",
        BASE + 'rule R "r":\n  従業員数 ≤ 300人\n',
        'policy/policy.rules:12:6: error: rule R has no source; add a line `source KEY "where it says so"`\n'
        '  12 | rule R "r":\n'
        "            ^\n"
        '  help: use `source inferred "why"` for a rule no document states',
    ),
    (
        "unknown source key",
        BASE + 'rule R "r":\n  source dok\n  従業員数 ≤ 300人\n',
        "policy/policy.rules:13:3: error: unknown source dok\n"
        "  13 |   source dok\n"
        "         ^\n"
        "  help: did you mean doc?",
    ),
    (
        "not an enum member",
        rule("  業種 is 製造\n"),
        "policy/policy.rules:14:9: error: 製造 is not a member of 業種\n"
        "  14 |   業種 is 製造\n"
        "                 ^^^^\n"
        "  help: did you mean 製造業?",
    ),
    (
        "malformed amount",
        rule("  資本金 ≤ 50,00円\n"),
        "policy/policy.rules:14:9: error: malformed number '50,00': commas must separate groups of three digits\n"
        "  14 |   資本金 ≤ 50,00円\n"
        "                  ^^^^^^^",
    ),
]


@pytest.mark.parametrize("name, text, message", CASES, ids=[c[0] for c in CASES])
def test_policy_error_message(name, text, message, write_policy, tmp_path, monkeypatch):
    write_policy(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as exc:
        load_policy("policy")
    assert str(exc.value) == message


AMOUNT_CASES = [
    (
        "bands must ascend",
        "    rate 4/5 until the subsidy reaches 50万円\n    then rate 2/3 until the subsidy reaches 40万円\n    then rate 1/2\n    round down\n",
        "band limits of amount A of frame F must ascend: 40万円 comes after a larger or equal limit",
    ),
    ("rate outside 0..1", "    rate 5/4\n    round down\n", "rate 5/4 is outside 0…1"),
    ("rounding must be stated", "    rate 1/2\n", "amount A of frame F does not say how fractional yen are rounded: add `round down`"),
    ("last band has no until", "    rate 1/2 until the cost reaches 10万円\n    round down\n",
     "the last band of amount A of frame F needs no `until`: it covers the rest"),
    ("floor above cap", "    rate 1/2\n    round down\n    at most 5万円\n    at least 10万円\n",
     "floor 10万円 is above the cap 5万円: nothing could be granted"),
    ("cost must be yen", "    rate 1/2\n    round down\n", None),
]


@pytest.mark.parametrize("name, lines, message", [c for c in AMOUNT_CASES if c[2]], ids=[c[0] for c in AMOUNT_CASES if c[2]])
def test_amount_checks(name, lines, message, write_policy):
    folder = write_policy(BASE + 'frame F "f":\n  source doc\n  amount A "a":\n    on 100万円\n' + lines)
    with pytest.raises(PolicyError) as exc:
        load_policy(folder)
    assert [d.message for d in exc.value.diagnostics] == [message]


def test_all_errors_are_reported_at_once(write_policy):
    folder = write_policy(BASE + 'rule R "r":\n  source dok\n  従業員 ≤ 300人 and 資本金 ≤ 3人\n')
    with pytest.raises(PolicyError) as exc:
        load_policy(folder)
    assert [d.message for d in exc.value.diagnostics] == [
        "unknown source dok",
        "unknown name 従業員",
        "cannot compare 円 (yen) with 人 (count)",
    ]


def test_include_errors(write_policy, tmp_path, monkeypatch):
    write_policy('include "a.rules"\n', a='include "policy.rules"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as exc:
        load_policy("policy")
    assert exc.value.diagnostics[0].message == "include cycle: policy/policy.rules -> policy/a.rules -> policy/policy.rules"

    write_policy('include "../../etc/passwd"\n')
    with pytest.raises(PolicyError) as exc:
        load_policy("policy")
    assert exc.value.diagnostics[0].message == 'include "../../etc/passwd" leaves the policy folder policy'

    write_policy('include "missing.rules"\n')
    with pytest.raises(PolicyError) as exc:
        load_policy("policy")
    assert exc.value.diagnostics[0].message == 'include "missing.rules": no such file policy/missing.rules'


def test_missing_folder_and_entry(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError, match="policy folder nowhere does not exist"):
        load_policy("nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyError, match="policy folder empty has no policy.rules"):
        load_policy("empty")


def test_non_utf8_policy(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "policy.rules").write_bytes(b'programme "T"\n  year 2024\n# \x82\xa0 shift-jis\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as exc:
        load_policy("p")
    assert str(exc.value).startswith("p/policy.rules:3:3: error: p/policy.rules is not UTF-8 text (byte 0x82 at line 3); save it as UTF-8")


def test_frame_that_can_never_be_eligible(write_policy):
    folder = write_policy(BASE + 'frame F "f":\n  source doc\n  amount A "a":\n    on 100万円\n    rate 1/2\n    round down\n'
                                 "    at most 3万円\n  amount B \"b\":\n    on 100万円\n    rate 1/2\n    round down\n    at most 1万円\n"
                                 "  at least 5万円\n")
    with pytest.raises(PolicyError) as exc:
        load_policy(folder)
    d = exc.value.diagnostics[0]
    assert (d.message, d.span.line, d.span.column) == (
        "frame F can never be eligible: its floor 5万円 is above the most its amounts can grant (40,000円)", 24, 3)


def test_check_command_lists_errors_and_warnings_with_positions(write_policy, run, tmp_path, monkeypatch):
    write_policy(BASE + 'rule R "r":\n  source dok\n  従業員 ≤ 300人\nrule U "unused":\n  source doc\n  従業員数 ≤ 3人\n')
    monkeypatch.chdir(tmp_path)
    result = run("check", "--lang", "en", "--policy", "policy")
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "policy/policy.rules:9:3: warning: input 業種 is never used",
        "   9 |   業種: 業種",
        "         ^^^^",
        "policy/policy.rules:10:3: warning: input 資本金 is never used",
        "  10 |   資本金: 円, optional",
        "         ^^^^^^",
        "policy/policy.rules:12:6: warning: rule R is never used",
        '  12 | rule R "r":',
        "            ^",
        "policy/policy.rules:13:3: error: unknown source dok",
        "  13 |   source dok",
        "         ^",
        "  help: did you mean doc?",
        "policy/policy.rules:14:3: error: unknown name 従業員",
        "  14 |   従業員 ≤ 300人",
        "         ^^^^^^",
        "  help: did you mean 従業員数?",
        "policy/policy.rules:15:6: warning: rule U is never used",
        '  15 | rule U "unused":',
        "            ^",
        "2 error(s), 4 warning(s)",
    ]


def test_a_table_column_mixing_units_is_reported_at_the_cell(write_policy):
    folder = write_policy(BASE + "table T by 業種:\n  source doc\n  | 業種 | 上限 |\n  | 製造業 | 300 |\n  | 小売業 | 50人 |\n"
                          "rule R \"r\":\n  source doc\n  資本金 ≤ T.上限\n")
    folder_text = (folder / "policy.rules").read_text(encoding="utf-8").replace("| 製造業 | 300 |", "| 製造業 | 100万円 |")
    (folder / "policy.rules").write_text(folder_text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(folder)
    d = exc.value.diagnostics[0]
    assert (d.message, d.span.line) == ("column 上限 mixes 円 (yen) and 人 (count)", 16)


def test_a_term_written_backwards_and_a_deadline_outside_the_term_are_policy_errors(write_policy):
    """A backwards `in force` would judge every case outside the term; a deadline with a typo'd year
    outside it would let late applications through (only the last deadline limits the date)."""
    header = 'programme "T"\n  year 2024\n  in force 2024-10-15 .. 2024-02-16\n  source doc "d"\n'
    with pytest.raises(PolicyError) as exc:
        load_policy(write_policy(rule("  従業員数 ≤ 300人\n"), header=header), use_cache=False)
    assert str(exc.value).endswith(
        "policy.rules:3:26: error: in force 2024-10-15 .. 2024-02-16 ends before it starts; write the earlier date first\n"
        "   3 |   in force 2024-10-15 .. 2024-02-16\n"
        "                                ^^^^^^^^^^")
    header = 'programme "T"\n  year 2024\n  in force 2024-02-16 .. 2024-10-15\n  applied on 申請日\n  source doc "d"\n'
    body = BASE + "input 申請日: date\n" + 'rule R "r":\n  source doc\n  従業員数 ≤ 300人\n' + (
        'frame F "f":\n  source doc\n  requires R\n  exclusions none\n'
        '  deadline "1次" 2024-03-15\n  deadline "2次" 2031-10-15\n'
        '  amount A "a":\n    on 資本金\n    rate 1/2\n    round down\n')
    with pytest.raises(PolicyError) as exc:
        load_policy(write_policy(body, header=header), use_cache=False)
    assert "error: deadline 2031-10-15 of frame F is outside the programme's term 2024-02-16 .. 2024-10-15" in str(exc.value)


@pytest.mark.parametrize("indent, help_text", [
    ("\u3000\u3000", "this line is indented with a full-width space (U+3000), which is not indentation; indent with ASCII spaces"),
    ("\t", "this line is indented with a tab (counted as 8 columns); indent every line of a block with the same ASCII spaces"),
], ids=["full-width space", "tab"])
def test_an_indentation_the_eye_cannot_tell_from_spaces_is_named(write_policy, indent, help_text):
    with pytest.raises(PolicyError) as exc:
        load_policy(write_policy(rule(indent + "従業員数 ≤ 300人\n")), use_cache=False)
    assert str(exc.value).endswith("  help: " + help_text)


@pytest.mark.parametrize("line, english, japanese", [
    ("  資本金 ≤ 50,00円\n",
     "malformed number '50,00': commas must separate groups of three digits",
     "数 '50,00' の書き方に誤りがあります: 桁区切りのカンマは3桁ごとに置いてください"),
    ("  資本金 ≤ 1億12,000万円\n",
     "malformed amount '1億12,000万円': the 万 part after 億 must be below 1万",
     "金額 '1億12,000万円' の書き方に誤りがあります: 億のあとの万の部分は1万未満にしてください"),
    ("  資本金 ≤ 100000000億円\n",
     "amount 100000000億円 is larger than 1,000,000,000,000,000円; is it a typo?",
     "金額 100000000億円 は 1,000,000,000,000,000円 より大きい値です。書き誤りではありませんか"),
])
def test_a_literal_that_cannot_be_read_is_said_in_the_commands_language(line, english, japanese, write_policy, run, tmp_path, monkeypatch):
    """literals.py's problems are catalogue phrases like every other diagnostic: `policy check`
    says them in --lang (Japanese by default), at the literal's position."""
    write_policy(rule(line))
    monkeypatch.chdir(tmp_path)
    for lang, message in (("en", english), ("ja", japanese)):
        result = run("check", "--lang", lang, "--policy", "policy")
        assert result.exit_code != 0
        first = result.stderr.splitlines()[0]
        assert first.startswith("policy/policy.rules:14:9: ") and first.endswith(message), first
