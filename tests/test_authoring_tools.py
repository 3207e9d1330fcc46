"""policy schema and policy graph."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import EXAMPLES, POLICY_2024
from engine.evaluate.case import read_case, read_case_file
from engine.language.diagnostics import CaseError
from engine.compile.pipeline import load_policy


@pytest.fixture(scope="module")
def schema_2024():
    from engine.authoring.schema import case_schema

    return case_schema(load_policy(POLICY_2024).policy)


def test_schema_command(run):
    result = run("schema", "--policy", POLICY_2024)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    applicant = schema["properties"]["申請者"]
    assert applicant["required"] == ["組織形態", "業種", "従業員数"]
    assert applicant["properties"]["業種"]["enum"][:3] == ["製造業", "建設業", "運輸業"]
    assert applicant["properties"]["資本金"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 10**15, "title": "資本金", "description": "capital"}
    assert schema["required"] == ["経費", "申請者", "申請要件"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_schema_and_case_reader_agree(path, schema_2024):
    raw = read_case_file(path)
    valid = jsonschema.Draft202012Validator(schema_2024).is_valid(json.loads(path.read_text(encoding="utf-8")))
    try:
        read_case(_policy(), raw)
        read_ok = True
    except CaseError:
        read_ok = False
    assert valid == read_ok


_CACHE = {}


def _policy():
    if "p" not in _CACHE:
        _CACHE["p"] = load_policy(POLICY_2024).policy
    return _CACHE["p"]


def test_schema_rejects_what_the_reader_rejects(schema_2024):
    case = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    case["申請者"]["業種"] = "製造"
    errors = list(jsonschema.Draft202012Validator(schema_2024).iter_errors(case))
    assert [list(e.path) for e in errors] == [["申請者", "業種"]]


def test_graph_mermaid_of_a_small_policy(write_policy, run):
    folder = write_policy("""
input 申請者:
  従業員数: 人
  小規模: bool, default false

rule 中小企業 "中小企業":
  source doc
  従業員数 ≤ 300人

frame F "枠":
  source doc
  requires 中小企業
  amount A "A":
    on 100万円
    rate 4/5 if 小規模 else 3/4
    round down
    at most 50万円
  at least 5万円
""")
    result = run("graph", "--policy", folder)
    assert result.stdout.splitlines() == [
        "flowchart LR",
        '  n0{{"frame F"}}',
        '  n1("rule 中小企業")',
        '  n2[/"従業員数"/]',
        '  n3["amount F"]',
        '  n4(["floor 50,000円"])',
        '  n5["amount A"]',
        '  n6[/"小規模"/]',
        '  n7(["cap 500,000円"])',
        "  n1 --> n2",
        "  n0 -->|requires| n1",
        "  n0 --> n3",
        "  n3 --> n4",
        "  n3 --> n5",
        "  n5 -->|rate| n6",
        "  n5 --> n7",
    ]


def test_graph_dot_of_one_frame(run):
    result = run("graph", "--policy", POLICY_2024, "--format", "dot", "--frame", "インボイス対応類型")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "digraph policy {" and lines[-1] == "}"
    assert '  n0 [label="frame インボイス対応類型", shape=hexagon, style=rounded];' in lines
    assert not any("frame 通常枠" in line for line in lines)
    assert run("graph", "--policy", POLICY_2024, "--frame", "none").exit_code == 2
