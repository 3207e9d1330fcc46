"""The round of the application as a value (issue 22): `round of 枠 is "追加公募"`, `… is not "…"`,
`… in {"1次", "2次"}` — the round the case's application date falls in, by the names of the frame's
`deadline` lines. A date in no round (between rounds, after the last, in an unknown earlier one)
has no round: `is`/`in` are false there and `is not` true, and the explanation says the date is in
no round. The tree, the fast form, the SQL form and the page's question pruning agree."""

from __future__ import annotations

import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.explain import relevance, relevance_plan
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, policy_fixtures, write
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "回"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請日: date, optional "申請日"
input 経費: 円 "補助対象経費"
input 賃上げ: bool, default false "賃上げを表明している"

rule 追加公募 "追加公募での申請":
  source 要領 "追加公募の特例"
  round of 枠 is "追加公募"

rule 通常の回 "1次又は2次での申請":
  source 要領 "通常の回"
  round of 枠 in {"1次", "2次"}

rule 追加公募以外で賃上げ "追加公募以外での賃上げ表明":
  source 要領 "賃上げ特例"
  round of 枠 is not "追加公募" and 賃上げ

frame 枠 "枠":
  source 要領 "補助率"
  requires 通常の回
  deadline "1次" 2024-06-30
  deadline "2次" 2024-09-30 opens 2024-07-15
  deadline "追加公募" 2024-12-27 opens 2024-10-01
  amount 補助 "補助":
    on 経費
    rate 2/3 if 追加公募以外で賃上げ else 1/2
    round down

frame 特例 "追加公募の特例枠":
  source 要領 "追加公募の特例"
  requires 追加公募
  deadline "1次" 2024-06-30
  deadline "2次" 2024-09-30 opens 2024-07-15
  deadline "追加公募" 2024-12-27 opens 2024-10-01
  amount 補助 "補助":
    on 経費
    rate 3/4
    round down
"""


folder, policy = policy_fixtures(POLICY, "round_of")


def decided(policy, applied, raise_=False):
    raw = {"経費": 300_000, "賃上げ": raise_, **({"申請日": applied} if applied else {})}
    return [(f.status, f.subsidy) for f in evaluate(policy, read_case(policy, raw)).frames]


@pytest.mark.parametrize("applied, raise_, expected", [
    ("2024-06-30", True, [("eligible", 200_000), ("not_eligible", 0)]),  # 1次, its last day: not 追加公募, a raise
    ("2024-07-14", True, [("not_eligible", 0), ("not_eligible", 0)]),  # between 1次 and 2次: in no round
    ("2024-07-15", False, [("eligible", 150_000), ("not_eligible", 0)]),  # 2次 opens
    ("2024-10-01", True, [("not_eligible", 0), ("eligible", 225_000)]),  # 追加公募 opens
    ("2024-12-27", False, [("not_eligible", 0), ("eligible", 225_000)]),
    ("2024-12-28", False, [("not_eligible", 0), ("not_eligible", 0)]),  # after the last round
])
def test_the_round_a_date_falls_in_decides(policy, applied, raise_, expected):
    assert [(s.value if hasattr(s, "value") else s, a) for s, a in decided(policy, applied, raise_)] == expected


def test_is_not_holds_where_the_date_is_in_no_round(policy):
    for applied, holds in (("2024-07-14", True), ("2024-12-28", True), ("2024-08-01", True), ("2024-11-01", False)):
        known = relevance_plan.read_partial(policy, {"申請日": applied, "経費": 300_000, "賃上げ": True})
        assert relevance.Partial(policy, known).definition("追加公募以外で賃上げ") is holds, applied
        assert relevance.Partial(policy, known).definition("追加公募") is (not holds), applied


def test_tree_fast_sql_and_pruning_agree(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 300, seed=9)]
    for applied in ("2024-06-30", "2024-07-01", "2024-07-14", "2024-07-15", "2024-09-30", "2024-10-01", "2024-12-27",
                    "2024-12-28", None):
        for raise_ in (False, True):
            values.append(read_case(policy, {"経費": 300_000, "賃上げ": raise_, **({"申請日": applied} if applied else {})}))
    assert {v.get("申請日") for v in values} >= {None}
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_once_the_date_is_known_the_round_asks_nothing_more(policy):
    """The page's pruning evaluates the round: with a date in 追加公募, 賃上げ no longer matters."""
    known = relevance_plan.read_partial(policy, {"申請日": "2024-11-01", "経費": 300_000})
    assert "賃上げ" not in set(relevance.needed(policy, known))
    known = relevance_plan.read_partial(policy, {"申請日": "2024-08-01", "経費": 300_000})
    assert "賃上げ" in set(relevance.needed(policy, known))


@pytest.mark.parametrize("applied, lang, line", [
    ("2024-11-01", "ja", "✗ 要件 通常の回: 申請する回が追加公募です（1次、2次のいずれかである必要があります）"),
    ("2024-07-14", "ja", "✗ 要件 通常の回: 申請日がどの回の受付期間にも入りません（申請する回が1次、2次のいずれかである必要があります）"),
    ("2024-11-01", "en", "✗ requirement 通常の回: the round applied in is 追加公募; it must be one of 1次, 2次"),
    ("2024-07-14", "en", "✗ requirement 通常の回: the application date is in no round; the round applied in must be one of 1次, 2次"),
])
def test_the_explanation_names_the_round(folder, tmp_path, run, applied, lang, line):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請日": applied, "経費": 300_000}), encoding="utf-8")
    out = run("eval", case, "--policy", folder, "--format", "brief", "--lang", lang).stdout
    assert line in out, out


def test_fmt_keeps_it_and_spaces_it():
    text = POLICY.replace('round of 枠 in {"1次", "2次"}', 'round  of 枠   in {"1次", "2次"}')
    assert format_text(text) == POLICY


@pytest.mark.parametrize("old, new, message", [
    ('round of 枠 is "追加公募"', 'round of 枠 is "追加"', 'error: "追加" is not a round of 枠\n'),
    ('round of 枠 is "追加公募"', 'round of 枠 is "3次"',
     'help: did you mean 2次? its rounds are: "1次", "2次", "追加公募"'),
    ('round of 枠 is "追加公募"', 'round of 柊 is "追加公募"', "error: round of 柊: no frame 柊"),
    ("  applied on 申請日\n", "", "error: round of 枠 needs the programme's `applied on` (the application date)"),
])
def test_what_the_round_needs(tmp_path, old, new, message):
    with pytest.raises(PolicyError) as error:
        load(tmp_path, POLICY.replace(old, new, 1))
    assert message in str(error.value), str(error.value)


def test_a_frame_without_rounds_says_so(tmp_path):
    text = POLICY.replace('round of 枠 is "追加公募"', 'round of 無期限 is "追加公募"') + """
frame 無期限 "期限のない枠":
  source 要領 "補助率"
  deadlines unknown
  amount 補助 "補助":
    on 経費
    rate 1/2
    round down
"""
    with pytest.raises(PolicyError) as error:
        load(tmp_path, text)
    assert '"追加公募" is not a round of 無期限' in str(error.value)
    assert 'help: 無期限 lists no rounds: give it `deadline "NAME" DATE` lines' in str(error.value)
    said = error.value.said("ja")  # as `policy check` says it by default
    assert '"追加公募" は 無期限 の申請回ではありません' in said
    assert '無期限 には申請回がありません: `deadline "回の名前" 日付` の行を書いてください' in said


def test_a_what_if_is_verified_under_the_round(tmp_path, run):
    """What would change the outcome is re-evaluated with the round the date falls in: in 追加公募 the
    missing 賃上げ is offered with the 追加公募's rate, in 2次 with the 2次's."""
    text = POLICY.replace("  requires 通常の回\n", "  requires 賃上げ表明\n").replace(
        "rule 追加公募以外で賃上げ", 'rule 賃上げ表明 "賃上げを表明している":\n  source 要領 "賃上げ"\n  賃上げ\n\nrule 追加公募以外で賃上げ')
    write(tmp_path, text.replace("rate 2/3 if 追加公募以外で賃上げ else 1/2", "rate 2/3 if 追加公募 else 1/2"))
    for applied, subsidy in (("2024-11-01", "200,000円"), ("2024-08-01", "150,000円")):
        case = tmp_path / "case.json"
        case.write_text(json.dumps({"申請日": applied, "経費": 300_000}), encoding="utf-8")
        out = run("eval", case, "--policy", tmp_path, "--format", "json").stdout
        offers = [w for w in json.loads(out)["frames"][0]["what_if"] if w["kind"] == "eligible"]
        assert [(c["field"], c["to"]) for w in offers for c in w["changes"]] == [("賃上げ", True)]
        assert f"{offers[0]['subsidy']:,}円" == subsidy


DATES = """\
programme "回"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  設立日: date "設立日"

input 申請日: date, optional "申請日"
input 経費: 円 "補助対象経費"

rule 開始後設立 "申請する回の開始より前に設立":
  source 要領 "設立"
  申請者.設立日 < opening of 枠

rule 創業 "締切の3年前以降に設立":
  source 要領 "設立"
  deadline of 枠 is given and 申請者.設立日 ≥ deadline of 枠 - 3年

frame 枠 "枠":
  source 要領 "補助率"
  requires 開始後設立, 創業
  deadline "1次" 2024-06-30 opens 2024-04-01
  amount 補助 "補助":
    on 経費
    rate 1/2
    round down
"""


@pytest.mark.parametrize("founded, applied, lang, lines", [
    ("2024-01-01", "2024-08-01", "ja", ["✗ 要件 開始後設立: 申請日がどの回の受付期間にも入りません（設立日が申請する回の受付開始日未満である必要があります）",
                                        "申請日がどの回の受付期間にも入らないため、申請する回の締切がありません"]),
    ("2024-01-01", "2024-08-01", "en", ["✗ requirement 開始後設立: the application date is in no round; 設立日 must be under the opening day "
                                        "of the round applied in",
                                        "the application date is in no round, so the deadline of the round applied in is not known"]),
    ("2024-05-01", "2024-06-01", "ja", ["✗ 要件 開始後設立: 設立日が2024年5月1日です（申請する回の受付開始日（2024年4月1日）未満である必要があります）"]),
    ("2021-06-29", "2024-06-01", "ja", ["設立日が2021年6月29日です（申請する回の締切の3年前（2021年6月30日）以上である必要があります）"]),
    ("2021-06-29", "2024-06-01", "en", ["設立日 is 2021-06-29; it must be at least 3年 before the deadline of the round applied in (2021-06-30)"]),
])
def test_the_round_dates_are_named_in_the_explanation(tmp_path, run, founded, applied, lang, lines):
    write(tmp_path, DATES)
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"設立日": founded}, "申請日": applied, "経費": 300_000}), encoding="utf-8")
    out = run("eval", case, "--policy", tmp_path, "--format", "brief", "--lang", lang).stdout
    for line in lines:
        assert line in out, out


def test_arithmetic_on_a_round_date_says_how_to_guard_it(tmp_path):
    with pytest.raises(PolicyError) as error:
        load(tmp_path, DATES.replace("deadline of 枠 is given and 申請者", "申請者"))
    assert ("help: deadline of 枠 is missing when the application date is in no round of 枠: test it first, in the same "
            "condition: `deadline of 枠 is given and …` (or `when deadline of 枠 is given:` in `cases:`)") in str(error.value)


def test_a_round_date_of_a_frame_without_rounds_is_warned(tmp_path, run):
    write(tmp_path, DATES.replace('  deadline "1次" 2024-06-30 opens 2024-04-01\n', "  deadlines unknown\n"))
    result = run("check", "--lang", "en", "--policy", tmp_path)
    out = result.stdout + result.stderr
    assert "warning: opening of 枠 is always missing: 枠 lists no rounds" in out
    assert 'help: give 枠 `deadline "NAME" DATE` lines (with `opens DATE` for its opening)' in out
