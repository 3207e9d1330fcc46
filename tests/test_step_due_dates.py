"""Steps with their own due date (issue 22): `due 2024-08-01`, or `due deadline - 7日` — the deadline of
the round the case applies in, in each frame that lists the step, moved by a duration. The decision
says when each step is due and flags a step still to take whose due date had passed on the
application date; the status stays the steps' (eligible once they are done), as before."""

from __future__ import annotations

import datetime
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
programme "手続き"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請日: date, optional "申請日"
input 経費: 円 "補助対象経費"

input 手続き "手続き":
  書類提出済: bool, default false "書類を提出した"
  登録済: bool, default false "登録した"

step 書類提出 "事業計画書を提出する":
  source 要領 "手続き"
  due deadline - 7日 source 要領 "締切の7日前まで"
  書類提出済

step 登録 "アカウントを登録する":
  source 要領 "登録"
  due 2024-08-01
  登録済

frame 枠 "枠":
  source 要領 "補助率"
  steps 書類提出, 登録
  deadline "1次" 2024-06-30
  deadline "2次" 2024-09-30 opens 2024-07-15
  amount 補助 "補助":
    on 経費
    rate 1/2
    round down
"""

D = datetime.date


folder, policy = policy_fixtures(POLICY, "steps")


def dues(policy, applied, done=False):
    raw = {"経費": 300_000, "手続き": {"書類提出済": done, "登録済": done}, **({"申請日": applied} if applied else {})}
    frame = evaluate(policy, read_case(policy, raw)).frames[0]
    return frame.status, [(s.name, s.due, s.passed) for s in frame.step_dues]


@pytest.mark.parametrize("applied, expected", [
    ("2024-06-23", [("書類提出", D(2024, 6, 23), False), ("登録", D(2024, 8, 1), False)]),  # 1次: 06-30 - 7日, on the day
    ("2024-06-24", [("書類提出", D(2024, 6, 23), True), ("登録", D(2024, 8, 1), False)]),
    ("2024-08-01", [("書類提出", D(2024, 9, 23), False), ("登録", D(2024, 8, 1), False)]),  # 2次 counts from 09-30
    ("2024-08-02", [("書類提出", D(2024, 9, 23), False), ("登録", D(2024, 8, 1), True)]),
    ("2024-07-01", [("書類提出", None, False), ("登録", D(2024, 8, 1), False)]),  # in no round: no deadline to count from
    (None, [("書類提出", None, False), ("登録", D(2024, 8, 1), False)]),
])
def test_each_step_is_due_when_its_line_says(policy, applied, expected):
    assert dues(policy, applied)[1] == expected


def test_a_passed_due_date_is_flagged_not_a_reason(policy):
    status, _ = dues(policy, "2024-09-25")
    assert status == "eligible_after_steps"
    assert dues(policy, "2024-09-25", done=True)[0] == "eligible"


@pytest.mark.parametrize("applied, lang, lines", [
    ("2024-09-25", "ja", [" □ 事業計画書を提出する — 期限 2024年9月23日（申請する回の締切の7日前）。申請日（2024年9月25日）には期限を過ぎています",
                          " □ アカウントを登録する — 期限 2024年8月1日。申請日（2024年9月25日）には期限を過ぎています"]),
    ("2024-06-01", "ja", [" □ 事業計画書を提出する — 期限 2024年6月23日（申請する回の締切の7日前）", " □ アカウントを登録する — 期限 2024年8月1日"]),
    ("2024-07-01", "ja", [" □ 事業計画書を提出する — 期限は申請する回の締切から決まりますが、申請日がどの回の受付期間にも入りません"]),
    ("2024-09-25", "en", [" □ 事業計画書を提出する — due 2024-09-23 (7日 before the round's deadline): already past on the "
                          "application date (2024-09-25)"]),
])
def test_the_brief_says_when_each_step_is_due(folder, tmp_path, run, applied, lang, lines):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請日": applied, "経費": 300_000}), encoding="utf-8")
    out = run("eval", case, "--policy", folder, "--format", "brief", "--lang", lang).stdout
    for line in lines:
        assert line + "\n" in out, out


def test_the_text_lists_every_due_date_with_its_source(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請日": "2024-09-25", "経費": 300_000, "手続き": {"登録済": True}}), encoding="utf-8")
    out = run("eval", case, "--policy", folder).stdout
    assert (" 手続きの期限:\n"
            "  ⚠ 事業計画書を提出する: 期限 2024年9月23日（申請する回の締切の7日前）。申請日（2024年9月25日）には期限を過ぎています"
            " [例示の補助金 公募要領 締切の7日前まで]\n"
            "  ✓ アカウントを登録する: 期限 2024年8月1日\n") in out, out
    decision = json.loads(run("eval", case, "--policy", folder, "--format", "json").stdout)
    first = decision["frames"][0]["step_dues"][0]
    assert {k: first[k] for k in ("name", "done", "due", "passed")} == {"name": "書類提出", "done": False, "due": "2024-09-23", "passed": True}
    assert first["source"]["detail"] == "締切の7日前まで"


def test_fmt_keeps_the_due_line():
    assert format_text(POLICY.replace("due deadline - 7日", "due  deadline - 7日")) == POLICY


@pytest.mark.parametrize("old, new, message", [
    ("due deadline - 7日 source 要領", "due deadline - 7日 source 要項", "error: unknown source 要項"),
    ("due deadline - 7日", "due deadline - 7人", "error: a step is due a duration (年, か月, 日) before or after the deadline, not 7人"),
    ("due deadline - 7日", "due deadline - 101年", "error: duration 101年 is longer than a century; is it a typo?"),
    ("  applied on 申請日\n", "",
     "error: step 書類提出 is due by the deadline of the round applied in, which needs the programme's `applied on`"),
])
def test_what_a_due_line_needs(tmp_path, old, new, message):
    with pytest.raises(PolicyError) as error:
        load(tmp_path, POLICY.replace(old, new, 1))
    assert message in str(error.value), str(error.value)


def test_a_frame_without_rounds_is_warned(tmp_path, run):
    write(tmp_path, POLICY.replace('  deadline "1次" 2024-06-30\n  deadline "2次" 2024-09-30 opens 2024-07-15\n', "  deadlines unknown\n"))
    out = run("check", "--lang", "en", "--policy", tmp_path)
    assert "warning: step 書類提出 is due by the round's deadline, but frame 枠 lists no rounds: there it has no due date" in out.stdout + out.stderr
    out = run("check", "--policy", tmp_path)  # Japanese by default
    assert "手続き 書類提出 の期限は申請する回の締切から数えますが、枠 枠 には申請回がありません: この枠では期限がありません" in out.stdout + out.stderr


def test_the_json_decision_fits_the_services_schema(folder, tmp_path, run):
    """The `step_dues` key (and a `round_of` trace) is declared in the schema the service publishes."""
    import jsonschema
    from starlette.testclient import TestClient

    from conftest import ROOT
    from engine.serve.app import Settings, create_app
    from engine.serve.registry import Registry

    document = TestClient(create_app(Settings(Registry(ROOT / "policies"), request_timeout=None))).get("/openapi.json").json()
    schema = {"$ref": "#/components/schemas/FrameDecision", "components": document["components"]}
    for applied in ("2024-09-25", "2024-07-01"):
        case = tmp_path / "case.json"
        case.write_text(json.dumps({"申請日": applied, "経費": 300_000}), encoding="utf-8")
        frame = json.loads(run("eval", case, "--policy", folder, "--format", "json").stdout)["frames"][0]
        assert frame["step_dues"]
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(frame)]
        assert errors == []


def test_tree_fast_and_sql_agree_on_the_overdue_steps(policy):
    """The batch and population forms carry `F.overdue_steps`; the corpus meets every due date's edge."""
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 400, seed=5)]
    applied = {v.get("申請日") for v in values}
    assert {D(2024, 6, 23), D(2024, 6, 24), D(2024, 8, 1), D(2024, 8, 2), D(2024, 9, 23), D(2024, 9, 24)} <= applied
    overdue = set()
    generated, closures = FastPolicy(policy), FastPolicy(policy, generate=False)
    for v in values:
        want = summary(evaluate(policy, v))
        assert generated.decide(v) == want == closures.decide(v)
        overdue.add(tuple(want["frames"][0]["overdue_steps"]))
    assert overdue == {(), ("書類提出",), ("登録",), ("書類提出", "登録")}
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []
    assert mismatches(policy, values, duckdb_rows(policy, values, fused=True)) == []


def test_a_batch_writes_the_overdue_steps(folder, tmp_path, run):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"申請日": "2024-09-25", "経費": 300000}\n{"申請日": "2024-06-01", "経費": 300000, "手続き": {"書類提出済": true}}\n',
                     encoding="utf-8")
    out = run("batch", cases, "--policy", folder, "-o", "-", "--output-format", "csv", "--no-bom").stdout.splitlines()
    assert out[0].endswith(",枠.pending_steps,枠.overdue_steps")
    assert out[1].endswith(",枠: 残りの手続き,枠: 期限を過ぎた手続き")  # the labels row
    assert out[2].endswith(",事業計画書を提出する ／ アカウントを登録する,事業計画書を提出する ／ アカウントを登録する")
    assert out[3].endswith(",アカウントを登録する,")
    records = [json.loads(line) for line in run("batch", cases, "--policy", folder, "-o", "-", "--output-format", "jsonl").stdout.splitlines()
               if line.startswith("{")]
    assert [r["decision"]["frames"][0]["overdue_steps"] for r in records] == [["書類提出", "登録"], []]
