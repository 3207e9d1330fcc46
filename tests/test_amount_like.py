"""An amount defined once and derived (issue 22, item 6): `amount B "…" like F.A:` is amount A of
frame F with the lines B states, as `amend` changes an amount — the same amount with another cost,
rate or cap, stated once. The explanation, the JSON decision and `policy doc` say "as A of F,
except …"; the tree, the fast form and the SQL form agree."""

from __future__ import annotations

import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, policy_fixtures, write
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "金額の派生"
  year 2024
  source 要領 "例示の補助金 公募要領"

enum 区分 "経費の区分":
  ソフトウェア
  PC

record 明細 "経費の明細":
  区分: 区分, fixed "区分"
  金額: 円 "金額"

input 申請者 "申請者":
  小規模: bool, default false "小規模事業者"

input 経費: list of 明細 "経費"

frame 通常 "通常枠":
  source 要領 "通常枠"
  amount ソフト "ソフトウェア":
    on total of 金額 in 経費 where 区分 is ソフトウェア
    rate 1/2
    round down
    at most 150万円
  amount PC "PC等" like ソフト:
    on total of 金額 in 経費 where 区分 is PC
    at most 10万円

frame 小規模枠 "小規模枠":
  source 要領 "小規模枠"
  amount ソフト like 通常.ソフト:
    rate 2/3 if 小規模 else 1/2
  amount PC like 通常.PC:
    at most 20万円

frame 大型 "大型枠" like 小規模枠:
  source 要領 "大型枠"
  amount ソフト:
    at most 300万円
"""

WRITTEN_OUT = POLICY[:POLICY.index("frame 通常")] + """\
frame 通常 "通常枠":
  source 要領 "通常枠"
  amount ソフト "ソフトウェア":
    on total of 金額 in 経費 where 区分 is ソフトウェア
    rate 1/2
    round down
    at most 150万円
  amount PC "PC等":
    on total of 金額 in 経費 where 区分 is PC
    rate 1/2
    round down
    at most 10万円

frame 小規模枠 "小規模枠":
  source 要領 "小規模枠"
  amount ソフト "ソフトウェア":
    on total of 金額 in 経費 where 区分 is ソフトウェア
    rate 2/3 if 小規模 else 1/2
    round down
    at most 150万円
  amount PC "PC等":
    on total of 金額 in 経費 where 区分 is PC
    rate 1/2
    round down
    at most 20万円

frame 大型 "大型枠":
  source 要領 "大型枠"
  amount ソフト "ソフトウェア":
    on total of 金額 in 経費 where 区分 is ソフトウェア
    rate 2/3 if 小規模 else 1/2
    round down
    at most 300万円
  amount PC "PC等":
    on total of 金額 in 経費 where 区分 is PC
    rate 1/2
    round down
    at most 20万円
"""

CASE = {"申請者": {"小規模": True}, "経費": [{"区分": "ソフトウェア", "金額": 6_000_000}, {"区分": "PC", "金額": 300_000}]}



folder, policy = policy_fixtures(POLICY, "amount_like")


def test_an_amount_like_another_takes_its_lines_and_changes_those_it_states(policy):
    frames = {f.name: (f.status, f.subsidy) for f in evaluate(policy, read_case(policy, CASE)).frames}
    # 通常: 150万円 (cap) + 10万円 (PC capped); 小規模枠: 150万円 + 15万円 (300,000 × 1/2 under its 20万円); 大型: 300万円 + 15万円
    assert frames == {"通常": ("eligible", 1_600_000), "小規模枠": ("eligible", 1_650_000), "大型": ("eligible", 3_150_000)}


def test_it_decides_as_the_amounts_written_out(policy, tmp_path):
    written = load(tmp_path / "written", WRITTEN_OUT)
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 150, seed=4)]
    for v in values:
        assert summary(evaluate(policy, v)) == summary(evaluate(written, v))


def test_tree_fast_and_sql_agree(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 300, seed=9)]
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_the_explanation_says_what_the_amount_is_like(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    lines = run("eval", case, "--policy", folder).stdout.splitlines()
    assert "    PC等（通常枠のソフトウェアと同じ、ただし対象経費、上限が異なる） — 補助対象経費 300,000円" in lines
    assert "    ソフトウェア（通常枠のソフトウェアと同じ、ただし補助率が異なる） — 補助対象経費 6,000,000円" in lines
    # 大型 is 小規模枠 with its own cap: its ソフト is still 通常's, the rate and the cap changed
    assert "    ソフトウェア（通常枠のソフトウェアと同じ、ただし補助率、上限が異なる） — 補助対象経費 6,000,000円" in lines
    lines = run("eval", case, "--policy", folder, "--lang", "en").stdout.splitlines()
    assert "    PC等 (as ソフトウェア of 通常枠, except the eligible cost, the cap) — eligible cost 300,000円" in lines


def test_the_json_decision_names_the_amount_it_is_like(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    decision = json.loads(run("eval", case, "--policy", folder, "--format", "json").stdout)
    small = next(f for f in decision["frames"] if f["frame"] == "小規模枠")
    pc = next(p for p in small["amount"]["parts"] if p["name"] == "PC")
    assert pc["like"] == {"frame": "通常", "amount": "PC", "changed": ["caps"], "sentence": "通常枠のPC等と同じ、ただし上限が異なる"}
    first = next(f for f in decision["frames"] if f["frame"] == "通常")
    assert "like" not in first["amount"]["parts"][0]


def test_policy_doc_shows_what_the_amount_is_like(folder, run):
    out = run("doc", "--policy", folder, "--format", "markdown").stdout
    assert '  amount PC "PC等" like 通常.ソフト:\n    # 通常枠のソフトウェアと同じ、ただし対象経費、上限が異なる\n' \
           "    on total of 金額 in 経費 where 区分 is PC\n    rate 1/2\n    round down\n    at most 10万円\n" in out


def test_policy_diff_sees_no_change_from_the_amounts_written_out(folder, tmp_path, run):
    written = write(tmp_path / "written", WRITTEN_OUT)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    result = run("diff", written, folder, case)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "ポリシーの変更: 0件の定義" in lines  # the derived amounts are the written-out ones, clause for clause
    assert "まとめ: 1件中 0件が変化" in lines


@pytest.mark.parametrize("old, new, message, help", [
    ("amount PC like 通常.PC:", "amount PC like 普通.PC:",
     "policy.rules:33:18: error: amount PC is like 普通.PC, but this policy has no frame 普通", "help: did you mean 通常?"),
    ("amount PC like 通常.PC:", "amount PC like 通常.PC2:",
     "policy.rules:33:21: error: amount PC is like 通常.PC2, but frame 通常 has no amount PC2", "help: did you mean PC?"),
    ("amount PC \"PC等\" like ソフト:", "amount PC \"PC等\" like ハード:",
     "policy.rules:25:24: error: amount PC is like ハード, but no frame of this policy has an amount ハード", None),
    ("amount ソフト like 通常.ソフト:", "amount ソフト like 通常.PC:",
     "policy.rules:25:24: error: amounts are like each other in a circle: 通常.ソフト -> 小規模枠.ソフト -> 通常.PC -> 通常.ソフト",
     "help: one of them must state its lines itself"),
])
def test_an_amount_like_one_that_is_not_there_is_an_error(tmp_path, old, new, message, help):
    text = POLICY.replace(old, new)
    if "circle" in message:  # 通常.ソフト like 小規模枠.ソフト, which is like 通常.PC, like 通常.ソフト
        text = text.replace('  amount ソフト "ソフトウェア":\n    on total of 金額 in 経費 where 区分 is ソフトウェア\n',
                            '  amount ソフト "ソフトウェア" like 小規模枠.ソフト:\n    on total of 金額 in 経費 where 区分 is ソフトウェア\n')
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    lines = str(error.value).splitlines()
    assert lines[0].endswith(message), lines[0]
    if help is not None:
        assert f"  {help}" in lines


def test_an_ambiguous_like_asks_for_the_frame(tmp_path):
    text = POLICY + '\nframe 別 "別枠":\n  source 要領 "別枠"\n  amount その他 "その他" like PC:\n    rate 1/3\n'
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    lines = str(error.value).splitlines()
    assert lines[0].endswith("policy.rules:43:25: error: amount その他 is like PC, an amount of more than one frame (通常, 小規模枠, 大型)"), lines[0]
    assert "  help: name the frame: `like 通常.PC`" in lines


def test_fmt_keeps_like():
    assert format_text(POLICY) == POLICY


def test_the_bundled_policy_says_it_once_per_list_of_members(run):
    """policies/2024 states レジ等 like PC等 (インボイス対応類型 and 複数社連携's per-member part): an
    amount of no cost is one line as before, and the members after the first do not repeat it."""
    from conftest import EXAMPLES, POLICY_2024

    lines = run("eval", EXAMPLES / "deadline_multi_round_1_2024_04_15.json", "--policy", POLICY_2024).stdout.splitlines()
    assert "    POSレジ・モバイルPOSレジ・券売機 — 補助対象経費 0円 → 0円" in lines
    said = [line for line in lines if "と同じ、ただし" in line]
    assert said == ["          POSレジ・券売機等（複数社連携IT導入枠のPC・タブレット等と同じ、ただし対象経費、上限が異なる） — 補助対象経費 "
                    "400,000円 [九州経済産業局『IT導入補助金2024』概要 レジ等 ～20万円 1/2]"]


def test_what_ifs_reach_the_cap_of_a_derived_amount(policy):
    """小規模枠's PC is 通常's PC with a 20万円 cap: the cost that reaches it is its own (400,000円 at 1/2)."""
    from engine.explain.counterfactual import what_if

    values = read_case(policy, {"経費": [{"区分": "ソフトウェア", "金額": 100_000}, {"区分": "PC", "金額": 100_000}]})
    frames = {f.name: f for f in what_if(policy, values, evaluate(policy, values)).frames}
    offers = [(w.kind, [(c.path, c.old, c.new) for c in w.changes], w.subsidy, dict(w.facts)["part"]) for w in frames["小規模枠"].what_if]
    assert offers == [("cap_reached", [(("経費", 0, "金額"), 100_000, 3_000_000)], 1_550_000, "ソフト"),
                      ("cap_reached", [(("経費", 1, "金額"), 100_000, 400_000)], 250_000, "PC")]
